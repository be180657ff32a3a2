"""``wallet demo``: the whole local flow in a throwaway home, no prompts, nothing kept."""

from __future__ import annotations

import os
import secrets
import tempfile


DEMO_OFFER = (
    b"v=0\r\no=- 8155374578154356573 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    b"a=msid-semantic: WMS\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
    b"a=ice-ufrag:Ik7o\r\na=ice-pwd:6fYCn8FYHFHGyvEEf3bCivjd\r\na=fingerprint:sha-256 "
    b"0B:3E:85:7D:CE:8B:1A:2C:9E:4F:66:10:8C:1D:4D:3A:90:55:7A:3B:0E:61:AD:0F:6F:29:59:B0:10:0D:5E:3C\r\n"
    b"a=setup:actpass\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n"
)


def demo() -> None:
    from wallet.derivation import Scope
    from wallet.home import WalletHome
    from wallet.personas import Persona
    from wallet.vault import create_wallet, open_wallet

    say = print
    passphrase = secrets.token_bytes(24)

    def source(_confirm: bool) -> bytes:
        return passphrase

    with tempfile.TemporaryDirectory(prefix="wallet-demo-") as tmp:
        home = WalletHome.resolve(os.path.join(tmp, "home"))
        say(f"1. A new wallet in a throwaway home ({home.path}), secret in an encrypted file.")
        create_wallet(home, store="file", passphrase=source)
        vault = open_wallet(home, passphrase=source)
        say("   It holds a random GUID and a 32-byte master secret; neither ever leaves it.\n")

        vault.add_persona(
            Persona.new("work", kind="real", attributes={"display_name": "Ann Example", "email": "ann@corp.example"})
        )
        vault.add_persona(Persona.new("PokerAce", kind="pseudonym"))
        say("2. Two personas: 'work' (real, with a name and e-mail) and 'PokerAce' (a named pseudonym).\n")

        say("3. What two different destinations would see for persona 'work' (pairwise identifiers):")
        shop = vault.pseudonym("https://shop.example", persona="work")
        bank = vault.pseudonym("bank.example", persona="work")
        again = vault.pseudonym("HTTPS://Shop.Example:443/checkout", persona="work")
        for dest, _, key in (shop, bank):
            say(f"   {dest:<24} sees {key.did}")
        same = "the same identifier" if again[2].did == shop[2].did else "a DIFFERENT identifier (bug)"
        say(f"   the same shop, spelled HTTPS://Shop.Example:443/checkout -> {same}")
        say("   shop and bank cannot tell they talk to the same person.\n")

        say("4. The named pseudonym 'PokerAce' is one identifier for everyone:")
        for dest in ("poker.example", "chat.example"):
            d, _, key = vault.pseudonym(dest, persona="PokerAce")
            say(f"   {d:<24} sees {key.did}")
        say("")

        one = vault.pseudonym("sales.example", persona="work", scope=Scope.ONE_TIME)[2]
        two = vault.pseudonym("sales.example", persona="work", scope=Scope.ONE_TIME)[2]
        say("5. One-time identifiers are fresh for every call:")
        say(f"   call 1: {one.did}\n   call 2: {two.did}\n")
        say("6. Ann calls shop.example. Her browser's offer carries a DTLS fingerprint; her wallet signs it,")
        say("   offline, as her pairwise identifier for the shop, disclosing nothing:")
        from wallet.assertion import envelope
        from wallet.sdp import Sdp
        from wallet.verifier import verify

        offer = Sdp.parse(DEMO_OFFER)
        issued = vault.issue("shop.example", fingerprints=offer.fingerprints, persona="work", command="sign-sdp")
        signed = offer.with_identity(envelope(issued.token))
        line = next(x for x in signed.decode().splitlines() if x.startswith("a=identity:"))
        say(f"   {line[:76]}...")
        say("7. The shop verifies it offline, with nothing but the SDP (no IdP is asked, no wallet needed):")
        result = verify(signed, audience="https://shop.example")
        say(f"   valid={result.valid} id={result.identity} state={result.state} disclosed={result.disclosed or 'nothing'}")
        tampered = signed.replace(b"8C:1D:4D", b"00:00:00")
        bad = verify(tampered, audience="https://shop.example")
        say("   a calling service that swaps the fingerprint (a man in the middle) is caught:")
        say(f"   valid={bad.valid} error={bad.error[0] if bad.error else None}")
        moved = verify(signed, audience="https://bank.example")
        say(f"   the same SDP replayed to the bank: valid={moved.valid} error={moved.error[0] if moved.error else None}")
        say("")
        entries = vault.history()
        say(f"8. Ann's disclosure ledger (wallet history) holds {len(entries)} entry: to {entries[0]['destination']},")
        say(f"   as {entries[0]['id'][:24]}..., {entries[0]['state']}, disclosed: nothing.\n")
        vault.close()
        say("The demo wallet is deleted now. Start your own with: wallet init")

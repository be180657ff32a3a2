"""``wallet demo``: the whole local flow in a throwaway home, no prompts, nothing kept."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import DemoArgs
    from wallet.facade import Wallet


DEMO_OFFER = (
    b"v=0\r\no=- 8155374578154356573 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    b"a=msid-semantic: WMS\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
    b"a=ice-ufrag:Ik7o\r\na=ice-pwd:6fYCn8FYHFHGyvEEf3bCivjd\r\na=fingerprint:sha-256 "
    b"0B:3E:85:7D:CE:8B:1A:2C:9E:4F:66:10:8C:1D:4D:3A:90:55:7A:3B:0E:61:AD:0F:6F:29:59:B0:10:0D:5E:3C\r\n"
    b"a=setup:actpass\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n"
)


def demo(a: DemoArgs) -> None:
    from wallet.vocabulary import KeyScope
    from wallet.storage.paths import WalletHome
    from wallet.identity.personas import Persona
    from wallet.facade import create_wallet, open_wallet

    say = print
    from wallet.storage.hardening import protect_process

    protect_process()  # the demo wallet's passphrase and secret are secrets too, if throwaway ones
    passphrase = secrets.token_bytes(24)

    def source(_confirm: bool) -> bytes:
        return passphrase

    with tempfile.TemporaryDirectory(prefix="wallet-demo-") as tmp:
        home = WalletHome.resolve(os.path.join(tmp, "home"))
        say(f"1. A new wallet in a throwaway home ({home.path}), secret in an encrypted file.")
        create_wallet(home, store="file", passphrase=source)
        wallet = open_wallet(home, passphrase=source)
        say("   It holds a random GUID and a 32-byte master secret; neither ever leaves it.\n")

        wallet.add_persona(
            Persona.new("work", kind="real", attributes={"display_name": "Ann Example", "email": "ann@corp.example"})
        )
        wallet.add_persona(Persona.new("PokerAce", kind="pseudonym"))
        say("2. Two personas: 'work' (real, with a name and e-mail) and 'PokerAce' (a named pseudonym).\n")

        say("3. What two different destinations would see for persona 'work' (pairwise identifiers):")
        shop = wallet.pseudonym("https://shop.example", persona="work")
        bank = wallet.pseudonym("bank.example", persona="work")
        again = wallet.pseudonym("HTTPS://Shop.Example:443/checkout", persona="work")
        for dest, _, key in (shop, bank):
            say(f"   {dest:<24} sees {key.did}")
        same = "the same identifier" if again[2].did == shop[2].did else "a DIFFERENT identifier (bug)"
        say(f"   the same shop, spelled HTTPS://Shop.Example:443/checkout -> {same}")
        say("   shop and bank cannot tell they talk to the same person.\n")

        say("4. The named pseudonym 'PokerAce' is one identifier for everyone:")
        for dest in ("poker.example", "chat.example"):
            d, _, key = wallet.pseudonym(dest, persona="PokerAce")
            say(f"   {d:<24} sees {key.did}")
        say("")

        one = wallet.pseudonym("sales.example", persona="work", scope=KeyScope.ONE_TIME)[2]
        two = wallet.pseudonym("sales.example", persona="work", scope=KeyScope.ONE_TIME)[2]
        say("5. One-time identifiers are fresh for every call:")
        say(f"   call 1: {one.did}\n   call 2: {two.did}\n")
        say("6. Ann calls shop.example. Her browser's offer carries a DTLS fingerprint; her wallet signs it,")
        say("   offline, as her pairwise identifier for the shop, disclosing nothing:")
        from wallet.assertions.token import envelope
        from wallet.assertions.sdp import Sdp
        from wallet.assertions.verify import verify

        offer = Sdp.parse(DEMO_OFFER)
        issued = wallet.issue("shop.example", fingerprints=offer.fingerprints, persona="work", command="sign-sdp")
        signed = offer.with_identity(envelope(issued.token))
        line = next(x for x in signed.decode().splitlines() if x.startswith("a=identity:"))
        say(f"   {line[:76]}...")
        say("7. The shop verifies it offline, with nothing but the SDP (no IdP is asked, no wallet needed):")
        result = verify(signed, audience="https://shop.example")
        say(f"   valid={result.valid} id={result.identity} state={result.state} disclosed={result.disclosed or 'nothing'}")
        tampered = signed.replace(b"8C:1D:4D", b"00:00:00")
        bad = verify(tampered, audience="https://shop.example")
        say("   a calling service that swaps the fingerprint (a man in the middle) is caught:")
        say(f"   valid={bad.valid} error={bad.error.code if bad.error else None}")
        moved = verify(signed, audience="https://bank.example")
        say(f"   the same SDP replayed to the bank: valid={moved.valid} error={moved.error.code if moved.error else None}")
        say("")
        entries = wallet.history()
        say(f"8. Ann's disclosure ledger (wallet history) holds {len(entries)} entry: to {entries[0]['destination']},")
        say(f"   as {entries[0]['id'][:24]}..., {entries[0]['state']}, disclosed: nothing.\n")
        _use_cases(wallet, say)
        wallet.close()
        say("The demo wallet is deleted now. Start your own with: wallet init")


def _use_cases(wallet: Wallet, say: Callable[[str], None]) -> None:
    """Draft use cases 7.1 (anonymous caller to call centres) and 7.5 (trust by destination)."""
    from wallet.privacy.policy import Policy
    from wallet.privacy.rules import Rule

    say("9. Use case 7.1: Ann clicks 'call us' on two insurers' sites (click-to-link). Her rule: stay")
    say("   undetectable, and fall back to a pseudonym where the site insists on authentication.")
    wallet.prefs.add_rule(Rule.new(service="click-to-link", state="undetectable", on_conflict="fallback:pseudonymous"))
    welcoming = Policy.from_json(b'{"version":1,"accept":["undetectable","pseudonymous"],"require":[]}', source="insurer-a")
    strict = Policy.from_json(b'{"version":1,"accept":["pseudonymous","identified"],"require":[]}', source="insurer-b")
    for site, policy in (("insurer-a.example", welcoming), ("insurer-b.example", strict)):
        plan = wallet.plan(site, service="click-to-link", policies=[policy], origin_url="https://health-news.example")
        how = plan.outcome.state
        if plan.outcome.conflicts:
            how += f" ({plan.outcome.conflicts[0]['resolution']}: the site refuses undetectable callers)"
        say(f"   {plan.destination:<27} -> {how}; origin {plan.outcome.origin['status']}")
    say("")
    say("10. Use case 7.5: unlinkable to a sales prospect, fully linkable to a colleague.")
    wallet.prefs.set_category("charlie@corp.example", "inner-circle")
    wallet.prefs.add_rule(Rule.new(category="inner-circle", state="identified", persona="work", disclose=["display_name", "email"]))
    wallet.prefs.add_rule(Rule.new(dest="*.prospects.example", state="unlinkable"))
    for dest in ("bob@survey.prospects.example", "charlie@corp.example"):
        plan = wallet.plan(dest)
        shown = ", ".join(f"{k}={plan.persona.attributes[k]}" for k in plan.outcome.disclosed) or "nothing"
        say(f"   {plan.destination:<34} -> {plan.outcome.state}, {plan.outcome.scope} key; discloses {shown}")
        say(f"   {'':<34}    decided by {plan.intent.source}")
    say("   (see every decision with: wallet explain --to DEST --json)\n")

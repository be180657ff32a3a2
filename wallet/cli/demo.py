"""``wallet demo``: the whole local flow in a throwaway home, no prompts, nothing kept."""

from __future__ import annotations

import os
import secrets
import tempfile


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
        vault.close()
        say("The demo wallet is deleted now. Start your own with: wallet init")

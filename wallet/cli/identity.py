"""``wallet init`` and ``wallet status``: the identity root."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import InitArgs, StatusArgs

from wallet.cli.common import home_to_replace, unlock_wallet
from wallet.cli.output import Output, spinner


NEXT_STEPS = """next steps:
  wallet persona add work --attr display_name='Your Name'    # a face to show, and what it may disclose
  wallet pseudonym shop.example --persona work                # the identifier shop.example would see
  wallet sign-sdp --to shop.example offer.sdp -o signed.sdp   # sign a call's SDP offer (wallet verify checks it)
  man wallet                                                  # the manual; wallet COMMAND --help for one command"""


def init(a: InitArgs) -> None:
    from wallet.cli.passphrase import passphrase_source
    from wallet.facade import create_wallet

    home = home_to_replace(a["force"], a["yes"], "Replace the wallet in {home}? Its GUID, keys and pseudonyms will be lost")
    source = passphrase_source(a["passphrase_file"])
    root, choice = create_wallet(home, store=a["store"], passphrase=source, force=a["force"], progress=spinner,
                                 announce=source.announce)
    out = Output(a["json_out"])
    source.tell_store()
    out.notice(f"created a wallet in {home.path}")
    out.notice(NEXT_STEPS)
    out.product({"home": str(home.path), "store": choice.store.name, "guid": str(root.guid)})


def status(a: StatusArgs) -> None:
    from wallet import __version__

    wallet = unlock_wallet(a["passphrase_file"])
    personas = [p.name for p in wallet.personas()]
    data = {
        "version": __version__,
        "home": str(wallet.home.path),
        "store": wallet.store.name,
        "guid": str(wallet.root.guid),
        "personas": personas,
    }
    human = "\n".join(
        [
            f"home:     {data['home']}",
            f"store:    {data['store']}",
            f"guid:     {data['guid']}",
            f"personas: {', '.join(personas) or '(none)'}",
        ]
    )
    Output(a["json_out"]).table(
        data, columns=["", ""], title=f"wallet {__version__} (private: the GUID is for your eyes only)",
        rows=[["home", str(wallet.home.path)], ["store", wallet.store.name], ["guid", str(wallet.root.guid)],
              ["personas", ", ".join(personas) or "(none)"]],
        plain=human, empty="",
    )

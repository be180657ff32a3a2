"""The typer application and the one place where errors become messages and exit codes.

    >>> from wallet.cli.app import run
    >>> run(["--help"])  # doctest: +SKIP

Command modules import the library lazily, inside their functions, so that
building this app costs only typer's own import.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer
from typer._click import exceptions as click_exc  # typer >= 0.25 vendors click here

from wallet import __version__
from wallet.cli import backup, identity, persona, pseudonym
from wallet.cli.demo import demo
from wallet.cli.output import Output

app = typer.Typer(
    name="wallet",
    help="A private identity wallet for WebRTC calls: one identity root you own, personas, and pseudonyms derived on your machine.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"wallet {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """A private identity wallet for WebRTC calls."""


identity.register(app)
app.add_typer(persona.app, name="persona")
app.command("pseudonym")(pseudonym.pseudonym)
backup.register(app)
app.command("demo")(demo)


def command():  # type: ignore[no-untyped-def]
    """The click command behind the app (used by the doc generators too)."""
    return typer.main.get_command(app)


def run(args: list[str]) -> int:
    """Run the CLI; map every failure to a one-line message and its exit code."""
    from wallet.errors import WalletError

    out = Output(json_mode="--json" in args)
    old_umask = os.umask(0o077)  # anything the wallet creates is private
    try:
        result = command().main(args, prog_name="wallet", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except WalletError as err:
        out.error(err.code, err.message, err.hint)
        return err.exit_code
    except click_exc.UsageError as err:
        message = err.format_message()
        ctx = err.ctx
        hint = f"see '{ctx.command_path} --help'" if ctx is not None else "see 'wallet --help'"
        out.error("usage", message, hint)
        return 2
    except click_exc.Exit as err:
        return int(err.exit_code)
    except (click_exc.Abort, KeyboardInterrupt, EOFError):
        out.error("interrupted", "interrupted; nothing was changed", None)
        return 130
    except click_exc.ClickException as err:
        out.error("usage", err.format_message(), None)
        return err.exit_code
    except BrokenPipeError:
        return 1
    except Exception as err:  # noqa: BLE001 - the last line of defence: no tracebacks
        if os.environ.get("WALLET_DEBUG"):
            raise
        out.error(
            "internal",
            f"internal error ({type(err).__name__})",
            "this is a bug; rerun with WALLET_DEBUG=1 for details and report it",
        )
        return 1
    finally:
        os.umask(old_umask)

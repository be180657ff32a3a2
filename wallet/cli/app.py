"""The typer application and the one place where errors become messages and exit codes.

    >>> from wallet.cli.app import run
    >>> run(["--help"])  # doctest: +SKIP

Command modules import the library lazily, inside their functions, so that
building this app costs only typer's own import.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated, Optional

import typer
from typer._click import exceptions as click_exc  # typer >= 0.25 vendors click here

from wallet import __version__
from wallet.cli.output import Output

# Command name -> (module, attribute). Modules are imported only when their
# command is built, so `wallet pseudonym ...` does not pay for `wallet demo`.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("wallet.cli.identity", "init"),
    "status": ("wallet.cli.identity", "status"),
    "persona": ("wallet.cli.persona", "app"),
    "pseudonym": ("wallet.cli.pseudonym", "pseudonym"),
    "export": ("wallet.cli.backup", "export"),
    "import": ("wallet.cli.backup", "import_"),
    "demo": ("wallet.cli.demo", "demo"),
}


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"wallet {__version__}\n")
        raise typer.Exit(0)


def main(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """A private identity wallet for WebRTC calls."""


def build_app(only: str | None = None) -> typer.Typer:
    """The typer app with every command, or with just ``only`` (same behaviour for that command)."""
    app = typer.Typer(
        name="wallet",
        help="A private identity wallet for WebRTC calls: one identity root you own, personas, and pseudonyms derived on your machine.",
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(main)
    for name, (module, attribute) in COMMANDS.items():
        if only is not None and name != only:
            continue
        target = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    return app


def command(only: str | None = None):  # type: ignore[no-untyped-def]
    """The click command behind the app (used by the doc generators too)."""
    return typer.main.get_command(build_app(only))


def run(args: list[str]) -> int:
    """Run the CLI; map every failure to a one-line message and its exit code."""
    from wallet.errors import WalletError

    out = Output(json_mode="--json" in args)
    old_umask = os.umask(0o077)  # anything the wallet creates is private
    try:
        only = args[0] if args and args[0] in COMMANDS else None
        result = command(only).main(args, prog_name="wallet", standalone_mode=False)
        if result == 130:  # typer turns Ctrl-C into a silent Exit(130)
            raise KeyboardInterrupt
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
    except typer.Exit as err:
        return int(err.exit_code)
    except (typer.Abort, KeyboardInterrupt, EOFError):
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

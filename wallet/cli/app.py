"""The typer application: help, usage errors, and every command line the fast path declines.

    >>> from wallet.cli.app import run
    >>> run(["--help"])  # doctest: +SKIP

Commands are declared in wallet.cli.commands; only the invoked one is built.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer
from typer._click import exceptions as click_exc  # typer >= 0.25 vendors click here

from wallet import __version__
from wallet.cli.commands import DECLARATIONS, GROUPS, ORDER, RUNNERS, described
from wallet.cli.dispatch import guarded
from wallet.errors import UsageError

HELP = "A private identity wallet for WebRTC calls: one identity root you own, personas, and pseudonyms derived on your machine."


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


def usage_pieces(pieces: list[str]) -> list[str]:
    """Usage pieces as click writes them (FILE required, [FILE] optional): typer writes {FILE} for a required one."""
    return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


class WalletCommand(typer.core.TyperCommand):
    """A command whose usage line has no braces and whose epilog is its examples, shown as written."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return usage_pieces(super().collect_usage_pieces(ctx))

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        if self.epilog:  # command lines: never re-wrapped (a wrapped one could not be pasted)
            with formatter.section("Examples"):
                for line in self.epilog.splitlines():
                    formatter.write(" " * formatter.current_indent + line + "\n")


class WalletGroup(typer.core.TyperGroup):
    """A group listing its commands in ORDER (then in declaration order), each with its whole summary."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), names.index(n)))


def build_app(only: str | None = None) -> typer.Typer:
    """The typer app with every command, or with just ``only`` (same behaviour for that command)."""
    app = typer.Typer(
        name="wallet",
        help=HELP,
        cls=WalletGroup,
        add_completion=False,
        no_args_is_help=True,
        rich_markup_mode=None,  # plain help: rich would turn "AB:CD:" into an emoji
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(main)
    groups: dict[str, typer.Typer] = {}
    for name in ORDER:
        if only is not None and name != only:
            continue
        if name in GROUPS:
            groups[name] = typer.Typer(help=GROUPS[name], short_help=GROUPS[name], no_args_is_help=True, cls=WalletGroup)
            app.add_typer(groups[name], name=name)
    for path, declared in DECLARATIONS.items():
        top, _, sub = path.partition(" ")
        if only is not None and top != only:
            continue
        summary, text, examples = described(path)
        # short_help: the summary whole, or click would cut it to fit the listing's line
        declare = (groups[top] if sub else app).command(sub or top, help=text, short_help=summary,
                                                         epilog="\n".join(examples) or None, cls=WalletCommand)
        declare(RUNNERS[path])
    return app


def command(only: str | None = None) -> Any:
    """The click command behind the app (used by the doc generators too)."""
    return typer.main.get_command(build_app(only))


def _paths() -> set[str]:
    """Every command and group name (for the hint of an error typer raises before it knows the command)."""
    return {part for path in DECLARATIONS for part in path.split(" ")}


def run(args: list[str]) -> int:
    """Parse with typer and run; usage errors become one line and exit code 2."""
    from wallet.cli.fast import json_requested

    json_mode = json_requested(args)

    def action() -> object:
        only = args[0] if args and args[0] in ORDER else None
        try:
            return command(only).main(args, prog_name="wallet", standalone_mode=False)
        except click_exc.NoArgsIsHelpError as err:  # `wallet` or `wallet persona` alone: show the help
            sys.stderr.write(err.format_message().rstrip("\n") + "\n")
            return 2
        except click_exc.UsageError as err:
            ctx = err.ctx
            if ctx is None and only is not None:
                ctx_path = "wallet " + " ".join(a for a in args[:2] if not a.startswith("-") and a in _paths())
            else:
                ctx_path = ctx.command_path if ctx is not None else "wallet"
            # click writes lists of choices over several lines and tabs: one line, as every error is
            raise UsageError(" ".join(err.format_message().split()), hint=f"see '{ctx_path} --help'") from None
        except click_exc.ClickException as err:
            raise UsageError(" ".join(err.format_message().split())) from None
        except typer.Exit as err:
            return int(err.exit_code)
        except typer.Abort:
            raise KeyboardInterrupt from None

    return guarded(action, json_mode=json_mode)

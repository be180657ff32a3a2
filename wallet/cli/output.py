"""Output conventions: products on stdout, people's messages on stderr, one JSON shape.

    >>> from wallet.cli.output import Output
    >>> Output(json_mode=True).product({"id": "did:key:z6Mk..."}, human="did:key:z6Mk...")  # doctest: +SKIP
    {"id": "did:key:z6Mk...", "error": null}

Every ``--json`` document is one JSON object on one line, with ``"error":
null`` on success and ``"error": {"code", "message", "hint"}`` on failure.

People get rich: on a terminal (and unless NO_COLOR is set or TERM is dumb),
lists are tables, a slow unlock shows a spinner and ``verify --batch`` a
progress line, both on stderr. Anywhere else the output is the plain text
scripts rely on, byte for byte. rich is imported only when a terminal will see
it, so piped and scripted runs do not pay its start-up (docs/performance.md).
"""

from __future__ import annotations

import enum
import json
import os
import sys
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from typing import Any


class AssertionFormat(enum.StrEnum):
    """How `wallet assert` prints its product (a presentation choice of the CLI, not vocabulary)."""

    LINE = "line"  # an a=identity line
    TOKEN = "token"  # the bare JWS


def claim_text(value: object) -> str:
    """A verified claim's value as people read it (JSON's true, not Python's True), safe for a terminal."""
    from wallet.text import for_terminal

    return for_terminal(value if isinstance(value, str) else json.dumps(value))


def quoted(value: object) -> str:
    """A value from someone else, JSON-quoted (text in quotes, escapes for quotes and line breaks), safe for a
    terminal: what a verifier shows of an assertion, so that no value can pose as the text around it."""
    from wallet.text import for_terminal

    return for_terminal(json.dumps(value, ensure_ascii=False))


def for_people(stream: Any) -> bool:
    """True when ``stream`` is a terminal a person reads, and they did not ask for plain output."""
    return _color_ok(stream)


def _is_terminal(stream: Any) -> bool:
    return hasattr(stream, "isatty") and bool(stream.isatty())


def _color_ok(stream: Any) -> bool:
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb" and _is_terminal(stream)


def _paint(text: str, code: str, stream: Any) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if _color_ok(stream) else text


class Output:
    def __init__(self, json_mode: bool = False) -> None:
        self.json_mode = json_mode

    def product(self, data: dict[str, Any], human: str | None = None) -> None:
        """The command's result: JSON, or ``human`` text, on stdout."""
        if self.json_mode:
            sys.stdout.write(json.dumps({**data, "error": None}) + "\n")
        elif human is not None:
            sys.stdout.write(human if human.endswith("\n") or not human else human + "\n")
        sys.stdout.flush()

    def table(
        self, data: dict[str, Any], *, columns: list[str], rows: list[list[str]], plain: str, empty: str,
        title: str | None = None,
    ) -> None:
        """A list: JSON with --json; a rich table on a terminal; else ``plain``.

        An empty list prints nothing on stdout (a script reads "no lines"); a person at a terminal gets
        ``empty`` as a notice on stderr instead of silence, whatever NO_COLOR says.
        """
        if not rows and empty and not self.json_mode and _is_terminal(sys.stderr):
            self.notice(empty)
        if self.json_mode or not for_people(sys.stdout) or not rows:
            self.product(data, plain)
            return
        from rich.console import Console
        from rich.table import Table

        from wallet.text import for_terminal

        grid = Table(*columns, title=title, title_justify="left", header_style="bold", expand=False)
        for row in rows:
            grid.add_row(*(for_terminal(cell) for cell in row))
        Console(file=sys.stdout, highlight=False, emoji=False, markup=False).print(grid)

    @staticmethod
    def notice(message: str) -> None:
        sys.stderr.write(_paint("wallet:", "1", sys.stderr) + " " + message + "\n")

    def error(self, code: str, message: str, hint: str | None) -> None:
        """One line on stderr; with --json also the error document on stdout."""
        from wallet.text import for_terminal

        # Messages quote what the user gave (paths, names): nothing in them may steer the terminal.
        line = _paint("wallet: error:", "1;31", sys.stderr) + " " + for_terminal(message)
        if hint:
            line += f" (hint: {for_terminal(hint)})"
        sys.stderr.write(" ".join(line.split()) + "\n")  # one line, whatever whitespace the message had
        if self.json_mode:
            doc = {"error": {"code": code, "message": message, "hint": hint}}
            try:
                sys.stdout.write(json.dumps(doc) + "\n")
                sys.stdout.flush()
            except (OSError, ValueError):  # stdout is full or gone: the line on stderr has said it all
                silence_stdout()


def origin_json(claim: dict[str, Any]) -> dict[str, Any]:
    """The origin as every --json product spells it: {"status": ..., "url": ... or null}."""
    return {"status": claim["status"], "url": claim.get("url")}


def silence_stdout() -> None:
    """Stdout cannot take more (its reader went away, its disk is full): point it at /dev/null so that
    Python's exit-time flush of what is still buffered does not print a second, confusing error."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    finally:
        os.close(devnull)  # a long-lived process (the agent) must not leak one per broken pipe


class _Quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def spinner(message: str) -> Any:
    """A context manager showing ``message`` with a spinner on stderr while a slow step runs (on a terminal)."""
    if not for_people(sys.stderr):
        return _Quiet()
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, emoji=False, markup=False).status(message, spinner="dots")


class BatchProgress:
    """``verified N requests: V valid, R rejected`` kept up to date on one line of stderr (on a terminal)."""

    def __init__(self) -> None:
        self._live: Any = None
        if for_people(sys.stderr):
            from rich.console import Console
            from rich.live import Live

            self._live = Live("", console=Console(file=sys.stderr, highlight=False, emoji=False, markup=False),
                              transient=True, auto_refresh=False)
            self._live.start()

    def update(self, total: int, valid: int) -> None:
        if self._live is not None:
            self._live.update(f"verifying: {total} request{'s' if total != 1 else ''} so far, {valid} valid, "
                              f"{total - valid} rejected", refresh=True)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()

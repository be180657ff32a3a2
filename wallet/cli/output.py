"""Output conventions: products on stdout, people's messages on stderr, one JSON shape.

    >>> from wallet.cli.output import Output
    >>> Output(json_mode=True).product({"id": "did:key:z6Mk..."}, human="did:key:z6Mk...")  # doctest: +SKIP
    {"id": "did:key:z6Mk...", "error": null}

Every ``--json`` document is one JSON object on one line, with ``"error":
null`` on success and ``"error": {"code", "message", "hint"}`` on failure.
Colour is used only on a terminal and never when NO_COLOR is set.
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


def _color_ok(stream: Any) -> bool:
    return (
        not os.environ.get("NO_COLOR")
        and os.environ.get("TERM") != "dumb"
        and hasattr(stream, "isatty")
        and stream.isatty()
    )


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
            sys.stdout.write(json.dumps(doc) + "\n")

"""Text a person will read: the one rule for what an attribute value may hold, on both sides.

    >>> from wallet.text import unsafe_character
    >>> unsafe_character("Ann Example"), unsafe_character("evil\\u202eexe.txt")
    (None, '\\u202e')

A disclosed attribute is shown to the other party as if it were a name or an
address, so the characters that can make text look like something else are
refused everywhere: when the user enters an attribute, when a backup is
imported, when the wallet signs, and when ``wallet verify`` reads a token.
Refused: control characters (C0, DEL, C1), the line and paragraph separators
U+2028/U+2029, bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
U+2066-U+2069), and invisible format characters (U+00AD soft hyphen, U+180E,
U+200B, U+2060-U+2064, U+FEFF, the interlinear annotation controls
U+FFF9-U+FFFB and the tag characters U+E0000-U+E007F). ZWJ and ZWNJ
(U+200C, U+200D) stay allowed: scripts and emoji need them.
"""

from __future__ import annotations

import functools
import re

_UNSAFE_CLASS = (
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)


@functools.cache  # compiled on first use: a verify without disclosed attributes never needs it
def _unsafe() -> re.Pattern[str]:
    return re.compile(_UNSAFE_CLASS)


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` that the rule refuses, or None if it is all displayable."""
    found = _unsafe().search(text)
    return None if found is None else found.group()


def describe(char: str) -> str:
    """``U+202E`` for a message (the character itself would do what it does in the terminal)."""
    return f"U+{ord(char):04X}"


def for_terminal(text: str) -> str:
    """``text`` made harmless for a terminal: anything not printable, or refused above, as ``\\xNN``/``\\uNNNN``.

        >>> print(for_terminal("ann\x1b[2J\u202e"))
        ann\\x1b[2J\\u202e
    """
    out = []
    for ch in text:
        if ch.isprintable() and not _unsafe().match(ch):
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)

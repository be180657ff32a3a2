"""Shell completion from the generated command table, without importing the CLI.

    $ _WALLET_COMPLETE=bash wallet -- persona a
    add

The completion scripts in completions/ call ``wallet`` with
``_WALLET_COMPLETE=bash|zsh|fish`` and the words typed so far after ``--``
(the last one is the word being completed). Candidates come from
wallet/_cli_spec.py, generated from the typer app by wallet.cli.docgen, so a
Tab press costs an interpreter start and this module, nothing more. An empty
answer means "complete a file name here" (or nothing fits).

Output per shell: bash, one candidate per line; zsh, ``value:description``
lines (colons in the value escaped); fish, ``value<TAB>description`` lines.
"""

from __future__ import annotations

import sys
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from typing import Any


def candidates(words: list[str]) -> list[tuple[str, str]]:
    """(candidate, description) pairs for the last word of ``words``."""
    from wallet._cli_spec import SPEC

    node: dict[str, Any] = SPEC
    *done, current = words or [""]
    expecting: dict[str, Any] | None = None
    positional = 0
    for word in done:
        if expecting is not None:
            expecting = None
            continue
        if word.startswith("-"):
            info = node["options"].get(word.split("=", 1)[0])
            if info and info["value"] and "=" not in word:
                expecting = info
            continue
        sub = node.get("commands", {}).get(word)
        if sub is not None:
            node, positional = sub, 0
        else:
            positional += 1
    if expecting is not None:
        return [(c, "") for c in expecting.get("choices", []) if c.startswith(current)]
    if current.startswith("--") and "=" in current:
        name, _, partial = current.partition("=")
        info = node["options"].get(name) or {}
        return [(f"{name}={c}", "") for c in info.get("choices", []) if c.startswith(partial)]
    if current.startswith("-"):
        # Long spellings only; a short one only when typed in full.
        return [
            (opt, info["help"])
            for opt, info in node["options"].items()
            if opt.startswith(current) and (opt.startswith("--") or opt == current)
        ]
    commands = node.get("commands")
    if commands:
        return [(name, sub["help"]) for name, sub in commands.items() if name.startswith(current)]
    args = node.get("args", [])
    if positional < len(args) and args[positional].get("choices"):
        return [(c, "") for c in args[positional]["choices"] if c.startswith(current)]
    return []


def complete(shell: str, args: list[str]) -> int:
    words = args[1:] if args[:1] == ["--"] else args
    found = candidates(words)
    if shell == "zsh":
        lines = [f"{value.replace(':', chr(92) + ':')}:{help_}" for value, help_ in found]
    elif shell == "fish":
        lines = [f"{value}\t{help_}" if help_ else value for value, help_ in found]
    else:
        lines = [value for value, _ in found]
    sys.stdout.write("".join(line.replace("\n", " ") + "\n" for line in lines))
    return 0

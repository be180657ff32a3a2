"""Parse well-formed command lines from the generated table, without importing typer.

    >>> from wallet.cli.fast import plan
    >>> plan(["pseudonym", "example.org", "--json"])[0]
    'pseudonym'

typer (with its vendored click) costs ~55 ms to import, more than a whole
`wallet verify` may take. wallet/_cli_spec.py, generated from the typer
declarations in wallet.cli.commands, lists every command's parameters; this
module maps a command line onto them and returns the command and its
arguments, exactly as typer would pass them; both run it through the same
typed call (wallet/cli/_args.py). Anything it is not sure
about (help, ``--``, combined short flags, an unknown option, a bad choice or
number, a missing argument) returns None, and typer parses the line instead,
with its own messages. tests/test_fast_path.py checks both parsers agree.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from typing import Any

    Plan = tuple[str, dict[str, Any]]


def _convert(param: dict[str, Any], raw: str) -> tuple[bool, Any]:
    kind = param["value"]
    if kind == "choice":
        return (raw in param["choices"], raw)
    if kind == "int":
        try:
            return True, int(raw, 10)
        except ValueError:
            return False, None
    if kind == "float":
        try:
            return True, float(raw)
        except ValueError:
            return False, None
    return True, raw


def plan(args: list[str]) -> Plan | None:
    """(command path, arguments) for ``args``, or None to let typer decide."""
    from wallet._cli_spec import SPEC

    node: dict[str, Any] = SPEC
    i = 0
    path: list[str] = []
    while "commands" in node:
        if i >= len(args) or args[i] not in node["commands"]:
            return None
        node = node["commands"][args[i]]
        path.append(args[i])
        i += 1
    params: list[dict[str, Any]] = node["params"]
    values: dict[str, Any] = {p["name"]: p["default"] for p in params}
    by_opt = {opt: p for p in params for opt in p.get("opts", ())}
    negations = {opt: p for p in params for opt in p.get("secondary_opts", ())}
    positional = [p for p in params if p["kind"] == "argument"]
    given: set[str] = set()
    filled = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--" or (arg.startswith("-") and arg != "-" and not arg.startswith("--") and len(arg) != 2):
            return None
        if arg.startswith("-") and arg != "-":
            name, eq, raw = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            if name in negations and not eq:
                values[negations[name]["name"]] = False
                continue
            param = by_opt.get(name)
            if param is None:
                return None
            given.add(param["name"])
            if param["kind"] == "flag":
                if eq:
                    return None
                values[param["name"]] = True
                continue
            if not eq:
                if i >= len(args):
                    return None
                raw = args[i]
                i += 1
            ok, value = _convert(param, raw)
            if not ok:
                return None
            if param["multiple"]:
                values[param["name"]] = [*(values[param["name"]] or []), value]
            else:
                values[param["name"]] = value
            continue
        if filled >= len(positional):
            return None
        ok, value = _convert(positional[filled], arg)
        if not ok:
            return None
        values[positional[filled]["name"]] = value
        given.add(positional[filled]["name"])
        filled += 1
    if any(p["required"] and p["name"] not in given for p in params):
        return None
    return " ".join(path), values


def run(args: list[str]) -> int | None:
    """Run ``args`` if this parser can; None means "hand it to typer"."""
    found = plan(args)
    if found is None:
        return None
    from wallet.cli._args import CALLS
    from wallet.cli.dispatch import guarded

    path, values = found
    return guarded(lambda: CALLS[path](values), json_mode=bool(values.get("json_out")))


def json_requested(args: list[str]) -> bool:
    """Whether ``args`` ask for --json, read as the parsers read them: a ``--json`` that is the value of an
    option taking one (``--persona --json``) or comes after ``--`` is not the flag. Used to report a usage
    error in the form the command line asked for, whichever parser found it."""
    from wallet._cli_spec import SPEC

    node: dict[str, Any] = SPEC
    i = 0
    while "commands" in node and i < len(args) and args[i] in node["commands"]:
        node = node["commands"][args[i]]
        i += 1
    options = node.get("options", {})
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            return False
        if arg == "--json":
            return True
        info = options.get(arg)
        if info is not None and info.get("value") is not None:
            i += 1  # this option's value, whatever it looks like
    return False

"""The typer-free fast parser passes exactly what typer passes, and defers whenever unsure.

Command lines are generated from the declarations (through the generated table wallet/_cli_spec.py): every
command with all its options, `--opt=value`, repeated options, `--`, unknown options, missing values,
values that look like options. For each, the fast parser either defers (typer then parses) or produces
exactly typer's arguments; and both read --json the same way (errors are reported in the same form).
"""

from __future__ import annotations

import enum
from typing import Any

import pytest

import wallet.cli._args as generated
from wallet._cli_spec import SPEC
from wallet.cli.app import command
from wallet.cli.fast import json_requested, plan


def typer_parse(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    """What typer would run for ``args``: (command path, arguments), None for a usage error."""
    seen: list[tuple[str, dict[str, Any]]] = []
    original = dict(generated.CALLS)
    for path in original:
        generated.CALLS[path] = lambda values, path=path: seen.append(  # type: ignore[misc]
            (path, {k: (str(v) if isinstance(v, enum.Enum) else v) for k, v in values.items()}))
    try:
        command().main(args, prog_name="wallet", standalone_mode=False)
    except Exception:  # noqa: BLE001 - a usage error: typer would not call anything
        return None
    finally:
        generated.CALLS.update(original)
    return seen[0] if seen else None


def leaves(node: dict[str, Any], path: list[str]) -> list[tuple[list[str], dict[str, Any]]]:
    if "commands" not in node:
        return [(path, node)]
    return [leaf for name, sub in node["commands"].items() for leaf in leaves(sub, [*path, name])]


def sample(param: dict[str, Any], n: int = 0) -> str:
    if param["value"] == "choice":
        return param["choices"][n % len(param["choices"])]
    if param["value"] == "int":
        return str(60 + n)
    if param["value"] == "float":
        return str(1.5 + n)
    return ["x.example", "y.example", "-"][n % 3] if param["kind"] == "argument" else f"v{n}"


def generated_lines() -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for path, node in leaves(SPEC, []):
        params = node["params"]
        positional = [sample(p) for p in params if p["kind"] == "argument"]
        required = [(p["opts"][0], sample(p)) for p in params if p["kind"] == "option" and p["required"]]
        base = [*path, *positional, *(t for pair in required for t in pair)]
        name = " ".join(path)
        lines[f"{name} | minimal"] = base
        every: list[str] = [*path, *positional]
        equals: list[str] = [*path, *positional]
        for p in params:
            if p["kind"] == "flag":
                every.append(p["opts"][0])
                equals.append(p["opts"][-1])
                lines[f"{name} | {p['opts'][0]} alone"] = [*base, p["opts"][0]]
                lines[f"{name} | {p['opts'][0]}=1"] = [*base, f"{p['opts'][0]}=1"]
            elif p["kind"] == "option":
                every += [p["opts"][0], sample(p)]
                equals.append(f"{p['opts'][0]}={sample(p, 1)}")
                lines[f"{name} | {p['opts'][0]} twice"] = [*base, p["opts"][0], sample(p), p["opts"][0], sample(p, 1)]
                lines[f"{name} | {p['opts'][0]} missing value"] = [*base, p["opts"][0]]
                lines[f"{name} | {p['opts'][0]} value looks like --json"] = [*base, p["opts"][0], "--json"]
                for short in p["opts"][1:]:
                    lines[f"{name} | {short}"] = [*base, short, sample(p)]
                if p["value"] == "choice":
                    lines[f"{name} | {p['opts'][0]} bad choice"] = [*base, p["opts"][0], "no-such-choice"]
                if p["value"] == "int":
                    lines[f"{name} | {p['opts'][0]} not a number"] = [*base, p["opts"][0], "abc"]
        lines[f"{name} | every option"] = [*every, *(t for pair in required for t in pair)]
        lines[f"{name} | every option, --opt=value"] = [*equals, *(f"{o}={v}" for o, v in required)]
        lines[f"{name} | unknown option"] = [*base, "--no-such-option"]
        lines[f"{name} | unknown option after --json"] = [*base, "--json", "--no-such-option"]
        lines[f"{name} | help"] = [*base, "--help"]
        if positional:
            lines[f"{name} | -- before the arguments"] = [*path, "--", *positional,
                                                         *(t for pair in required for t in pair)]
            lines[f"{name} | one argument too many"] = [*base, "extra"]
            lines[f"{name} | arguments missing"] = [*path, *(t for pair in required for t in pair)]
    lines["(nothing)"] = []
    lines["--version status"] = ["--version", "status"]
    lines["unknown command"] = ["nosuch"]
    lines["a group without its command"] = ["persona"]
    lines["combined short flags"] = ["init", "-yq"]
    return lines


LINES = generated_lines()


def test_the_generated_lines_cover_every_command_and_option() -> None:
    wanted = {(tuple(p), o) for p, n in leaves(SPEC, []) for o in n["options"] if o != "-h"}
    covered = {(tuple(p), o) for p, n in leaves(SPEC, []) for o in n["options"]
               if any(line[: len(p)] == p and any(tok.split("=")[0] == o for tok in line[len(p):])
                      for line in LINES.values())}
    assert wanted <= covered
    assert len(LINES) > 300


@pytest.mark.parametrize("name", list(LINES))
def test_fast_parser_agrees_with_typer_or_defers(name: str) -> None:
    args = LINES[name]
    fast = plan(args)
    if fast is not None:
        assert fast == typer_parse(args), name
        assert json_requested(args) == bool(fast[1].get("json_out")), name


@pytest.mark.parametrize("name", [n for n in LINES if n.endswith(("| minimal", "| every option", "alone"))])
def test_well_formed_lines_take_the_fast_path(name: str) -> None:
    """Start-up depends on it: what scripts type must not fall back to typer."""
    assert plan(LINES[name]) is not None, name


@pytest.mark.parametrize("name", [n for n in LINES if any(
    n.endswith(s) for s in ("missing value", "bad choice", "not a number", "unknown option", "help",
                             "-- before the arguments", "one argument too many", "=1", "unknown command",
                             "(nothing)", "a group without its command", "combined short flags", "--version status"))])
def test_fast_parser_defers_what_it_is_not_sure_of(name: str) -> None:
    assert plan(LINES[name]) is None, name


def test_a_value_that_looks_like_json_is_a_value_for_both() -> None:
    """Issue 8: `pseudonym --persona --json x.example` is persona "--json", plain output, for both parsers;
    with an unknown option added, the usage error is plain too (it was a JSON error)."""
    args = ["pseudonym", "--persona", "--json", "x.example"]
    fast = plan(args)
    assert fast is not None and fast[1]["persona"] == "--json" and fast[1]["json_out"] is False
    assert typer_parse(args) == fast
    assert json_requested([*args, "--bogus"]) is False

"""Every text argument and option value of every command, given bytes that are not UTF-8 or text that is
not printable, is a one-line error with a documented code, never an internal error (issue 7, point 10).

The command lines are generated from the CLI's own table (wallet/_cli_spec.py), not picked by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wallet._cli_spec import SPEC
from wallet.errors import exit_status_table

HOSTILE = {
    "invalid-utf8": os.fsdecode(b"\xff\xfe"),
    "nul-free-control": "a\x1b[2Kb",
    "rlo": "a\u202eb",
    "empty": "",
    "long": "x" * 5000,
}
DOCUMENTED = {code for code, _, _ in exit_status_table()}


def commands(spec: dict, path: list[str]):
    for name, sub in spec.get("commands", {}).items():
        yield from commands(sub, [*path, name])
    if "params" in spec:
        yield path, spec


def cases():
    for path, spec in commands(SPEC, []):
        if path in (["demo"],):
            continue
        positional = ["shop.example" if a["value"] != "path" else "-" for a in spec["args"]]
        for index, arg in enumerate(spec["args"]):
            if arg["value"] == "text":
                for label in HOSTILE:
                    values = list(positional)
                    values[index] = HOSTILE[label]
                    yield f"{' '.join(path)} {arg['name']}={label}", [*path, *values]
        for option, info in spec["options"].items():
            if info.get("value") == "text":
                for label in HOSTILE:
                    yield f"{' '.join(path)} {option}={label}", [*path, *positional, option, HOSTILE[label]]


CASES = dict(cases())


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_text_is_a_clean_error(cli, file_wallet: Path, name: str) -> None:
    r = cli(CASES[name], stdin=b"")
    assert r.code in DOCUMENTED and r.code != 1, (name, r.code, r.err)
    assert "internal error" not in r.err and "Traceback" not in r.err, (name, r.err)
    if r.code != 0:
        assert r.err.strip().count("\n") == 0, (name, r.err)


@pytest.mark.parametrize("kwargs", [
    {"at": float("nan")}, {"at": float("inf")}, {"at": -1}, {"at": 2.0**60}, {"at": "now"},
    {"fingerprints": ["sha-256 nothex"]}, {"fingerprints": ["garbage"]}, {"fingerprints": [1]},
    {"audience": "not a destination"},
])
def test_api_caller_mistakes_are_usage_errors_not_verdicts(kwargs: dict) -> None:
    """wallet.verify documents that a malformed argument of the caller's raises UsageError."""
    from attack_corpus import GOOD, _V
    from wallet.errors import UsageError
    from wallet.assertions.verify import verify

    with pytest.raises(UsageError):
        verify(GOOD, **{**_V, **kwargs})


def test_rule_rm_of_an_id_that_is_not_text(cli, file_wallet: Path) -> None:
    r = cli(["rule", "rm", os.fsdecode(b"\xff")])
    assert r.code == 2 and "no rule" in r.err

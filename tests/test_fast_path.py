"""The typer-free fast parser passes exactly what typer passes, and defers whenever unsure."""

from __future__ import annotations

from typing import Any

import pytest

import wallet.cli.commands as commands
from wallet.cli.app import command
from wallet.cli.fast import plan


def typer_parse(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    """What typer would call for ``args``: (implementation, keyword arguments)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(path: str, values: dict[str, Any]) -> None:
        plain = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
        seen.append((commands.IMPLEMENTATIONS[path], plain))

    original = commands.invoke
    commands.invoke = record  # type: ignore[assignment]
    try:
        command().main(args, prog_name="wallet", standalone_mode=False)
    except Exception:  # noqa: BLE001 - a usage error: typer would not call anything
        return None
    finally:
        commands.invoke = original  # type: ignore[assignment]
    return seen[0] if seen else None


AGREE = [
    ["init"],
    ["init", "--store", "file", "--passphrase-file", "-", "--force", "--yes", "--json"],
    ["init", "--store=keyring", "-y"],
    ["status", "--json"],
    ["persona", "add", "work"],
    ["persona", "add", "work", "--kind", "pseudonym", "--attr", "a=1", "--attr=b=2"],
    ["persona", "add", "--attr", "email=x@y.example", "work"],
    ["persona", "list"],
    ["persona", "show", "-"],
    ["persona", "rm", "x", "-y", "--passphrase-file", "/p"],
    ["pseudonym", "example.org"],
    ["pseudonym", "example.org", "-p", "work", "--scope", "one-time", "--json"],
    ["pseudonym", "--persona", "--json", "example.org"],  # "--json" is the persona's name, as in click
    ["pseudonym", "-"],
    ["export", "b.wallet", "--backup-passphrase-file", "p", "--force"],
    ["import", "-", "--backup-passphrase-file", "p", "--store", "file"],
    ["demo"],
    ["assert", "--to", "x.example", "--fingerprint", "sha-256 AB", "--fingerprint", "sha-1 CD", "--ttl", "60", "--format", "token"],
    ["assert", "--to=x.example", "--state", "unlinkable", "--disclose", "email", "--disclose", "org", "-p", "work", "--json"],
    ["sign-sdp", "--to", "x.example", "-o", "out.sdp", "in.sdp"],
    ["sign-sdp", "--to=x.example"],
    ["verify", "--audience", "a.example", "--batch", "--no-replay-check"],
    ["verify", "f.sdp", "--at", "123", "--expect-id", "did:key:z6Mk", "--replay-store", "r.db", "--json"],
    ["history", "--json"],
    ["explain", "--to", "x.example", "--service", "click-to-link", "--model", "dual-cs", "--policy", "a.json", "--policy", "b.json", "--origin", "https://o.example"],
    ["rule", "add", "--state", "unlinkable", "--dest", "*.x.example", "--category", "untrusted", "--on-conflict", "fallback:pseudonymous"],
    ["rule", "add", "--state", "identified", "--disclose", "email,org", "--origin", "disclose", "-p", "work"],
    ["rule", "list", "--json"],
    ["rule", "rm", "r1234"],
    ["dest", "set", "x.example", "--category", "inner-circle"],
    ["dest", "list"],
    ["dest", "rm", "x.example"],
    ["policy", "check", "p.json", "--json"],
    ["sign-sdp", "--to", "x.example", "--state", "undetectable", "--service", "negotiated", "--policy", "p.json"],
    ["verify", "f.sdp", "--audience", "a.example", "--policy", "p.json"],
]

DEFER = [
    [],
    ["--help"],
    ["--version", "status"],
    ["init", "--help"],
    ["init", "-h"],
    ["init", "--store", "nope"],
    ["init", "--store"],
    ["init", "--json=1"],
    ["init", "-yq"],
    ["persona"],
    ["persona", "nope"],
    ["persona", "add"],
    ["pseudonym"],
    ["pseudonym", "a", "b"],
    ["pseudonym", "--", "example.org"],
    ["pseudonym", "example.org", "--bogus"],
    ["nosuch"],
    ["assert", "--to", "x.example", "--ttl", "abc"],
    ["assert", "--fingerprint", "sha-256 AB"],
    ["assert", "--to", "x", "--format", "json"],
    ["verify", "--batch=1"],
    ["rule", "add", "--dest", "x.example"],
    ["dest", "set", "x.example", "--category", "friends"],
    ["explain", "--to", "x.example", "--service", "voip"],
]


@pytest.mark.parametrize("args", AGREE, ids=" ".join)
def test_fast_parser_agrees_with_typer(args: list[str]) -> None:
    fast = plan(args)
    assert fast is not None, "the fast path should handle this line"
    assert fast == typer_parse(args)


@pytest.mark.parametrize("args", DEFER, ids=lambda a: " ".join(a) or "(nothing)")
def test_fast_parser_defers_when_unsure(args: list[str]) -> None:
    assert plan(args) is None


def test_every_command_is_reachable_by_the_fast_path() -> None:
    from wallet._cli_spec import SPEC

    def leaves(node: dict[str, Any], path: list[str]) -> list[list[str]]:
        if "commands" not in node:
            return [path]
        return [leaf for name, sub in node["commands"].items() for leaf in leaves(sub, [*path, name])]

    for path in leaves(SPEC, []):
        required = [p for p in SPEC_node(SPEC, path)["params"] if p["required"]]
        args = [*path, *("x" for _ in required)]
        assert plan(args) == typer_parse(args), path


def SPEC_node(spec: dict[str, Any], path: list[str]) -> dict[str, Any]:
    node = spec
    for name in path:
        node = node["commands"][name]
    return node

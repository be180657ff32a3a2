"""``wallet persona add|list|show|rm``: the faces a user shows."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from wallet.cli.options import (
    JsonOpt,
    PassphraseFileOpt,
    PersonaKind,
    YesOpt,
    confirm_or_refuse,
    open_vault,
)
from wallet.cli.output import Output

app = typer.Typer(help="Manage personas: real identities and named pseudonyms.", no_args_is_help=True)
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The persona's name.")]


def _describe(p) -> str:  # type: ignore[no-untyped-def]
    lines = [f"name:    {p.name}", f"kind:    {p.kind}", f"created: {p.created}"]
    lines += [f"{k}: {v}" for k, v in sorted(p.attributes.items())] or ["(no attributes)"]
    return "\n".join(lines)


@app.command("add")
def add(
    name: NameArg,
    kind: Annotated[PersonaKind, typer.Option("--kind", help="real: yourself; pseudonym: a named pseudonym.")] = PersonaKind.real,
    attr: Annotated[
        Optional[list[str]],
        typer.Option("--attr", metavar="KEY=VALUE", help="An attribute you may disclose (display_name, email, org, phone, sip, or your own key). Repeatable."),
    ] = None,
    passphrase_file: PassphraseFileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a persona."""
    from wallet.errors import UsageError
    from wallet.personas import Persona, parse_attribute

    attributes: dict[str, str] = {}
    for item in attr or []:
        key, value = parse_attribute(item)
        if key in attributes:
            raise UsageError(f"attribute {key!r} given twice")
        attributes[key] = value
    persona = Persona.new(name, kind=kind.value, attributes=attributes)
    vault = open_vault(passphrase_file)
    vault.add_persona(persona)
    out = Output(json_out)
    out.notice(f"added {persona.kind} persona {persona.name!r}")
    out.product({"persona": persona.public_view()})


@app.command("list")
def list_(passphrase_file: PassphraseFileOpt = None, json_out: JsonOpt = False) -> None:
    """List personas."""
    personas = open_vault(passphrase_file).personas()
    rows = [f"{p.name}\t{p.kind}\t{','.join(sorted(p.attributes)) or '-'}" for p in personas]
    Output(json_out).product({"personas": [p.public_view() for p in personas]}, "\n".join(rows))


@app.command("show")
def show(name: NameArg, passphrase_file: PassphraseFileOpt = None, json_out: JsonOpt = False) -> None:
    """Show one persona and its attributes."""
    persona = open_vault(passphrase_file).persona(name)
    Output(json_out).product({"persona": persona.public_view()}, _describe(persona))


@app.command("rm")
def rm(name: NameArg, yes: YesOpt = False, passphrase_file: PassphraseFileOpt = None, json_out: JsonOpt = False) -> None:
    """Remove a persona. Its identifiers can never be derived again."""
    vault = open_vault(passphrase_file)
    vault.persona(name)  # unknown name -> usage error before asking anything
    confirm_or_refuse(
        f"Remove persona {name!r}? Its pseudonyms cannot be recreated",
        yes,
        flag_hint="add --yes to remove it non-interactively",
    )
    vault.remove_persona(name)
    out = Output(json_out)
    out.notice(f"removed persona {name!r}")
    out.product({"removed": name})

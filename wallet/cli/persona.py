"""``wallet persona add|list|show|set|rename|rm``: the faces a user shows."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import (
        PersonaAddArgs, PersonaListArgs, PersonaRenameArgs, PersonaRmArgs, PersonaSetArgs, PersonaShowArgs,
    )

from wallet.cli.common import confirm_or_refuse, unlock_wallet
from wallet.cli.output import Output
from wallet.identity.personas import Persona


def _describe(p: Persona) -> str:
    from wallet.text import for_terminal as safe

    lines = [f"name:    {safe(p.name)}", f"kind:    {p.kind}", f"created: {safe(p.created)}"]
    lines += [f"{safe(k)}: {safe(v)}" for k, v in sorted(p.attributes.items())] or ["(no attributes)"]
    return "\n".join(lines)


MAX_ATTRIBUTE_FILE = 256 * 1024


def read_attribute_file(path: str) -> list[str]:
    """``KEY=VALUE`` lines of an --attr-file ('-' = stdin); '#' comments and blank lines are skipped."""
    from wallet.cli.common import read_input
    from wallet.errors import UsageError

    raw = read_input(path, what="attribute file", limit=MAX_ATTRIBUTE_FILE)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"the attribute file {path} is not UTF-8 text") from None
    items = []
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "=" not in line:
            raise UsageError(f"line {number} of the attribute file is not KEY=VALUE", hint="e.g. email=ann@example.org")
        items.append(line)
    return items


def collect_attributes(attr: list[str] | None, attr_file: str | None) -> dict[str, str]:
    """The attributes of --attr and --attr-file together, validated; a key given twice is an error."""
    from wallet.errors import UsageError
    from wallet.identity.personas import parse_attribute

    attributes: dict[str, str] = {}
    for item in [*(attr or []), *(read_attribute_file(attr_file) if attr_file is not None else [])]:
        key, value = parse_attribute(item)
        if key in attributes:
            raise UsageError(f"attribute {key!r} given twice")
        attributes[key] = value
    return attributes


def add(a: PersonaAddArgs) -> None:
    attributes = collect_attributes(a["attr"], a["attr_file"])
    persona = Persona.new(a["name"], kind=a["kind"], attributes=attributes)
    wallet = unlock_wallet(a["passphrase_file"])
    wallet.add_persona(persona)
    out = Output(a["json_out"])
    out.notice(f"added {persona.kind} persona {persona.name!r}")
    out.product({"persona": persona.public_view()})


def list_(a: PersonaListArgs) -> None:
    personas = unlock_wallet(a["passphrase_file"]).personas()
    from wallet.text import for_terminal as safe

    rows = [[p.name, p.kind, ", ".join(sorted(p.attributes)) or "-"] for p in personas]
    Output(a["json_out"]).table(
        {"personas": [p.public_view() for p in personas]},
        columns=["persona", "kind", "attributes"], rows=rows,
        plain="\n".join(f"{safe(p.name)}\t{p.kind}\t{','.join(sorted(p.attributes)) or '-'}" for p in personas),
        empty="no personas yet: add one with 'wallet persona add NAME'",
    )


def show(a: PersonaShowArgs) -> None:
    persona = unlock_wallet(a["passphrase_file"]).persona(a["name"])
    Output(a["json_out"]).product({"persona": persona.public_view()}, _describe(persona))


def set_(a: PersonaSetArgs) -> None:
    from wallet.errors import UsageError

    attributes = collect_attributes(a["attr"], a["attr_file"])
    if not attributes and not a["unset"]:
        raise UsageError("nothing to change", hint="give --attr KEY=VALUE, --attr-file PATH or --unset KEY")
    wallet = unlock_wallet(a["passphrase_file"])
    persona = wallet.set_persona(a["name"], attributes, a["unset"])
    out = Output(a["json_out"])
    out.notice(f"updated persona {persona.name!r}; its identifiers are unchanged")
    orphaned = sorted({n for r in wallet.rules_using(persona.name) for n in r.disclose if n not in persona.attributes})
    if orphaned:
        out.notice(f"note: rules of this persona disclose {', '.join(orphaned)}, which it no longer has")
    out.product({"persona": persona.public_view()}, _describe(persona))


def rename(a: PersonaRenameArgs) -> None:
    persona = unlock_wallet(a["passphrase_file"]).rename_persona(a["old"], a["new"])
    out = Output(a["json_out"])
    out.notice(f"renamed persona {a['old']!r} to {persona.name!r}; its identifiers are unchanged")
    out.product({"persona": persona.public_view(), "renamed_from": a["old"]})


def rm(a: PersonaRmArgs) -> None:
    from wallet.errors import UsageError
    from wallet.facade import DEFAULT_PERSONA

    if a["name"] == DEFAULT_PERSONA:  # refused before unlocking or asking anything
        raise UsageError("the default persona cannot be removed: commands use it when no persona is named",
                         hint="change its attributes with 'wallet persona set default'")
    wallet = unlock_wallet(a["passphrase_file"])
    wallet.persona(a["name"])  # unknown name -> usage error before asking anything
    rules = wallet.rules_using(a["name"])
    if rules and not a["with_rules"]:
        wallet.remove_persona(a["name"])  # refuses, naming the rules
    what = f" and the {len(rules)} rule(s) that use it" if rules else ""
    confirm_or_refuse(
        f"Remove persona {a['name']!r}{what}? Its pseudonyms cannot be recreated",
        a["yes"],
        flag_hint="add --yes to remove it non-interactively",
    )
    removed = wallet.remove_persona(a["name"], with_rules=a["with_rules"])
    out = Output(a["json_out"])
    out.notice(f"removed persona {a['name']!r}" + (f" and rules {', '.join(r.rule_id for r in removed)}" if removed else ""))
    out.product({"removed": a["name"], "removed_rules": [r.rule_id for r in removed]})

"""``wallet persona add|list|show|rm``: the faces a user shows."""

from __future__ import annotations

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


def add(
    name: str, kind: str, attr: list[str] | None, attr_file: str | None, passphrase_file: str | None, json_out: bool
) -> None:
    attributes = collect_attributes(attr, attr_file)
    persona = Persona.new(name, kind=kind, attributes=attributes)
    wallet = unlock_wallet(passphrase_file)
    wallet.add_persona(persona)
    out = Output(json_out)
    out.notice(f"added {persona.kind} persona {persona.name!r}")
    out.product({"persona": persona.public_view()})


def list_(passphrase_file: str | None, json_out: bool) -> None:
    personas = unlock_wallet(passphrase_file).personas()
    from wallet.text import for_terminal as safe

    rows = [f"{safe(p.name)}\t{p.kind}\t{','.join(sorted(p.attributes)) or '-'}" for p in personas]
    Output(json_out).product({"personas": [p.public_view() for p in personas]}, "\n".join(rows))


def show(name: str, passphrase_file: str | None, json_out: bool) -> None:
    persona = unlock_wallet(passphrase_file).persona(name)
    Output(json_out).product({"persona": persona.public_view()}, _describe(persona))


def rm(name: str, yes: bool, passphrase_file: str | None, json_out: bool) -> None:
    wallet = unlock_wallet(passphrase_file)
    wallet.persona(name)  # unknown name -> usage error before asking anything
    confirm_or_refuse(
        f"Remove persona {name!r}? Its pseudonyms cannot be recreated",
        yes,
        flag_hint="add --yes to remove it non-interactively",
    )
    wallet.remove_persona(name)
    out = Output(json_out)
    out.notice(f"removed persona {name!r}")
    out.product({"removed": name})

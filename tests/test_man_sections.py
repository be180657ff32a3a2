"""Help texts and hints send people to sections of the installed man page, never to repository files.

A user of the installed package has `man wallet` and no docs/ directory: every "SECTION in man wallet"
that any help text, hint or error message names must be a section of the generated page, and none of
them may point at a docs/*.md file or at "the man page" without saying where in it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from wallet._cli_spec import SPEC
from wallet.cli.commands import GROUPS
from wallet.cli.completion import packaged
from wallet.errors import exit_status_table

PACKAGE = Path(__file__).resolve().parents[1] / "wallet"
NAMED = re.compile(r"\b([A-Z][A-Z ]*[A-Z]) in man wallet\b")
ROFF_SECTIONS = re.compile(r"^\.SH (.+)$", re.M)


def sections() -> set[str]:
    return {name.strip('"') for name in ROFF_SECTIONS.findall(Path(packaged("man")).read_text())}


def help_texts(node: dict = SPEC) -> list[str]:
    """Every help text of the command line (commands, groups, options), as `--help` shows them."""
    out = [node.get("help", "")]
    out += [info.get("help", "") for info in node.get("options", {}).values()]
    for sub in node.get("commands", {}).values():
        out += help_texts(sub)
    return out


def hint_and_message_strings() -> list[tuple[str, str]]:
    """(where, text) of every string literal passed as a hint or message anywhere in the package."""
    found = []
    for source in PACKAGE.rglob("*.py"):
        tree = ast.parse(source.read_text(), str(source))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            values = [k.value for k in node.keywords if k.arg == "hint"] + list(node.args[:1])
            for value in values:
                for const in ast.walk(value):
                    if isinstance(const, ast.Constant) and isinstance(const.value, str):
                        found.append((f"{source.relative_to(PACKAGE.parent)}:{const.lineno}", const.value))
    return found


def texts_users_read() -> list[tuple[str, str]]:
    return ([("help", t) for t in help_texts()] + [("group help", t) for t in GROUPS.values()]
            + [("exit status", t) for _, _, t in exit_status_table()] + hint_and_message_strings())


def test_the_page_has_the_sections_hints_rely_on() -> None:
    assert {"POLICY FILES", "COMPLETION", "JSON OUTPUT", "ENDORSEMENTS", "EXIT STATUS"} <= sections()


def test_every_section_a_help_text_or_hint_names_exists() -> None:
    have = sections()
    named = [(where, name) for where, text in texts_users_read() for name in NAMED.findall(text)]
    assert len(named) >= 6, named  # the policy, endorsement, JSON and completion pointers at least
    missing = [(where, name) for where, name in named if name not in have]
    assert not missing, f"named sections missing from man wallet: {missing}"


@pytest.mark.parametrize("needle", ["docs/", ".md", "the man page", "README"])
def test_no_help_text_or_hint_points_at_the_repository(needle: str) -> None:
    bad = [(where, text) for where, text in texts_users_read() if needle in text]
    assert not bad, bad


def test_the_installed_page_names_no_repository_path_outside_see_also() -> None:
    page = Path(packaged("man")).read_text()
    body = page.split(".SH SEE ALSO", 1)[0]
    assert "docs/" not in body and ".md" not in body

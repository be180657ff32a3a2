"""One error model: every error class is documented (man page EXIT STATUS) and used, and nothing else exists.

The table is generated from the classes in wallet/errors.py; these tests close the loop in the other
direction, reading the source: each documented class is raised or returned somewhere, no module defines an
error class of its own, and the man page lists exactly the table.
"""

from __future__ import annotations

import ast

from conftest import REPO
from wallet.errors import WalletError, documented, exit_status_table


def _sources() -> dict[str, ast.AST]:
    return {str(p.relative_to(REPO)): ast.parse(p.read_text()) for p in (REPO / "wallet").rglob("*.py")}


def test_every_documented_error_is_raised_or_returned_somewhere() -> None:
    used: set[str] = set()
    for name, tree in _sources().items():
        if name == "wallet/errors.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                used.add(func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "")
    unused = [cls.__name__ for cls in documented() if cls.__name__ not in used]
    assert unused == []


def test_no_module_defines_an_error_class_of_its_own() -> None:
    names = {cls.__name__ for cls in documented()} | {"WalletError", "Rejected"}
    for name, tree in _sources().items():
        if name == "wallet/errors.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                assert not bases & names, f"{name}: class {node.name} extends the error hierarchy outside errors.py"


def test_every_class_has_its_own_code_and_the_codes_are_unique() -> None:
    codes = [cls.code for cls in documented()]
    assert len(codes) == len(set(codes))
    for cls in documented():
        assert cls.code and cls.meaning and 1 <= cls.exit_code <= 255


def test_the_man_page_lists_exactly_the_table() -> None:
    page = (REPO / "wallet" / "share" / "man" / "man1" / "wallet.1").read_text()
    section = page.split(".SH EXIT STATUS", 1)[1].split(".SH ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("\\fB")]
    assert len(rows) == len(exit_status_table())
    for (status, code, _), row in zip(exit_status_table(), rows):
        assert row == f"\\fB{status}\\fR"
    for _, code, _ in exit_status_table():
        assert "\n" + code.replace("-", "\\-") + ": " in section, code


def test_an_instance_carries_its_class_code() -> None:
    for cls in documented():
        if cls.__name__ == "NoWallet":
            err: WalletError = cls("/tmp/x")  # type: ignore[call-arg]
        else:
            err = cls("message")
        assert err.to_json()["code"] == cls.code and err.exit_code == cls.exit_code

"""docs/privacy-model.md claims only what the tests show: every "met" row names tests, and each named test exists.

An outside audit found rows that claimed more than the code did; this keeps every claim tied to a test that
would fail if the claim stopped being true.
"""

from __future__ import annotations

import ast
import re

from conftest import REPO, TESTS

DOC = REPO / "docs" / "privacy-model.md"
ROW = re.compile(r"^\| (8\.\d\.\d) \| .+? \| (.+) \|$")
NAMED = re.compile(r"`((?:scenarios/)?test_[a-z0-9_]+\.py)::(test_[a-z0-9_]+)`")


def rows() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for line in DOC.read_text().splitlines() if (m := ROW.match(line))]


def defined(path: str) -> set[str]:
    tree = ast.parse((TESTS / path).read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_requirement_of_section_8_has_a_row() -> None:
    found = [number for number, _ in rows()]
    expected = [f"8.{s}.{i}" for s, n in ((1, 3), (2, 5), (3, 7), (4, 3), (5, 6), (6, 4)) for i in range(1, n + 1)]
    assert found == expected


def check_rows(found: list[tuple[str, str]]) -> None:
    for number, status in found:
        named = NAMED.findall(status)
        if status.startswith("**met"):
            assert named, f"{number} says met but names no test"
        for path, name in named:
            assert (TESTS / path).exists(), f"{number}: no {path}"
            assert name in defined(path), f"{number}: {path} has no {name}"


def test_every_met_row_names_tests_that_exist() -> None:
    check_rows(rows())


LINKABILITY_ROW = re.compile(r"^\| (L\d+) \| .+? \| (.+) \|$")


def test_every_linkability_check_row_names_tests_that_exist() -> None:
    """The "Linkability checks before signing" table: a row is met only where named tests show it."""
    found = [(m.group(1), m.group(2)) for line in DOC.read_text().splitlines() if (m := LINKABILITY_ROW.match(line))]
    assert [number for number, _ in found] == [f"L{i}" for i in range(1, len(found) + 1)] and len(found) >= 6
    check_rows(found)


BROWSER_ROW = re.compile(r"^\| (B\d+) \| .+? \| (.+) \|$")


def test_every_browser_path_row_names_tests_that_exist() -> None:
    """The "browser path" table: a row is met only where named tests show it."""
    found = [(m.group(1), m.group(2)) for line in DOC.read_text().splitlines() if (m := BROWSER_ROW.match(line))]
    assert [number for number, _ in found] == [f"B{i}" for i in range(1, len(found) + 1)] and len(found) >= 5
    check_rows(found)

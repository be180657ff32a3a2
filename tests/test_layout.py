"""The package map holds: CLI -> facade -> domain -> storage -> shared foundations, never back up.

Every import in wallet/ is read from the source (module level and inside functions; not the names imported
only for type checking), and each must go to the same layer or a lower one. docs/design.md ("Package map")
draws the same layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

WALLET = REPO / "wallet"

#: (layer, what it is) from the top down; a module may import its own layer and those below.
LAYERS: list[tuple[str, list[str]]] = [
    ("entry", ["wallet.__main__", "wallet._entry", "wallet._completion", "wallet.__init__"]),
    ("cli", ["wallet.cli"]),
    ("facade", ["wallet.facade", "wallet.backup", "wallet.idp", "wallet.endorse", "wallet.webrtc"]),
    ("interworking", ["wallet.interworking"]),
    ("assertions", ["wallet.assertions", "wallet.browser"]),
    ("endorsements", ["wallet.endorsements"]),
    ("privacy", ["wallet.privacy"]),
    ("identity", ["wallet.identity"]),
    ("storage", ["wallet.storage"]),
    ("shared", ["wallet.errors", "wallet.vocabulary", "wallet.destination", "wallet.encoding", "wallet.hkdf", "wallet.jose", "wallet.jwe",
                "wallet.text", "wallet._version", "wallet._cli_spec"]),
]


def layer_of(module: str) -> int:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} is on no layer: add it to LAYERS and to docs/design.md")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1 and parts[:-1] != ["wallet"]:
        parts = parts[:-1]
    return ".".join(parts)


def runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every wallet import outside ``if TYPE_CHECKING:`` blocks."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if a.name.startswith("wallet"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wallet"):
            if node.module == "wallet":
                found.extend((node.lineno, f"wallet.{a.name}") for a in node.names)
            else:
                found.append((node.lineno, node.module))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_every_import_goes_down_or_across_never_up() -> None:
    offenders = []
    for path in sorted(WALLET.rglob("*.py")):
        here = module_name(path)
        for line, target in runtime_imports(ast.parse(path.read_text())):
            if target == "wallet.__version__":
                continue
            if layer_of(target) < layer_of(here):
                offenders.append(f"{path.relative_to(REPO)}:{line}: {here} ({LAYERS[layer_of(here)][0]}) imports "
                                 f"{target} ({LAYERS[layer_of(target)][0]})")
    assert offenders == []


def test_every_module_is_on_a_layer() -> None:
    for path in WALLET.rglob("*.py"):
        layer_of(module_name(path))


def test_the_layers_are_the_ones_the_design_document_draws() -> None:
    design = (REPO / "docs" / "design.md").read_text()
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if prefix.startswith("wallet.") and not prefix.startswith("wallet._"):
                assert prefix.removeprefix("wallet.").replace(".", "/") in design, prefix

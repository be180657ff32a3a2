"""Every example in a module docstring runs and prints what it says (the style the code follows: a module
opens with a short runnable example of its main entry point)."""

from __future__ import annotations

import doctest
import importlib

import pytest

from conftest import REPO

MODULES = sorted(
    ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    for p in (REPO / "wallet").rglob("*.py")
    if p.name not in ("__main__.py", "_cli_spec.py", "_args.py")
)


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_run(name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} example(s) of {name} failed (run python -m doctest -v on it)"


def test_modules_open_with_an_example() -> None:
    """Each domain module's docstring shows its main entry point in use (a ">>>" line)."""
    missing = []
    for name in MODULES:
        doc = importlib.import_module(name).__doc__ or ""
        module = importlib.import_module(name)
        is_package = hasattr(module, "__path__")
        private = name.rsplit(".", 1)[-1].startswith("_")
        if not is_package and not private and not name.startswith("wallet.cli") and ">>>" not in doc:
            missing.append(name)
    assert missing == []

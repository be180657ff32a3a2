"""The wheel carries the man page and the completion scripts, installed where man and the shells look.

A user who ran `pip install wallet` has no repository: `man wallet` must find the page through PATH
(man-db looks in <dir>/../share/man for every <dir> on PATH), and bash-completion, zsh and fish must find
the scripts under the install prefix. The wheel is built from a copy of this checkout and installed into a
throwaway venv; each installed file must be byte-for-byte what wallet.cli.docgen generates and what
`wallet completion SHELL` prints, so the copies cannot drift.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, require_real_part
from wallet.cli import docgen
from wallet.cli.completion import INSTALLED, packaged

_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "node_modules", "__pycache__",
                                     ".pytest_cache", ".mypy_cache")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=_NOT_SOURCE)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp / "dist").glob("wallet-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True, timeout=120)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(tmp / "venv" / "bin" / "python"),
                                "install", "-q", "--no-deps", "--no-index", str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    yield tmp / "venv"


@pytest.mark.parametrize("name", sorted(INSTALLED))
def test_the_wheel_installs_each_file_under_the_prefix(venv: Path, name: str) -> None:
    installed = venv / INSTALLED[name]
    assert installed.is_file(), f"{INSTALLED[name]} is not installed"
    generated = docgen.outputs()[Path(packaged(name))]
    assert installed.read_text() == generated, f"{INSTALLED[name]} differs from what docgen generates"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_wallet_completion_prints_the_installed_script(venv: Path, shell: str) -> None:
    """From the installed package (its dependencies not even installed: no typer on this path)."""
    out = subprocess.run([str(venv / "bin" / "wallet"), "completion", shell], capture_output=True, text=True,
                         timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(venv)})
    assert out.returncode == 0, out.stderr
    assert out.stdout == (venv / INSTALLED[shell]).read_text()


def test_man_finds_the_page_through_path(venv: Path) -> None:
    if shutil.which("man") is None:
        require_real_part("man (apt-get install man-db)")
    env = {k: v for k, v in os.environ.items() if k not in ("MANPATH", "MANOPT")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"
    found = subprocess.run(["man", "-w", "wallet"], capture_output=True, text=True, env=env, timeout=60)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).resolve() == (venv / INSTALLED["man"]).resolve()
    shown = subprocess.run(["man", "wallet"], capture_output=True, text=True, timeout=60,
                           env={**env, "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "100"})
    assert shown.returncode == 0 and "POLICY FILES" in shown.stdout and "COMPLETION" in shown.stdout


def test_the_source_has_no_second_copy() -> None:
    """One copy of each file, in the package: no man/ or completions/ left at the top of the repository."""
    assert not (REPO / "man").exists() and not (REPO / "completions").exists()

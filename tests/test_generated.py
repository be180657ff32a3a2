"""Man page, completions and completion table are generated from the CLI and must not drift."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from wallet.cli import docgen
from wallet.cli.completion import packaged
from wallet.errors import exit_status_table

from conftest import require_real_part


@pytest.mark.parametrize("path", list(docgen.outputs()), ids=lambda p: p.name)
def test_committed_file_matches_generator(path) -> None:
    expected = docgen.outputs()[path]
    assert path.exists(), f"{path} missing: run python -m wallet.cli.docgen"
    assert path.read_text() == expected, f"{path} drifted: run python -m wallet.cli.docgen"


def test_zsh_completion_loads_from_fpath() -> None:
    zsh = Path(packaged("zsh"))
    assert zsh.name == "_wallet" and zsh.read_text().splitlines()[0] == "#compdef wallet"


def test_man_page_renders_cleanly() -> None:
    page = Path(packaged("man"))
    if shutil.which("groff") is None:
        pytest.fail("groff is needed to check the man page (apt-get install groff-base)")
    check = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stderr == "", check.stderr
    rendered = subprocess.run(
        ["groff", "-man", "-Tutf8", "-P", "-cbou", str(page)], capture_output=True, text=True, check=True
    ).stdout
    for needle in ("EXIT STATUS", "ENVIRONMENT", "WALLET_HOME", "persona add", "pseudonym", "--json"):
        assert needle in rendered.replace("\u2010", "-").replace("\u2212", "-")


def test_man_page_lists_every_exit_code() -> None:
    text = (Path(packaged("man"))).read_text()
    for code, name, _ in exit_status_table():
        assert f".TP\n\\fB{code}\\fR\n{name.replace('-', chr(92) + '-')}:" in text


def test_man_renders_with_man_l() -> None:
    if shutil.which("man") is None:
        require_real_part("man (apt-get install man-db)")
    out = subprocess.run(
        ["man", "-l", str(Path(packaged("man")))],
        capture_output=True, text=True, env={"MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0 and "WALLET(1)" in out.stdout

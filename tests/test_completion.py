"""Tab completion through the real shells, using the committed completion scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wallet._completion import candidates

COMPLETIONS = Path(__file__).resolve().parents[1] / "completions"


def names(words: list[str]) -> list[str]:
    return [c for c, _ in candidates(words)]


def test_commands_and_subcommands() -> None:
    assert names(["p"]) == ["passwd", "persona", "policy", "pseudonym"]
    assert names(["rule", ""]) == ["add", "list", "rm"]
    assert sorted(names(["rule", "add", "--service", "c"])) == ["click-to-link", "conferencing", "contact-list"]
    assert names(["persona", ""]) == ["add", "list", "rm", "show"]
    assert names([""])[:5] == ["assert", "demo", "dest", "destroy", "endorse"]
    assert names(["s"]) == ["sign-sdp", "status", "store"]
    assert names(["store", ""]) == ["migrate"] and names(["store", "migrate", "--to", ""]) == ["keyring", "file"]


def test_options_choices_and_values() -> None:
    assert names(["init", "--store", ""]) == ["auto", "keyring", "file"]
    assert names(["init", "--store=k"]) == ["--store=keyring"]
    assert names(["persona", "add", "x", "--kind", "p"]) == ["pseudonym"]
    assert "--persona" in names(["pseudonym", "example.org", "--"])
    assert names(["pseudonym", "--persona", ""]) == []  # a free value: nothing to offer
    assert names(["export", "--backup-passphrase-file", ""]) == []  # a path: the shell completes files
    assert "-h" not in names(["init", "-"]) and "--help" in names(["init", "-"])


def shell_env(tmp_path: Path) -> dict[str, str]:
    """PATH with a `wallet` that runs this checkout's interpreter."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "wallet"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} -m wallet \"$@\"\n")
    exe.chmod(0o755)
    return {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}


def test_bash(tmp_path: Path) -> None:
    script = f"""
source {COMPLETIONS / 'wallet.bash'}
COMP_WORDS=(wallet persona s); COMP_CWORD=2; _wallet_complete; echo "${{COMPREPLY[*]}}"
COMP_WORDS=(wallet init --store ''); COMP_CWORD=3; _wallet_complete; echo "${{COMPREPLY[*]}}"
complete -p wallet
"""
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=shell_env(tmp_path), timeout=30)
    lines = out.stdout.splitlines()
    assert lines[0] == "show"
    assert lines[1] == "auto keyring file"
    assert "-F _wallet_complete" in lines[2]


def test_fish(tmp_path: Path) -> None:
    if shutil.which("fish") is None:
        pytest.fail("fish is needed for this test (apt-get install fish)")
    script = f"source {COMPLETIONS / 'wallet.fish'}; complete -C 'wallet persona a'; complete -C 'wallet init --store '"
    out = subprocess.run(["fish", "-c", script], capture_output=True, text=True, env=shell_env(tmp_path), timeout=30)
    assert out.stdout.splitlines()[0].startswith("add\t")
    assert sorted(line.split("\t")[0] for line in out.stdout.splitlines()[1:]) == ["auto", "file", "keyring"]


def test_zsh_from_fpath(tmp_path: Path) -> None:
    """Autoload _wallet from $fpath as compinit would, with _describe/_files stubbed to print."""
    if shutil.which("zsh") is None:
        pytest.fail("zsh is needed for this test (apt-get install zsh)")
    script = f"""
fpath=({COMPLETIONS} $fpath)
autoload -Uz _wallet
_describe() {{ print -l -- "${{(@P)${{@[-1]}}}}" }}
_files() {{ print FILES }}
words=(wallet persona ''); CURRENT=3; _wallet
words=(wallet export ''); CURRENT=3; _wallet
"""
    out = subprocess.run(["zsh", "-f", "-c", script], capture_output=True, text=True, env=shell_env(tmp_path), timeout=30)
    lines = out.stdout.splitlines()
    assert lines[:4] == [
        "add:Add a persona.", "list:List personas.",
        "rm:Remove a persona.", "show:Show one persona and its attributes.",
    ], out.stdout + out.stderr
    assert lines[4] == "FILES"


def test_completion_imports_nothing_heavy() -> None:
    code = (
        "import sys, os; os.environ['_WALLET_COMPLETE']='bash'; sys.argv=['wallet','--','per'];"
        "from wallet._entry import main; main();"
        "heavy=[m for m in ('typer','nacl','keyring','secretstorage','sqlite3','rich','wallet.cli') if m in sys.modules];"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "persona" in out.stdout and "HEAVY []" in out.stdout


def test_version_imports_nothing_heavy() -> None:
    code = (
        "import sys; sys.argv=['wallet','--version']; from wallet._entry import main; main();"
        "print([m for m in ('typer','nacl','keyring','wallet._cli_spec') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.splitlines()[-1] == "[]"

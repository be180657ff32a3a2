"""Tab completion: the candidates, and what real bash, zsh and fish show on a pseudo-terminal when Tab is
pressed, with the scripts the package installs (wallet/share/)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from collections.abc import Iterator

from conftest import require_real_part
from terminal import PROMPT, ShellSession
from wallet._completion import candidates
from wallet.cli.completion import packaged


def names(words: list[str]) -> list[str]:
    return [c for c, _ in candidates(words)]


def test_commands_and_subcommands() -> None:
    assert names(["p"]) == ["passwd", "persona", "policy", "pseudonym"]
    assert names(["rule", ""]) == ["add", "list", "rm"]
    assert sorted(names(["rule", "add", "--service", "c"])) == ["click-to-link", "conferencing", "contact-list"]
    assert names(["persona", ""]) == ["add", "list", "rename", "rm", "set", "show"]
    assert names([""])[:6] == ["agent", "assert", "browser-signer", "completion", "demo", "dest"]
    assert names(["s"]) == ["sdp", "sign-sdp", "status", "store"]
    assert names(["store", ""]) == ["migrate"] and names(["store", "migrate", "--to", ""]) == ["keyring", "file"]


def test_options_choices_and_values() -> None:
    assert names(["init", "--store", ""]) == ["auto", "keyring", "file"]
    assert names(["init", "--store=k"]) == ["--store=keyring"]
    assert names(["persona", "add", "x", "--kind", "p"]) == ["pseudonym"]
    assert "--persona" in names(["pseudonym", "example.org", "--"])
    assert names(["pseudonym", "--persona", ""]) == []  # a free value: nothing to offer
    assert names(["export", "--backup-passphrase-file", ""]) == [":files"]  # a path: the shell completes files
    assert "-h" not in names(["init", "-"]) and "--help" in names(["init", "-"])


def test_values_that_are_paths_ask_the_shell_for_files_and_nothing_else_does() -> None:
    from wallet._completion import DIRS, FILES

    assert names(["verify", ""]) == [FILES]
    assert names(["verify", "--policy=x"]) == [FILES]
    assert names(["sign-sdp", "-o", ""]) == [FILES]
    assert names(["idp", "publish", ""]) == [DIRS]
    assert names(["endorse", "import", ""]) == [FILES]  # RESPONSE is a file too
    for words in (["pseudonym", "--persona", ""], ["rule", "rm", ""], ["endorse", "request", "--to", ""],
                  ["pseudonym", ""], ["persona", "show", ""]):
        assert names(words) == [], words
    assert names(["rule", "add", "--on-conflict", ""]) == [
        "refuse", "ask", "fallback:identified", "fallback:pseudonymous", "fallback:unlinkable", "fallback:undetectable"]
    assert names(["rule", "add", "--on-conflict=fallback:u"]) == [
        "--on-conflict=fallback:unlinkable", "--on-conflict=fallback:undetectable"]
    assert names(["completion", ""]) == ["bash", "zsh", "fish"]


# -- the real shells, on a pseudo-terminal: type, press Tab, read the screen ----------------------------

SHARE = Path(packaged("man")).parents[2]  # wallet/share: the tree the wheel installs under its prefix


def shell_env(tmp: Path) -> dict[str, str]:
    """A `wallet` on PATH running this checkout; a home, XDG dirs and a wallet home of the test's own."""
    bindir = tmp / "bin"
    bindir.mkdir(exist_ok=True)
    exe = bindir / "wallet"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} -m wallet \"$@\"\n")
    exe.chmod(0o755)
    inputrc = tmp / "inputrc"  # one Tab lists every candidate, without asking or paging
    inputrc.write_text("set show-all-if-ambiguous on\nset completion-query-items 10000\nset page-completions off\n"
                       "set bell-style none\n")
    for name in ("home", "data", "config", "cwd/site"):
        (tmp / name).mkdir(parents=True, exist_ok=True)
    (tmp / "cwd" / "offer.sdp").write_text("v=0\n")
    (tmp / "cwd" / "call notes.sdp").write_text("v=0\n")
    return {
        "PATH": f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp / "home"), "LANG": "C.UTF-8",
        "TERM": "dumb", "INPUTRC": str(inputrc), "PS1": PROMPT, "WALLET_HOME": str(tmp / "wallet-home"),
        "XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "config"),
        # bash-completion and fish find the scripts as installed: <prefix>/share/... on XDG_DATA_DIRS.
        "XDG_DATA_DIRS": f"{SHARE}{os.pathsep}/usr/share",
    }


BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")


def session(kind: str, tmp: Path) -> ShellSession:
    for shell in ("bash", "zsh", "fish"):
        if kind.startswith(shell) and shutil.which(shell) is None:
            require_real_part(f"{shell} (apt-get install {shell})")
    env = shell_env(tmp)
    cwd = str(tmp / "cwd")
    if kind == "bash":  # plain bash, the script sourced: no bash-completion package
        return ShellSession(["bash", "--norc", "--noprofile", "-i"], env, cwd,
                            setup=[f"source <(wallet completion bash)"])
    if kind == "bash-completion":  # the package's loader finds share/bash-completion/completions/wallet itself
        if not BASH_COMPLETION.exists():
            require_real_part("the bash-completion package (apt-get install bash-completion)")
        return ShellSession(["bash", "--norc", "--noprofile", "-i"], env, cwd, setup=[f"source {BASH_COMPLETION}"])
    if kind == "zsh":  # _wallet autoloaded from $fpath by compinit, as installed in share/zsh/site-functions
        return ShellSession(["zsh", "-f", "-i"], env, cwd, setup=[
            f"fpath=({SHARE}/zsh/site-functions $fpath); autoload -Uz compinit; compinit -u -D"])
    if kind == "zsh-sourced":
        return ShellSession(["zsh", "-f", "-i"], env, cwd, setup=[
            "autoload -Uz compinit; compinit -u -D", "source <(wallet completion zsh)"])
    if kind == "fish":  # vendor_completions.d on XDG_DATA_DIRS (the user's config is the test's empty one);
        # fish needs a real terminal type for its pager
        return ShellSession(["fish", "-i", "-C", f"function fish_prompt; printf '{PROMPT}'; end"],
                            {**env, "TERM": "xterm-256color"}, cwd)
    raise AssertionError(kind)


KINDS = ["bash", "bash-completion", "zsh", "fish"]


@pytest.fixture(scope="module", params=KINDS)
def shell(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShellSession]:
    tmp = tmp_path_factory.mktemp(request.param)
    with session(request.param, tmp) as sh:
        sh.kind = request.param
        sh.tmp = tmp
        yield sh


def listed(shown: str) -> list[str]:
    """The words the shell listed below the command line (not the line itself)."""
    return " ".join(shown.splitlines()[1:]).replace(PROMPT, " ").split()


def test_tab_store_equals_offers_the_stores_and_no_files(shell: ShellSession) -> None:
    shown = shell.tab("wallet init --store=")
    words = listed(shown)
    for store in ("auto", "file", "keyring"):
        assert store in words or f"--store={store}" in words, shown
    assert "offer.sdp" not in shown and "site" not in shown, shown
    assert "--" not in words, f"a stray '--' after the candidates: {shown!r}"


def test_tab_store_equals_partial_completes_in_place(shell: ShellSession) -> None:
    assert "wallet init --store=keyring" in shell.tab("wallet init --store=k")


def test_tab_state_offers_the_states(shell: ShellSession) -> None:
    words = listed(shell.tab("wallet explain --state "))
    assert {"identified", "pseudonymous", "unlinkable", "undetectable"} <= set(words), words


def test_tab_on_conflict_offers_refuse_ask_and_every_fallback(shell: ShellSession) -> None:
    words = listed(shell.tab("wallet rule add --on-conflict "))
    assert {"refuse", "ask", "fallback:identified", "fallback:pseudonymous", "fallback:unlinkable",
            "fallback:undetectable"} <= set(words), words
    # bash splits the word at ':' (COMP_WORDBREAKS); the completion must still land whole, once.
    shown = shell.tab("wallet rule add --on-conflict fallback:p")
    assert "--on-conflict fallback:pseudonymous" in shown and "fallback:fallback" not in shown, shown


def test_tab_persona_offers_its_subcommands(shell: ShellSession) -> None:
    words = listed(shell.tab("wallet persona "))
    assert {"add", "list", "rm", "show"} <= set(words), words


@pytest.mark.parametrize("line", ["wallet pseudonym --persona ", "wallet pseudonym --persona=", "wallet rule rm ",
                                  "wallet endorse request --to ", "wallet pseudonym ", "wallet init --store "])
def test_tab_offers_no_file_names_where_no_path_goes(shell: ShellSession, line: str) -> None:
    shown = shell.tab(line)
    assert "offer.sdp" not in shown and "site/" not in shown and "notes" not in shown, shown


def test_tab_offers_file_names_where_a_path_goes(shell: ShellSession) -> None:
    assert "wallet verify offer.sdp" in shell.tab("wallet verify o")
    assert "wallet verify --policy=offer.sdp" in shell.tab("wallet verify --policy=o")
    assert "wallet sign-sdp --to x.example -o offer.sdp" in shell.tab("wallet sign-sdp --to x.example -o o")
    # A name with a space, typed escaped or quoted: the shell's own quoting is kept.
    assert "wallet verify call\\ notes.sdp" in shell.tab("wallet verify call\\ n")
    assert "wallet verify 'call notes.sdp'" in shell.tab("wallet verify 'call n")
    published = shell.tab("wallet idp publish ")  # a directory: site/, never the file
    assert "site/" in published and "offer.sdp" not in published, published


def test_a_tab_press_never_opens_the_wallet(shell: ShellSession) -> None:
    shell.tab("wallet pseudonym --persona ")
    assert not (shell.tmp / "wallet-home").exists()


def test_zsh_sourced_from_wallet_completion(tmp_path: Path) -> None:
    """`source <(wallet completion zsh)` (no $fpath) registers the same completion."""
    with session("zsh-sourced", tmp_path) as sh:
        assert "wallet init --store=keyring" in sh.tab("wallet init --store=k")
        assert {"add", "list", "rm", "show"} <= set(listed(sh.tab("wallet persona ")))


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


def test_wallet_completion_prints_the_packaged_script_and_refuses_other_shells(cli) -> None:
    for shell in ("bash", "zsh", "fish"):
        r = cli(["completion", shell])
        assert r.code == 0 and r.err == "" and r.out == Path(packaged(shell)).read_text()
    r = cli(["completion", "ksh"])
    assert r.code == 2 and r.out == "" and len(r.err.splitlines()) == 1 and "'ksh' is not one of" in r.err

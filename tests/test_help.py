"""Help a person can learn from: whole summaries, examples that run, next steps, and no silent waits.

Every command declares examples in its docstring (wallet/cli/commands.py); help shows them as its epilog
and the man page under the command. Each example runs here, as a shell line, in a copy of a throwaway
world (a wallet, an identity provider, the files the examples name), so that an example cannot rot.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time

from wallet.cli.completion import packaged
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PASSPHRASE, TESTS, run, wallet_exe
from wallet.cli import docgen
from wallet.cli.commands import DECLARATIONS, GROUPS, described

OFFER = TESTS / "fixtures" / "sdp" / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
IDP = "https://idp.example"
PLACEHOLDER = "..."  # a value the reader supplies (did:key:z6Mk...): such an example is shown, not run


def help_text(args: list[str], columns: int = 80) -> str:
    done = subprocess.run([*wallet_exe(), *args, "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": str(columns)})
    assert done.returncode == 0, done.stderr
    return done.stdout


# -- examples: declared once, for every command -----------------------------------------------------
@pytest.mark.parametrize("path", sorted(DECLARATIONS))
def test_every_command_has_examples(path: str) -> None:
    examples = described(path)[2]
    assert examples, (f"'wallet {path}' has no examples: add an 'Examples:' block to its docstring in "
                      "wallet/cli/commands.py (tests/test_help.py runs each one)")
    for line in examples:
        # eval "$(wallet agent)": a command whose product is shell lines, run as ssh-agent's is
        assert line.startswith(("wallet ", "WALLET_", 'eval "$(wallet ')) or f"| wallet {path}" in line, (path, line)
        assert f"wallet {path}" in line, f"an example of 'wallet {path}' runs another command: {line}"
    assert any(PLACEHOLDER not in line for line in examples), f"'wallet {path}' has no runnable example"
    runnable = [line for line in examples if PLACEHOLDER not in line and _command(line) not in RUN_ELSEWHERE]
    assert runnable or path in ("store migrate", "browser-signer"), f"'wallet {path}' has no example that runs here"


@pytest.mark.parametrize("path", sorted(DECLARATIONS))
def test_help_shows_the_examples_and_the_man_page_too(path: str) -> None:
    shown = help_text(path.split())
    assert "Examples:" in shown, f"'wallet {path} --help' shows no examples"
    for line in described(path)[2]:
        assert line in shown, line
    page = Path(packaged("man")).read_text()
    section = page.split(f".SS {docgen._roff(path)}\n", 1)[1].split("\n.SS ", 1)[0]
    assert "Examples:" in section and all(docgen._roff(line) in section for line in described(path)[2])


def _world(root: Path) -> dict[str, str]:
    """A wallet, an identity provider that endorsed it, a verifier's trust, and the files examples name."""
    home, idp = root / "home", root / "idp"
    (root / "passphrase").write_text(PASSPHRASE + "\n")
    (root / "pass.txt").write_text(PASSPHRASE + "\n")
    (root / "backup-pass").write_text("a backup passphrase\n")
    (root / "new-passphrase").write_text("a new long passphrase\n")
    (root / "club-attributes.txt").write_text("# my club\ndisplay_name=Ann E.\n")
    shutil.copy(OFFER, root / "offer.sdp")
    for n, name in enumerate(("fresh-offer.sdp", "callcentre-offer.sdp", "sip-offer.sdp", "click-offer.sdp"), 1):  # new certificates: unlinkable calls
        (root / name).write_bytes(re.sub(rb"(a=fingerprint:sha-256 )[0-9A-F:]+",
                                         rb"\g<1>" + ":".join([f"{n:02X}"] * 32).encode(), OFFER.read_bytes()))
    # The shop's X25519 key pair (RFC 7748 section 6.1's Bob): its public JWK and its private one, mode 600.
    shop_key = {"kty": "OKP", "crv": "X25519", "x": "3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"}
    (root / "shop.x25519.jwk").write_text(json.dumps(shop_key))
    (root / "shop.x25519.private.jwk").write_text(json.dumps({**shop_key, "d": "XasIfmJKikt54X-Lg4AO5m87sSkmGLb9HC-LJ_-I4Os"}))
    (root / "shop.x25519.private.jwk").chmod(0o600)
    (root / "callcentre.json").write_text(json.dumps({
        "version": 2, "party": "https://callcentre.example", "accept": ["pseudonymous", "unlinkable"], "require": [],
        "endorsement": {"claims": ["verified_person"], "issuers": [IDP]}}))
    env = {"WALLET_HOME": str(home), "WALLET_IDP_HOME": str(idp), "WALLET_PASSPHRASE_FILE": str(root / "passphrase")}
    old = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        def ok(*args: str) -> str:
            done = run(list(args))
            assert done.code == 0, (args, done.err)
            return done.out

        ok("init", "--store", "file")
        ok("persona", "add", "work", "--attr", "display_name=Ann Example", "--attr", "email=ann@corp.example")
        ok("persona", "add", "PokerAce", "--kind", "pseudonym")
        ok("dest", "set", "bank.example", "--category", "trusted")
        ok("rule", "add", "--dest", "ads.example", "--state", "undetectable")
        ok("sign-sdp", "--to", "shop.example", "offer.sdp", "-o", "offer.signed.sdp")
        (root / "requests.jsonl").write_text(json.dumps({"sdp": (root / "offer.signed.sdp").read_text()}) + "\n")
        ok("idp", "init", "--issuer", IDP, "--store", "file")
        key = ok("endorse", "account", "--idp", IDP).strip()
        ok("idp", "enroll", "ann", "--account-key", key, "--attr", "verified_person=true", "--attr", "name=Ann Example")
        ok("endorse", "request", "--idp", IDP, "--state", "unlinkable", "--count", "3", "-o", "held.jws")
        ok("idp", "issue", "held.jws", "-o", "held.json")
        ok("endorse", "import", "held.json")
        ok("endorse", "request", "--idp", IDP, "-o", "answered.jws")
        ok("idp", "issue", "answered.jws", "-o", "response.json")
        ok("endorse", "request", "--idp", IDP, "-o", "request.jws")  # not answered yet
        ok("idp", "publish", "site")
        shutil.copy(root / "site" / "statuslists" / "1", root / "statuslist.jwt")
        ok("trust", "add", IDP, "--metadata", "site/.well-known/jwt-vc-issuer")
        ok("trust", "status", IDP, "statuslist.jwt")
        ok("sign-sdp", "--to", "callcentre.example", "callcentre-offer.sdp", "--state", "unlinkable", "--verified",
           "verified_person", "-o", "callcentre.signed.sdp")
        ok("export", "wallet.backup", "--backup-passphrase-file", "backup-pass")
        ok("sign-sdp", "--to", "tel:+447700900123", "sip-offer.sdp", "-o", "call.signed.sdp")
        ok("sign-sdp", "--to", "sip:bob@biloxi.example.org", "sip-offer.sdp", "-o", "sipcall.signed.sdp")
        shutil.copy(root / "home" / "trust.json", root / "trusted-idps.json")
        ok("gateway", "init")
        shutil.copy(root / "wallet-gateway" / "gateway-public.pem", root / "gateway-public.pem")
    finally:
        os.chdir(cwd)
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return env


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    import wallet.storage.encryption
    import wallet.storage.hardening
    from conftest import WEAK_KDF

    root = tmp_path_factory.mktemp("world")
    with pytest.MonkeyPatch.context() as mp:  # module scope: the autouse fixture's patches are not in force yet
        mp.setattr(wallet.storage.encryption, "DEFAULT_KDF", WEAK_KDF)
        mp.setattr(wallet.storage.hardening, "_protected", True)
        mp.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        _world(root)
    yield root


#: What an example's command needs taken away from the world first: a command that creates a wallet, an
#: identity provider or a file refuses to replace one without --force.
FRESH = {"init": ["home"], "import": ["home"], "idp init": ["idp"], "export": ["wallet.backup"],
         "idp issue": ["response.json"], "sign-sdp": ["offer.signed.sdp"], "gateway init": ["wallet-gateway"]}

#: Examples that cannot run in the world (a file wallet, no keyring, no terminal), with the test that runs them.
def _command(line: str) -> str:
    """An example's command line without its trailing comment (RUN_ELSEWHERE names commands, not comments)."""
    return line.split("  #", 1)[0].strip()


RUN_ELSEWHERE = {
    "wallet passwd": "asks on a terminal: tests/test_lifecycle.py types the passphrases on a pseudo-terminal",
    "wallet store migrate --to keyring": "needs a Secret Service: tests/test_lifecycle.py migrates both ways on "
                                         "the real gnome-keyring",
    "wallet store migrate --to file --passphrase-file new-passphrase": "needs a keyring wallet: same test",
    "wallet export wallet.backup && wallet destroy": "asks on a terminal: tests/test_lifecycle.py",
    "wallet verify --batch requests.jsonl --audience shop.example --replay-store redis://10.0.0.5:6379/0":
        "needs a Redis server: tests/test_shared_replay.py runs batches on a real redis-server",
    'eval "$(wallet agent)"': "leaves an agent running: tests/test_agent.py starts and stops real ones",
    'eval "$(wallet agent stop)"': "needs a running agent: tests/test_agent.py",
    "wallet browser-signer --port 8517 --domain idp.example": "asks on a terminal and serves until Ctrl-C: "
        "tests/test_browser_signer.py drives its prompt on a pseudo-terminal, tests/test_browser_firefox.py from Firefox",
    "wallet browser-signer --port 8517 --domain idp.example --prompt-timeout 30 --ttl 120": "same tests",
}

RUNNABLE = [(path, i, line) for path in sorted(DECLARATIONS) for i, line in enumerate(described(path)[2])
            if PLACEHOLDER not in line and _command(line) not in RUN_ELSEWHERE]


@pytest.mark.slow
@pytest.mark.parametrize("path,index,line", RUNNABLE, ids=[f"{p}-{i}" for p, i, _ in RUNNABLE])
def test_each_example_runs(world: Path, tmp_path: Path, path: str, index: int, line: str) -> None:
    """Run as a person would paste it (a shell line), in a copy of the world, with the world as $HOME."""
    here = tmp_path / "world"
    shutil.copytree(world, here, symlinks=True)
    for name in FRESH.get(path, []):
        target = here / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(here), "WALLET_HOME": str(here / "home"), "WALLET_IDP_HOME": str(here / "idp"),
           "WALLET_PASSPHRASE_FILE": str(here / "passphrase"), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    assert shutil.which("wallet", path=str(bin_dir)), "the wallet script is not installed next to this python"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=here, env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, f"example of 'wallet {path}' failed ({done.returncode}): {line}\n{done.stderr}"


# -- summaries, usage lines, metavars and defaults ----------------------------------------------------
@pytest.mark.parametrize("columns", [40, 80, 200])
@pytest.mark.parametrize("group", [None, *GROUPS])
def test_listings_show_each_summary_whole_at_any_width(group: str | None, columns: int) -> None:
    shown = help_text([group] if group else [], columns)
    listing = "".join(shown.split("Commands:", 1)[1].split())  # wrapped anywhere (at a hyphen too): compare unwrapped
    for path in DECLARATIONS:
        top, _, sub = path.partition(" ")
        if (group is None and not sub) or (group == top and sub):
            assert "".join(described(path)[0].split()) in listing, (path, shown)
    if group is None:
        for name, summary in GROUPS.items():
            assert "".join(summary.split()) in listing, (name, shown)
    assert "..." not in listing, shown  # nothing shortened


@pytest.mark.parametrize("path", sorted(DECLARATIONS))
def test_usage_has_no_braces_and_options_say_what_the_man_page_says(path: str) -> None:
    shown = help_text(path.split(), 200)
    usage = shown.splitlines()[0]
    assert "{" not in usage and "}" not in usage, usage
    page = Path(packaged("man")).read_text()
    section = page.split(f".SS {docgen._roff(path)}\n", 1)[1].split("\n.SS ", 1)[0]
    assert docgen._roff(usage.split(f"wallet {path} ", 1)[1]) in section
    for names, metavar, text in _records(path):
        if metavar:  # the same metavar in help and in the man page
            assert f"{names} {metavar}".strip() in shown, (names, metavar)
            assert f"\\fI{docgen._roff(metavar)}\\fR" in section, (path, names, metavar)
        default = re.search(r"\[default: [^]]*\]", text)
        if default:  # a default help shows is in the man page too
            assert default.group(0) in " ".join(shown.split())
            assert docgen._roff(default.group(0)) in " ".join(section.split())


def _records(path: str) -> list[tuple[str, str, str]]:
    from typer._click import Context

    from wallet.cli.app import command

    cmd = command(path.split()[0])
    ctx = Context(cmd, info_name="wallet")
    for word in path.split():
        cmd = cmd.get_command(ctx, word)
        ctx = Context(cmd, info_name=word, parent=ctx)
    return docgen._help_records(cmd, ctx)


def test_defaults_are_shown() -> None:
    shown = " ".join(help_text(["assert"]).split())
    assert "[default: 300]" in shown and "[default: line]" in shown
    assert "[default: refuse]" in " ".join(help_text(["rule", "add"]).split())
    page = " ".join(Path(packaged("man")).read_text().split())
    assert "[default: 300]" in page and "[default: auto]" in page


def test_import_reads_and_export_writes() -> None:
    assert "stdin/stdout" not in " ".join(help_text(["import"]).split())
    assert "The backup to restore ('-' = stdin)." in " ".join(help_text(["import"]).split())
    assert "Where to write the backup ('-' = stdout)." in " ".join(help_text(["export"]).split())
    assert "issuer key" in " ".join(help_text(["idp", "init"]).split())


# -- init's next steps -----------------------------------------------------------------------------
def test_init_tells_what_to_do_next(cli, passfile: Path) -> None:
    done = cli(["init", "--store", "file", "--passphrase-file", str(passfile), "--json"])
    assert done.code == 0 and json.loads(done.out)["error"] is None  # stdout stays the product only
    for step in ("wallet persona add", "wallet pseudonym", "wallet sign-sdp", "man wallet"):
        assert step in done.err, done.err
    for line in done.err.splitlines():
        if line.startswith("  wallet "):  # every suggested command line is well formed
            from wallet.cli.fast import plan

            assert plan(line.split("#")[0].split()[1:]) is not None or "=" in line, line


# -- empty lists and stdin on a terminal: real pseudo-terminals --------------------------------------
def on_terminal(args: list[str], env: dict[str, str], *, stdout_tty: bool = True, stdin_tty: bool = False,
                answer: bytes | None = None, waiting_for: str = "") -> tuple[str, str, int]:
    """Run the real program with stderr (and stdout, stdin if asked) on pseudo-terminals.

    With ``answer``, it is typed on the terminal once stderr shows ``waiting_for``. (stdout, stderr, status).
    """
    err_ctl, err_tty = pty.openpty()
    out_ctl, out_tty = pty.openpty() if stdout_tty else (-1, -1)
    in_ctl, in_tty = pty.openpty() if stdin_tty else (-1, -1)
    proc = subprocess.Popen([*wallet_exe(), *args], stderr=err_tty,
                            stdout=out_tty if stdout_tty else subprocess.PIPE,
                            stdin=in_tty if stdin_tty else subprocess.DEVNULL,
                            env={**env, "TERM": "xterm-256color", "COLUMNS": "120"}, close_fds=True)
    for fd in (err_tty, out_tty, in_tty):
        if fd >= 0:
            os.close(fd)
    got = {fd: b"" for fd in (err_ctl, out_ctl) if fd >= 0}
    reading = set(got)
    deadline = time.monotonic() + 60
    while reading and time.monotonic() < deadline:
        ready, _, _ = select.select(list(reading), [], [], 0.2)
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: the program is done with it
                chunk = b""
            if chunk:
                got[fd] += chunk
            else:
                reading.discard(fd)
        if answer is not None and stdin_tty and waiting_for.encode() in got[err_ctl]:
            os.write(in_ctl, answer)
            answer = None
        if not ready and proc.poll() is not None:
            break
    code = proc.wait(timeout=10)
    out = got[out_ctl] if stdout_tty else proc.stdout.read()  # type: ignore[union-attr]
    for fd in (err_ctl, out_ctl, in_ctl):
        if fd >= 0:
            os.close(fd)
    strip = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
    return (strip.sub(b"", out).decode().replace("\r\n", "\n"),
            strip.sub(b"", got[err_ctl]).decode().replace("\r\n", "\n"), code)


@pytest.fixture
def env(file_wallet: Path, passfile: Path, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "WALLET_HOME": str(file_wallet), "WALLET_PASSPHRASE_FILE": str(passfile),
            "WALLET_IDP_HOME": str(tmp_path / "idp")}


EMPTY_LISTS = {
    "history": "nothing disclosed yet",
    "rule list": "no rules yet",
    "dest list": "no destination has a category yet",
    "endorse list": "no endorsement yet",
    "trust list": "no issuer is trusted yet",
    "idp accounts": "no account is enrolled yet",
}


@pytest.mark.parametrize("path", sorted(EMPTY_LISTS))
@pytest.mark.parametrize("no_color", [False, True])
def test_an_empty_list_says_so_on_stderr_and_keeps_stdout_empty(cli, env: dict[str, str], path: str,
                                                                  no_color: bool) -> None:
    if path.startswith("idp"):
        assert cli(["idp", "init", "--issuer", IDP, "--store", "file"]).code == 0
    if no_color:
        env = {**env, "NO_COLOR": "1"}
    for stdout_tty in (True, False):
        out, err, code = on_terminal(path.split(), env, stdout_tty=stdout_tty)
        assert code == 0 and out == "", (out, err)
        assert f"wallet: {EMPTY_LISTS[path]}" in err, err
        assert err.count("\n") - err.count("unlocking") <= 1, err  # one line (a spinner may come before it)
    assert cli(path.split()).out == "" and cli(path.split()).err == ""  # a script: silence
    assert json.loads(cli([*path.split(), "--json"]).out)["error"] is None


def test_persona_list_is_never_empty_after_init(cli, env: dict[str, str]) -> None:
    """persona list: init makes 'default', which cannot be removed, so the list always shows it."""
    assert cli(["persona", "rm", "default", "--yes"]).code == 2
    out, err, code = on_terminal(["persona", "list"], env, stdout_tty=False)
    assert code == 0 and out.startswith("default") and "no personas yet" not in err


@pytest.mark.parametrize("args,awaited", [
    (["verify", "--audience", "shop.example"], "reading the assertion"),
    (["verify", "-", "--audience", "shop.example", "--batch"], "reading the requests"),
    (["sign-sdp", "--to", "shop.example"], "reading the SDP"),
    (["policy", "check", "-"], "reading the policy"),
    (["persona", "add", "club", "--attr-file", "-"], "reading the attribute file"),
])
def test_reading_a_terminal_says_so_first(env: dict[str, str], args: list[str], awaited: str) -> None:
    out, err, code = on_terminal(args, env, stdout_tty=False, stdin_tty=True, answer=b"\x04",
                                 waiting_for="end with Ctrl-D")
    assert f"wallet: {awaited}" in err and "from the terminal; end with Ctrl-D" in err, err
    assert err.index("end with Ctrl-D") < (err.index("error") if "error" in err else len(err))


def test_no_notice_when_stdin_is_not_a_terminal(cli, file_wallet: Path) -> None:
    done = cli(["sign-sdp", "--to", "shop.example"], stdin=OFFER.read_bytes())
    assert done.code == 0 and "terminal" not in done.err

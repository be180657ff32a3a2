"""Whole-process start-up of `wallet` against the bare interpreter, measured in one run.

    .ci/with-keyring .venv/bin/python bench/startup.py        # or: bash bench/run.sh
    .ci/with-keyring .venv/bin/python bench/startup.py --against OTHER/venv/bin   # or: bash bench/compare.sh REV

With ``--against`` every command also runs from another installation (an
earlier commit, built by bench/compare.sh), interleaved with this one and the
baseline, and both ratios are printed side by side.

For each command the median of N runs (interleaved with the baseline, so that
machine noise hits both) is compared with `python -c pass` on the same
interpreter. The keyring case needs a Secret Service (bench/run.sh starts a
private gnome-keyring); without one it is reported as skipped.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "40"))
BIN = Path(sys.executable).parent
WALLET = shutil.which("wallet", path=str(BIN)) or "wallet"
GOALS = {
    "--version": 6.0,
    "completion": 6.0,
    "pseudonym (keyring)": 10.0,
    "verify one SDP": 5.0,
    "verify, replay store on": 5.0,
    "verify, one endorsement": 6.0,
    "sign-sdp (keyring)": 10.0,
    "sign-sdp, endorsed": 10.0,
    "sign-sdp (agent)": 5.0,
}
OFFER = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "sdp" / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    code = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    elapsed = time.perf_counter() - start
    if code not in (0, 17):  # 17: a replay, expected when the same assertion is verified again
        raise SystemExit(f"{cmd} failed with exit status {code}")
    return elapsed


def measure(cases: dict[str, tuple[list[str], dict[str, str]]]) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for name, (cmd, env) in cases.items():  # warm the page cache and .pyc files
        timed(cmd, env)
    for _ in range(RUNS):
        for name, (cmd, env) in cases.items():
            samples[name].append(timed(cmd, env))
    return {name: statistics.median(values) for name, values in samples.items()}


def cases_for(wallet: str, tmp: Path, base_env: dict[str, str], tag: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    env = {**base_env, "WALLET_HOME": str(tmp / f"home{tag}")}
    cases: dict[str, tuple[list[str], dict[str, str]]] = {
        "--version": ([wallet, "--version"], env),
        "completion": ([wallet, "--", "persona", "a"], {**env, "_WALLET_COMPLETE": "bash"}),
    }
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        subprocess.run([wallet, "init", "--store", "keyring"], env=env, check=True, capture_output=True)
        cases["pseudonym (keyring)"] = ([wallet, "pseudonym", "example.org"], env)
        cases["sign-sdp (keyring)"] = ([wallet, "sign-sdp", "--to", "shop.example", str(OFFER)], env)
        signed = tmp / f"signed{tag}.sdp"
        subprocess.run([wallet, "sign-sdp", "--to", "shop.example", str(OFFER), "-o", str(signed)],
                       env=env, check=True, capture_output=True)
        # The verifier is someone else: its own home, no wallet. With the replay store on (the
        # default) every run after the first is refused as a replay at the very last check, so the
        # whole path still runs; exit status 17 is expected there.
        verifier = {**base_env, "WALLET_HOME": str(tmp / f"verifier{tag}")}
        cases["verify one SDP"] = (
            [wallet, "verify", str(signed), "--audience", "shop.example", "--no-replay-check"], verifier)
        cases["verify, replay store on"] = ([wallet, "verify", str(signed), "--audience", "shop.example"], verifier)
        if not tag:  # endorsements: this build only (an earlier one may not have them)
            cases.update(endorsed_cases(wallet, tmp, env, verifier))
    if not tag:  # the file store, and the agent: this build only
        cases.update(file_and_agent_cases(wallet, tmp, base_env))
    return {f"{name}{tag}": case for name, case in cases.items()}


def endorsed_cases(wallet: str, tmp: Path, env: dict[str, str], verifier: dict[str, str]) -> dict[str, tuple[list[str], dict[str, str]]]:
    """An IdP (its own home) endorses the wallet's persona key; the verifier trusts it and loaded its status list."""
    passfile = tmp / "idp-passphrase"
    passfile.write_text("idp bench passphrase\n")
    passfile.chmod(0o600)
    idp = {**env, "WALLET_IDP_HOME": str(tmp / "idp"), "WALLET_PASSPHRASE_FILE": str(passfile)}
    iss = "https://idp.example"

    def run(args: list[str], e: dict[str, str]) -> str:
        return subprocess.run([wallet, *args], env=e, check=True, capture_output=True, text=True).stdout.strip()

    run(["idp", "init", "--issuer", iss, "--store", "file"], idp)
    account = run(["endorse", "account", "--idp", iss], env)
    run(["idp", "enroll", "alice", "--account-key", account, "--attr", "verified_person=true", "--attr",
         "name=Alice Example", "--attr", "email=alice@example.org"], idp)
    run(["endorse", "request", "--idp", iss, "--state", "identified", "-o", str(tmp / "req.jws")], env)
    run(["idp", "issue", str(tmp / "req.jws"), "-o", str(tmp / "resp.json")], idp)
    run(["endorse", "import", str(tmp / "resp.json")], env)
    run(["idp", "publish", str(tmp / "site")], idp)
    run(["trust", "add", iss, "--metadata", str(tmp / "site/.well-known/jwt-vc-issuer")], verifier)
    run(["trust", "status", iss, str(tmp / "site/statuslists/1")], verifier)
    endorsed = tmp / "endorsed.sdp"
    sign = [wallet, "sign-sdp", "--to", "shop.example", "--state", "identified", "--verified", "verified_person",
            "--verified", "name", str(OFFER)]
    subprocess.run([*sign, "-o", str(endorsed)], env=env, check=True, capture_output=True)
    return {
        "verify, one endorsement": (
            [wallet, "verify", str(endorsed), "--audience", "shop.example", "--no-replay-check"], verifier),
        "sign-sdp, endorsed": (sign, env),
    }


AGENTS: list[dict[str, str]] = []


def file_and_agent_cases(wallet: str, tmp: Path, base_env: dict[str, str]) -> dict[str, tuple[list[str], dict[str, str]]]:
    """sign-sdp from a file-store wallet (Argon2id each time), and through an agent holding the same wallet."""
    passfile = tmp / "file-passphrase"
    passfile.write_text("file store bench passphrase\n")
    passfile.chmod(0o600)
    env = {**base_env, "WALLET_HOME": str(tmp / "home-file"), "WALLET_PASSPHRASE_FILE": str(passfile)}
    subprocess.run([wallet, "init", "--store", "file"], env=env, check=True, capture_output=True)
    lines = subprocess.run([wallet, "agent", "--idle", "1h"], env=env, check=True, capture_output=True,
                           text=True).stdout
    sock = lines.split("WALLET_AGENT_SOCK=", 1)[1].split(";", 1)[0]
    agent_env = {**env, "WALLET_AGENT_SOCK": sock}
    AGENTS.append(agent_env)
    sign = [wallet, "sign-sdp", "--to", "shop.example", str(OFFER)]
    return {"sign-sdp (file)": (sign, env), "sign-sdp (agent)": (sign, agent_env)}


def main() -> int:
    against = sys.argv[sys.argv.index("--against") + 1] if "--against" in sys.argv else None
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("WALLET_")}
    with tempfile.TemporaryDirectory() as tmp:
        cases = {"python -c pass": ([sys.executable, "-c", "pass"], base_env)}
        cases.update(cases_for(WALLET, Path(tmp), base_env, ""))
        if against:
            other = shutil.which("wallet", path=against) or str(Path(against) / "wallet")
            cases.update(cases_for(other, Path(tmp), base_env, " [other]"))
        try:
            results = measure(cases)
        finally:
            for agent_env in AGENTS:
                subprocess.run([WALLET, "agent", "stop"], env=agent_env, capture_output=True)
    base = results.pop("python -c pass")
    print(f"interpreter: {sys.executable} ({sys.version.split()[0]}), {RUNS} runs each, median wall time")
    print(f"python -c pass: {base * 1000:.1f} ms")
    header = f"{'command':<24}{'ms':>8}{'ratio':>8}{'goal':>8}"
    print(header + (f"{'other ms':>10}{'ratio':>8}" if against else ""))
    failed = False
    for name, seconds in results.items():
        if name.endswith(" [other]"):
            continue
        ratio = seconds / base
        goal = GOALS.get(name)
        ok = "" if goal is None else ("  ok" if ratio <= goal else "  MISSED")
        failed |= goal is not None and ratio > goal
        line = f"{name:<24}{seconds * 1000:>8.1f}{ratio:>7.2f}x{('<=' + str(goal) + 'x') if goal else '':>8}"
        if against and f"{name} [other]" in results:
            other_s = results[f"{name} [other]"]
            line += f"{other_s * 1000:>10.1f}{other_s / base:>7.2f}x"
        print(line + ok)
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        print("keyring cases: skipped, no D-Bus session (run under .ci/with-keyring)")
    return 1 if failed and os.environ.get("BENCH_STRICT") else 0


if __name__ == "__main__":
    raise SystemExit(main())

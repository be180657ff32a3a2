"""Helpers shared by command implementations (no typer here: the fast path imports these).

    from wallet.cli.common import unlock_wallet, confirm_or_refuse
"""

from __future__ import annotations

import sys
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.errors import UsageError

if TYPE_CHECKING:
    from wallet.assertions.sdp import Fingerprint
    from wallet.facade import Wallet
    from wallet.storage.paths import WalletHome


_stdin_used_for: list[str] = []


def reset_stdin_claims() -> None:
    """Called at the start of every command: each command may read stdin once."""
    _stdin_used_for.clear()


def reading_terminal(what: str) -> None:
    """Before stdin is read: on a terminal, say what is awaited and how to end it (else it looks like a hang)."""
    if sys.stdin.isatty():
        from wallet.cli.output import Output

        Output.notice(f"reading the {what} from the terminal; end with Ctrl-D (Ctrl-C cancels)")


def read_input(
    path: str, *, what: str, limit: int, binary_from_tty: bool = True, oversize_ok: bool = False,
    awaited: str | None = None,
) -> bytes:
    """Read a file, or stdin for '-', refusing more than ``limit`` bytes and a second use of stdin.

    With ``oversize_ok`` an oversized input is returned cut to ``limit + 1`` bytes
    instead, for a caller that reports size itself (``verify``: code too-large).
    ``awaited`` names the input for a person at a terminal (default ``what``).
    """
    from wallet.errors import FileError

    if path == "":
        raise UsageError(f"the {what} path is empty")
    if path == "-":
        if _stdin_used_for:
            raise UsageError(
                f"standard input already gives the {_stdin_used_for[0]}; it cannot also give the {what}",
                hint="put one of them in a file",
            )
        _stdin_used_for.append(what)
        if not binary_from_tty and sys.stdin.isatty():
            raise UsageError(f"refusing to read the {what} from a terminal", hint="redirect a file into it")
        reading_terminal(awaited or what)
        data: bytes = sys.stdin.buffer.read(limit + 1)
    else:
        import os

        try:
            with open(os.path.expanduser(path), "rb") as fh:
                data = fh.read(limit + 1)
        except OSError as exc:
            raise FileError(f"cannot read the {what} {path}: {exc.strerror}") from None
    if len(data) > limit and not oversize_ok:
        raise UsageError(f"the {what} is larger than {limit} bytes", hint="is this the right file?")
    return data


def home_to_replace(force: bool, yes: bool, question: str) -> WalletHome:
    """The home a command writes a whole wallet into; with --force over an existing one, confirm first."""
    from wallet.storage.paths import WalletHome

    home = WalletHome.resolve()
    if force and home.has_wallet_files():
        confirm_or_refuse(question.format(home=home.path), yes, flag_hint="add --yes to replace it non-interactively")
    return home


def confirm_or_refuse(question: str, yes: bool, *, flag_hint: str) -> None:
    """Ask on a TTY; without one, require --yes. Never prompts when stdin is not a TTY."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{question} needs confirmation and there is no terminal", hint=flag_hint)
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise UsageError("cancelled; nothing was changed")


_held: list[Wallet] = []


def hold(wallet: Wallet | None) -> None:
    """In the wallet agent: every command it runs uses ``wallet`` (already unlocked) instead of unlocking."""
    _held[:] = [wallet] if wallet is not None else []


def unlock_wallet(passphrase_file: str | None) -> Wallet:
    """The wallet in WALLET_HOME, unlocked (a passphrase typed at the prompt has three tries); in the wallet
    agent, the one it holds (the agent checked that WALLET_HOME names it)."""
    if _held:
        return _held[0]
    from wallet.cli.passphrase import passphrase_source, with_retries
    from wallet.storage.paths import WalletHome
    from wallet.facade import open_wallet

    from wallet.cli.output import spinner

    source = passphrase_source(passphrase_file)
    return with_retries(source, lambda: open_wallet(WalletHome.resolve(), passphrase=source, progress=spinner))


def fingerprint_options(values: list[str] | None) -> list[Fingerprint]:
    """The --fingerprint values, parsed and deduplicated (a bad one is a usage error)."""
    from wallet.assertions.sdp import Fingerprint
    from wallet.errors import Malformed

    out: list[Fingerprint] = []
    for value in values or []:
        try:
            fp = Fingerprint.parse(value)
        except Malformed as exc:
            raise UsageError(exc.message, hint=exc.hint or "e.g. --fingerprint 'sha-256 AB:CD:...'") from None
        if fp not in out:
            out.append(fp)
    return out


# -- X25519 keys of disclosures encrypted for a destination (wallet/jwe.py) --------------------------------
def _read_jwk_file(path: str, *, private: bool) -> bytes:
    """At most 4 KiB of a JWK file; a private one must be readable by its owner alone (exit 6 otherwise)."""
    from wallet.errors import FileError, UsageError
    from wallet.storage.files import check_private

    what = "decryption key file" if private else "encryption key file"
    try:
        if private:
            check_private(path, what=what)
        with open(path, "rb") as fh:
            raw = fh.read(4097)
    except FileNotFoundError:
        raise UsageError(f"no {what} {path}", hint="give the private X25519 JWK file (mode 600)" if private
                         else "give the destination's public X25519 JWK") from None
    except OSError as exc:
        raise FileError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > 4096:
        raise UsageError(f"{path} is too large for a JWK")
    return raw


def load_decrypt_key(path: str) -> dict[str, str]:
    """A private X25519 JWK from a file that only its owner can read (the same check as every secret file)."""
    import os

    from wallet.encoding import user_json
    from wallet.errors import Malformed, UsageError
    from wallet.jwe import _key_bytes, public_jwk_of

    path = os.path.expanduser(path)
    raw = _read_jwk_file(path, private=True)
    try:
        jwk = user_json(raw, what="decryption key")
        _key_bytes(jwk, "d", what=f"{path}")
        public = public_jwk_of(jwk)
    except (Malformed, ValueError) as exc:
        raise UsageError(f"{path} is not a private X25519 JWK: {exc}",
                         hint='{"kty": "OKP", "crv": "X25519", "d": "...", "x": "..."}') from None
    if "x" in jwk and jwk["x"] != public["x"]:
        raise UsageError(f"{path}: 'x' is not the public key of 'd'")
    return {**public, "d": jwk["d"]}


def load_encryption_key(path: str) -> dict[str, str]:
    """A public X25519 JWK from a file (``--to-key``); a file holding the private key too is refused."""
    import os

    from wallet.encoding import user_json
    from wallet.errors import Malformed, UsageError
    from wallet.jwe import check_public_jwk

    path = os.path.expanduser(path)
    raw = _read_jwk_file(path, private=False)
    try:
        return check_public_jwk(user_json(raw, what="encryption key"), what=path)
    except (Malformed, ValueError) as exc:
        raise UsageError(f"{path} is not a public X25519 JWK: {getattr(exc, 'message', exc)}",
                         hint='{"kty": "OKP", "crv": "X25519", "x": "..."}') from None

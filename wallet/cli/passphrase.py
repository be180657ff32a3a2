"""Where a passphrase comes from: a TTY prompt, --passphrase-file, or WALLET_PASSPHRASE_FILE.

    $ wallet init --store file --passphrase-file ~/.config/wallet-pass
    $ printf 'correct horse\n' | wallet status --passphrase-file -

Never from argv or a plain environment value (both leak through ``ps`` and
``/proc``). A passphrase file is refused, as a loose key file is, when other
users could read it. One trailing newline of a file is ignored. With no file and
no terminal the command fails at once with a hint instead of waiting for input.

On a terminal a person is told why a passphrase is needed before the prompt,
chooses a new one of at least :data:`MIN_NEW_PASSPHRASE_CHARS` characters (asked
again when it is too short or the repeat differs), and has
:data:`UNLOCK_ATTEMPTS` tries at a wrong one (:func:`with_retries`). Passphrases
chosen before the minimum existed still open their wallets.
"""

from __future__ import annotations

import os
import sys

from wallet.errors import AuthError, UsageError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from wallet.storage.provisioning import StoreChoice

    _T = TypeVar("_T")

MAX_PASSPHRASE_BYTES = 4096
#: The shortest new passphrase accepted (checked when one is chosen, never when one is used).
MIN_NEW_PASSPHRASE_CHARS = 8
#: Tries at a prompt: for a wrong passphrase, and for choosing a new one.
UNLOCK_ATTEMPTS = 3
ENV_VAR = "WALLET_PASSPHRASE_FILE"


def read_passphrase_file(path: str, *, what: str) -> bytes:
    from wallet.cli.common import read_input

    if path in ("/dev/stdin", "/dev/fd/0"):
        path = "-"
    if path != "-":
        import stat

        from wallet.storage.files import check_private

        try:
            mode = os.stat(os.path.expanduser(path)).st_mode
        except OSError:
            mode = 0  # read_input says what is wrong
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):  # /dev/null, a disk: never "chmod" a device
            raise UsageError(f"the {what} file {path} is a device, not a file holding a passphrase",
                             hint="give a private file holding it (readable by you alone), or '-' to read standard input")
        if stat.S_ISREG(mode):  # a pipe (<(pass show wallet)) has no permissions worth checking
            # a secret that others could read is refused, as ssh refuses a loose key (same message, same exit)
            check_private(os.path.expanduser(path), what=f"{what} file")
    data = read_input(path, what=f"{what} file", limit=MAX_PASSPHRASE_BYTES + 2, awaited=f"{what} (shown as typed)")
    if data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    if not data:
        raise UsageError(f"the {what} file {path} is empty")
    if len(data) > MAX_PASSPHRASE_BYTES:
        raise UsageError(f"the {what} is longer than {MAX_PASSPHRASE_BYTES} bytes")
    return data


def too_short(value: bytes) -> bool:
    return len(value.decode("utf-8", "replace")) < MIN_NEW_PASSPHRASE_CHARS


def _short_message(what: str) -> str:
    return f"the {what} is too short: choose one of at least {MIN_NEW_PASSPHRASE_CHARS} characters"


def _tell(message: str) -> None:
    from wallet.cli.output import Output

    Output.notice(message)


def _prompt(what: str, confirm: bool) -> bytes:
    import getpass

    try:
        for attempt in range(UNLOCK_ATTEMPTS):
            first = getpass.getpass(f"{what.capitalize()}: ")
            if not confirm:
                if first:
                    return first.encode("utf-8")
                _tell(f"the {what} is empty; type it, or press Ctrl-C to stop")
                continue
            if too_short(first.encode("utf-8")):
                _tell(_short_message(what) + "; try again")
                continue
            if getpass.getpass(f"Repeat the {what}: ") != first:
                _tell(f"the two {what}s do not match; try again")
                continue
            return first.encode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(
            f"the {what} typed is not valid text in this terminal's encoding",
            hint="check the terminal's locale, or use --passphrase-file",
        ) from None
    raise UsageError(f"no {what} after {UNLOCK_ATTEMPTS} attempts; nothing was changed")


class Passphrase:
    """A memoised passphrase source (a ``PassphraseSource``): asks or reads at most once, only when a store
    needs it. ``why`` is shown before a prompt for a new passphrase."""

    def __init__(self, path: str | None, *, what: str, env: str | None, flag: str, why: str | None) -> None:
        self.path, self.what, self.env, self.flag, self.why = path, what, env, flag, why
        self._cache: list[bytes] = []
        self._prompted = 0
        self._store: list[str] = []  # the store a new wallet gets, and why, until it is told

    def announce(self, choice: StoreChoice) -> None:
        """Hear which store a new wallet gets and why (provisioning's ``announce``): told before a prompt."""
        self._store[:] = [f"secret store: {choice.store.name} ({choice.reason})"]

    def tell_store(self) -> None:
        """Say which store the new wallet got, unless a prompt already said so."""
        if self._store:
            _tell(self._store.pop())

    def __call__(self, confirm: bool) -> bytes:
        if self._cache:
            return self._cache[0]
        from wallet.storage.hardening import protect_process

        protect_process()  # before the passphrase is in memory
        if self.path:
            value = read_passphrase_file(self.path, what=self.what)
            if confirm and too_short(value):
                raise UsageError(f"{_short_message(self.what)} (the file {self.path} holds a shorter one)",
                                 hint="put a longer passphrase in it; a few unrelated words are easy to remember")
        elif sys.stdin.isatty():
            self.tell_store()
            if confirm and self.why and not self._prompted:
                _tell(self.why)
            value = _prompt(self.what, confirm)
            self._prompted += 1
        else:
            via = f" or set {self.env}" if self.env else ""
            raise UsageError(
                f"a {self.what} is needed and there is no terminal to ask on",
                hint=f"pass {self.flag} PATH ('-' reads stdin){via}",
            )
        self._cache.append(value)
        return value

    def retry(self, error: AuthError) -> bool:
        """After ``error`` (a wrong passphrase): True, and the next call asks again, when it was typed at the
        prompt and tries are left; a passphrase from a file is never asked again."""
        if not self._cache or not self._prompted or self._prompted >= UNLOCK_ATTEMPTS:
            return False
        self._cache.clear()
        left = UNLOCK_ATTEMPTS - self._prompted
        _tell(f"{error.message}; try again ({left} {'try' if left == 1 else 'tries'} left)")
        return True


def with_retries(source: Passphrase, action: Callable[[], _T]) -> _T:
    """Run ``action`` (which unlocks with ``source``) again after a wrong passphrase typed at the prompt."""
    while True:
        try:
            return action()
        except AuthError as exc:
            if not source.retry(exc):
                raise


def passphrase_source(
    path: str | None, *, what: str = "wallet passphrase", env: str | None = ENV_VAR, flag: str = "--passphrase-file",
    why: str | None = None,
) -> Passphrase:
    """The source of a passphrase named by ``flag`` (``path``), else by ``$env``, else asked on the terminal."""
    if path == "":
        raise UsageError(f"{flag} needs a path", hint="'-' reads standard input")
    path = path or (os.environ.get(env) if env else None) or None
    if why is None:
        why = (f"the secret will be kept in a file encrypted with a passphrase: choose one of at least "
               f"{MIN_NEW_PASSPHRASE_CHARS} characters (nobody can recover it if you forget it)")
    return Passphrase(path, what=what, env=env, flag=flag, why=why)

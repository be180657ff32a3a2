"""One error hierarchy for the whole wallet, and the one table of exit codes.

    >>> from wallet.errors import NoWallet, exit_code_for
    >>> exit_code_for(NoWallet("/tmp/x"))
    3

Every failure a user can cause or meet is a :class:`WalletError`. Each one
carries a stable ``code`` (used in ``--json`` output), a one-sentence message
and, where possible, a hint. The CLI catches the base class in one place and
maps it to an exit code with :func:`exit_code_for`; the man page's EXIT STATUS
section is generated from :data:`EXIT_CODES`.

Messages never include secret material: no master secret, no passphrase, no
GUID.
"""

from __future__ import annotations

#: Exit status table: (code, short name, meaning). Generated into the man page.
EXIT_CODES: tuple[tuple[int, str, str], ...] = (
    (0, "ok", "Success."),
    (1, "error", "An unexpected internal error (please report it)."),
    (2, "usage", "Usage error: bad option, argument, destination, persona or attribute."),
    (3, "no-wallet", "No wallet in WALLET_HOME: run 'wallet init' first."),
    (4, "auth", "Wrong passphrase, or the secret store refused access."),
    (5, "corrupt", "A wallet file or backup is corrupted, truncated or was tampered with."),
    (6, "insecure", "A secret file or the wallet directory is readable by other users."),
    (7, "exists", "Refusing to overwrite something that exists (wallet, persona, file)."),
    (8, "store-unavailable", "The OS keyring errored, is locked, or did not answer in time."),
    (9, "io", "A file could not be read or written."),
)

#: `wallet verify` failures: (exit status, error code, meaning). The code is also the
#: "error.code" of verify's JSON result.
VERIFY_FAILURES: tuple[tuple[int, str, str], ...] = (
    (10, "malformed", "verify: the input, envelope, token or a claim is malformed."),
    (11, "too-large", "verify: the input or token exceeds its size limit."),
    (12, "unsupported-alg", "verify: the token's alg is not EdDSA/Ed25519 (none, HMAC, RSA... are refused)."),
    (13, "bad-signature", "verify: the signature does not verify with the key in 'iss'."),
    (14, "audience-mismatch", "verify: the assertion is for another destination."),
    (15, "expired", "verify: the assertion has expired."),
    (16, "not-yet-valid", "verify: the assertion was issued in the future."),
    (17, "replayed", "verify: this assertion was already accepted once."),
    (18, "fingerprint-mismatch", "verify: a DTLS fingerprint of the SDP is not covered by the assertion."),
    (19, "identity-mismatch", "verify: the assertion is valid but from another identity than --expect-id."),
    (20, "no-identity", "verify: the SDP carries no a=identity."),
    (21, "unsupported-idp", "verify: the envelope names another IdP; not a wallet assertion."),
    (22, "policy-refused", "verify --policy: valid, but the destination's policy refuses it (state, attributes, origin)."),
)
VERIFY_CODES: dict[str, int] = {code: status for status, code, _ in VERIFY_FAILURES}

EXIT_CODES = (
    EXIT_CODES
    + VERIFY_FAILURES
    + (
        (23, "conflict", "assert/sign-sdp: your rules and a party's policy conflict and the rule says refuse; nothing was signed."),
        (130, "interrupted", "Interrupted by the user (Ctrl-C)."),
    )
)


class WalletError(Exception):
    """Base class of every expected failure. ``str(err)`` is the one-line message."""

    code: str = "error"
    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class UsageError(WalletError):
    """The user asked for something malformed (bad destination, unknown persona...)."""

    code = "usage"
    exit_code = 2


class NoWallet(WalletError):
    code = "no-wallet"
    exit_code = 3

    def __init__(self, home: str) -> None:
        super().__init__(f"no wallet found in {home}", hint="run 'wallet init' to create one")


class AuthError(WalletError):
    """Wrong passphrase or refused access: nothing was changed."""

    code = "auth"
    exit_code = 4


class CorruptData(WalletError):
    """A file is damaged or was modified; the wallet never re-initialises silently."""

    code = "corrupt"
    exit_code = 5


class InsecurePermissions(WalletError):
    code = "insecure"
    exit_code = 6


class AlreadyExists(WalletError):
    code = "exists"
    exit_code = 7


class StoreUnavailable(WalletError):
    """The OS keyring cannot be used right now (missing, locked, erroring or hanging)."""

    code = "store-unavailable"
    exit_code = 8


class FileError(WalletError):
    code = "io"
    exit_code = 9


class ConflictRefused(WalletError):
    """The caller's rules and a party's policy disagree and the rule says refuse: nothing was signed."""

    code = "conflict"
    exit_code = 23


def exit_code_for(err: BaseException) -> int:
    """The process exit status for an error (1 for anything unexpected)."""
    if isinstance(err, WalletError):
        return err.exit_code
    if isinstance(err, KeyboardInterrupt):
        return 130
    return 1

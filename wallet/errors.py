"""One error model for the whole wallet: every failure is a class with a fixed code and exit status.

    >>> from wallet.errors import NoWallet, Expired, exit_status_table
    >>> NoWallet("/tmp/x").code, NoWallet("/tmp/x").exit_code
    ('no-wallet', 3)
    >>> Expired("the assertion has expired").exit_code
    15
    >>> exit_status_table()[0]
    (0, 'ok', 'Success.')

Every failure a user can cause or meet is a :class:`WalletError`. Its class
fixes the stable ``code`` (the ``"error"."code"`` of every ``--json``
document) and the process exit status; an instance carries a one-sentence
message and, where possible, a hint. A verifier's verdicts are errors of the
same kind (:class:`Rejected` and its subclasses): ``wallet.verify`` returns
them in its result instead of raising them, and the CLI reports them like any
other. The CLI turns an error into output and an exit status in exactly one
place (``wallet.cli.dispatch``); the man page's EXIT STATUS table is generated
from :func:`exit_status_table`, and a test checks that every class here is
raised somewhere and every code raised is in the table.

Messages never include secret material: no master secret, no passphrase, no
GUID.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import ClassVar

_DOCUMENTED: list[type[WalletError]] = []


class WalletError(Exception):
    """Base class of every expected failure. ``str(err)`` is the one-line message.

    A concrete class defines ``code``, ``exit_code`` and ``meaning`` (one line for
    the man page); defining ``meaning`` is what puts it in the documented table.
    """

    code: ClassVar[str] = "internal"
    exit_code: ClassVar[int] = 1
    meaning: ClassVar[str] = "An unexpected internal error (please report it, with WALLET_DEBUG=1 output)."

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "meaning" in cls.__dict__:
            _DOCUMENTED.append(cls)

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: Set when the command's --json product already carries this error (wallet verify's result):
        #: the dispatcher then writes only the line on stderr.
        self.in_product = False

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class InternalError(WalletError):
    """What the CLI reports for an exception that is not a WalletError (a bug)."""

    code = "internal"
    exit_code = 1
    meaning = "An unexpected internal error (please report it, with WALLET_DEBUG=1 output)."


class UsageError(WalletError):
    """The user asked for something malformed (bad option, destination, persona, attribute...)."""

    code = "usage"
    exit_code = 2
    meaning = "Usage error: a bad option, argument, destination, persona or attribute."


class InvalidPolicy(UsageError):
    """A destination's or calling service's policy document does not follow the schema."""

    code = "invalid-policy"
    meaning = "A policy document (--policy) does not follow the schema (see POLICY FILES in man wallet)."


class NoWallet(WalletError):
    code = "no-wallet"
    exit_code = 3
    meaning = "No wallet in WALLET_HOME: run 'wallet init' first."

    def __init__(self, home: str) -> None:
        super().__init__(f"no wallet found in {home}", hint="run 'wallet init' to create one")


class AuthError(WalletError):
    """Wrong passphrase or refused access: nothing was changed."""

    code = "auth"
    exit_code = 4
    meaning = "Wrong passphrase, or the secret store refused access."


class CorruptData(WalletError):
    """A file is damaged or was modified; the wallet never re-initialises silently."""

    code = "corrupt"
    exit_code = 5
    meaning = "A wallet file or backup is corrupted, truncated, malformed or was tampered with."


class InsecurePermissions(WalletError):
    code = "insecure"
    exit_code = 6
    meaning = "A secret file, the wallet directory or a replay store is accessible by other users."


class AlreadyExists(WalletError):
    code = "exists"
    exit_code = 7
    meaning = "Refusing to overwrite something that exists (wallet, persona, rule, file)."


class StoreUnavailable(WalletError):
    """The OS keyring cannot be used right now (missing, locked, erroring or hanging)."""

    code = "store-unavailable"
    exit_code = 8
    meaning = "The OS keyring errored, is locked, or did not answer in time."


class FileError(WalletError):
    code = "io"
    exit_code = 9
    meaning = "A file could not be read or written: a full, read-only or busy disk, a closed output."


# -- verdicts on an input (an SDP, a line, an envelope, a token) ---------------------------------------------
class Rejected(WalletError):
    """An input was refused: `wallet verify`'s verdicts, and what sign-sdp refuses to sign."""


class Malformed(Rejected):
    code = "malformed"
    exit_code = 10
    meaning = "The input (SDP, a=identity line, envelope, token or one of its claims) is malformed."


class TooLarge(Rejected):
    code = "too-large"
    exit_code = 11
    meaning = "The input or token exceeds its size limit."


class UnsupportedAlg(Rejected):
    code = "unsupported-alg"
    exit_code = 12
    meaning = ("The token's alg is not EdDSA/Ed25519 (none, HMAC, RSA... are refused); for verify --sip, the "
               "PASSporT's alg is not ES256.")


class BadSignature(Rejected):
    code = "bad-signature"
    exit_code = 13
    meaning = "The signature does not verify with the key in 'iss' (verify --sip: with the gateway's key)."


class AudienceMismatch(Rejected):
    code = "audience-mismatch"
    exit_code = 14
    meaning = "The assertion is for another destination."


class Expired(Rejected):
    code = "expired"
    exit_code = 15
    meaning = "The assertion has expired (verify --sip: the PASSporT's iat is older than the freshness window)."


class NotYetValid(Rejected):
    code = "not-yet-valid"
    exit_code = 16
    meaning = "The assertion was issued in the future."


class Replayed(Rejected):
    code = "replayed"
    exit_code = 17
    meaning = "This assertion was already accepted once (replay store)."


class FingerprintMismatch(Rejected):
    code = "fingerprint-mismatch"
    exit_code = 18
    meaning = "A DTLS fingerprint of the SDP is not covered by the assertion."


class IdentityMismatch(Rejected):
    code = "identity-mismatch"
    exit_code = 19
    meaning = "The assertion is valid but from another identity than --expect-id."


class NoIdentity(Rejected):
    code = "no-identity"
    exit_code = 20
    meaning = "The SDP carries no a=identity."


class UnsupportedIdp(Rejected):
    code = "unsupported-idp"
    exit_code = 21
    meaning = "The envelope names another IdP; not a wallet assertion."


class PolicyRefused(Rejected):
    code = "policy-refused"
    exit_code = 22
    meaning = "verify --policy: valid, but the destination's policy refuses it (state, attributes, origin)."


class UntrustedIssuer(Rejected):
    code = "untrusted-issuer"
    exit_code = 24
    meaning = "An endorsement's issuer (or its key) is not in the verifier's trust store, or not for that time."


class BadEndorsement(Rejected):
    code = "bad-endorsement"
    exit_code = 25
    meaning = "An endorsement is malformed, forged, or not bound to this call (SD-JWT, disclosures, key binding)."


class EndorsementExpired(Rejected):
    code = "endorsement-expired"
    exit_code = 26
    meaning = "An endorsement has expired (or is not valid yet)."


class EndorsementRevoked(Rejected):
    code = "endorsement-revoked"
    exit_code = 27
    meaning = "An endorsement was revoked by its issuer (Token Status List)."


class MissingEndorsement(Rejected):
    code = "missing-endorsement"
    exit_code = 28
    meaning = "An endorsement the verifier or its policy requires (issuer, claims) is absent."


class ClaimNotTrusted(Rejected):
    code = "claim-not-trusted"
    exit_code = 29
    meaning = "An endorsement discloses a claim its issuer is not trusted for."


class SipMismatch(Rejected):
    code = "sip-mismatch"
    exit_code = 32
    meaning = ("verify --sip: the PASSporT's orig or dest is not the SIP message's From or To (after RFC 8224 "
               "section 8 normalisation).")


class SipParameterMismatch(Rejected):
    code = "sip-parameter-mismatch"
    exit_code = 33
    meaning = "verify --sip: the Identity header's alg or ppt parameter disagrees with the PASSporT's header."


class DecryptFailed(Rejected):
    code = "decrypt-failed"
    exit_code = 35
    meaning = ("verify --decrypt-key: the encrypted disclosure does not open with that key (another key, a changed "
               "header, ciphertext or tag, or a low-order ephemeral key).")


class ConflictRefused(WalletError):
    """The caller's rules and a party's policy disagree and the rule says refuse: nothing was signed."""

    code = "conflict"
    exit_code = 23
    meaning = "assert/sign-sdp: your rules and a party's policy conflict and the rule says refuse; nothing was signed."


class ReplayStoreUnavailable(WalletError):
    """A shared replay store (redis://...) gave no definite answer: nothing it was asked about is accepted."""

    code = "replay-store-unavailable"
    exit_code = 30
    meaning = ("verify: the shared replay store (--replay-store redis://...) cannot be reached or gave no definite "
               "answer; nothing was accepted (fail closed).")


class AgentError(WalletError):
    """WALLET_AGENT_SOCK names a wallet agent that cannot serve this command: none answers there, it belongs to
    another user, it serves another wallet home, or it refused or timed out the request."""

    code = "agent"
    exit_code = 31
    meaning = ("The wallet agent in WALLET_AGENT_SOCK is not running, serves another wallet home, or refused or "
               "timed out the command (see AGENT in man wallet).")


class LinkableRefused(WalletError):
    """What an unlinkable or undetectable call's SDP carries would link it to other calls (or reveal the caller)
    and the rule says refuse (by default: a DTLS fingerprint reused in an unlinkable call): nothing was signed."""

    code = "linkable"
    exit_code = 34
    meaning = ("sign-sdp: the SDP would link this unlinkable or undetectable call to others (a reused DTLS "
               "fingerprint, see 'wallet sdp check') and the rule says refuse; nothing was signed or recorded.")


class Declined(WalletError):
    """wallet browser-signer: the user answered no (or nothing in time, or the rules send no identity to the
    site); the request gets this code and nothing was signed or recorded."""

    code = "declined"
    exit_code = 36
    meaning = ("browser-signer: the user refused to sign for the page (no, Enter or no answer in time), or the "
               "rules send no identity there; nothing was signed or recorded. The endpoint answers with this code "
               "and keeps running.")


class Interrupted(WalletError):
    code = "interrupted"
    exit_code = 130
    meaning = "Interrupted by the user (Ctrl-C); nothing was changed."


#: Verdict codes of `wallet verify` (and of each batch result): code -> exit status.
REJECTIONS: dict[str, type[Rejected]] = {
    cls.code: cls for cls in _DOCUMENTED if issubclass(cls, Rejected)
}


def documented() -> list[type[WalletError]]:
    """Every documented error class, in exit-status order."""
    return sorted(_DOCUMENTED, key=lambda cls: (cls.exit_code, cls.code))


def exit_status_table() -> list[tuple[int, str, str]]:
    """(exit status, code, meaning) for the man page's EXIT STATUS, success first."""
    return [(0, "ok", "Success."), *((cls.exit_code, cls.code, cls.meaning) for cls in documented())]

"""``wallet assert`` and ``wallet sign-sdp``: sign identity assertions offline."""

from __future__ import annotations

import sys

from wallet.cli.common import fingerprint_options, read_input, unlock_wallet
from wallet.cli.output import Output, claim_text
from wallet.text import for_terminal
from wallet.cli.privacy import read_context

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import AssertArgs, SignSdpArgs
    from collections.abc import Callable

    from wallet.privacy.policy import Policy
    from wallet.assertions.sdp import Fingerprint
    from wallet.facade import Issued, Plan, Wallet
    from wallet.storage.files import StagedFile
    from wallet.assertions.linkability import Traits
    from wallet.endorsements.trust import TrustStore
    from wallet.errors import Rejected


def _notice(wallet: Wallet, issued: Issued, plan: Plan) -> None:
    entry = issued.entry
    what = ", ".join(f"{k}={v}" for k, v in entry["disclosed"].items()) or "nothing"
    default = " (a built-in default decided: no rule of yours matched)" if plan.outcome.default_used else ""
    verified = "".join(f"; endorsed by {e['issuer']} showing "
                       + (", ".join(f"{for_terminal(k)}={claim_text(v)}" for k, v in e["claims"].items()) or "no claim")
                       for e in entry.get("endorsements", []))
    Output.notice(
        f"signed for {entry['destination']} as {entry['id']} "
        f"({entry['state']}: {entry['scope']} key of persona {entry['persona']!r}); disclosed: {what}{verified}; "
        f"origin: {entry['origin']['status']}; decided by {plan.intent.source}{default}"
    )
    for line in plan.outcome.notices:
        Output.notice(line)
    _low_mark(wallet, issued)


def _low_mark(wallet: Wallet, issued: Issued) -> None:
    """Warn when the once-only endorsements of a batch this call drew from run low (or out)."""
    import time

    from wallet.endorsements.holder import LOW_MARK

    used = [h for h in issued.endorsements if h["once"]]
    if not used:
        return
    now = int(time.time())
    for h in used:
        left = sum(1 for x in wallet.held() if x["once"] and x["issuer"] == h["issuer"] and x["persona"] == h["persona"]
                   and x["expires"] > now and x["claims"] == h["claims"])
        if left <= LOW_MARK:
            Output.notice(f"{'no' if left == 0 else f'only {left}'} once-only endorsement{'s' if left != 1 else ''} "
                          f"by {h['issuer']} left for persona {h['persona']!r}; ask for more: wallet endorse request "
                          f"--idp {h['issuer']} --persona {h['persona']} --state unlinkable")


def _plan(
    wallet: Wallet,
    to: str,
    *,
    persona: str | None,
    state: str | None,
    disclose: list[str] | None,
    service: str | None,
    model: str | None,
    context: tuple[list[Policy], str | None],
    endorsed_by: list[str] | None = None,
    verified: list[str] | None = None,
) -> Plan:
    """Reconcile rules and policies; refuse (exit 23) when a conflict stays unresolved."""
    from wallet.cli.privacy import conflict_summary, make_plan
    from wallet.errors import ConflictRefused

    policies, origin_url = context
    plan = make_plan(wallet, to, service=service, model=model, policies=policies, origin_url=origin_url,
                     persona=persona, state=state, disclose=disclose, endorsed_by=endorsed_by, verified=verified)
    if not plan.outcome.satisfiable:
        raise ConflictRefused(
            f"nothing was signed: {conflict_summary(plan)}",
            hint=f"see 'wallet explain --to {plan.destination}' and adjust the rule's --on-conflict",
        )
    return plan


def encryption_key(to_key: str | None, policies: list[Policy], destination: str) -> dict[str, str] | None:
    """The destination's public X25519 key: --to-key, else the encryption_key of a destination policy given that
    names this very destination as its party (a policy of another party, or one naming none, never chooses
    whom the user's attributes are readable by)."""
    if to_key is not None:
        from wallet.cli.common import load_encryption_key

        return load_encryption_key(to_key)
    from wallet.destination import normalize_destination

    dest = normalize_destination(destination)
    keys = {p.encryption_key["x"]: p.encryption_key for p in policies
            if p.role == "destination" and p.encryption_key and p.named and p.party == dest}
    if len(keys) > 1:
        from wallet.errors import UsageError

        raise UsageError("the destination policies given publish different encryption keys",
                         hint="give the one to use with --to-key FILE")
    return next(iter(keys.values()), None)


def _sign(wallet: Wallet, plan: Plan, fingerprints: list[Fingerprint], ttl: int, command: str,
          encrypt_to: dict[str, str] | None = None) -> Issued:
    return wallet.sign(
        plan.destination, fingerprints=fingerprints, persona=plan.persona.name, state=plan.outcome.state,
        disclose=plan.outcome.disclosed, ttl=ttl, command=command, origin=plan.outcome.origin,
        decided_by=plan.intent.source, endorsements=plan.outcome.endorsements, encrypt_to=encrypt_to,
    )


def _check_output(issued: Issued, output: bytes, fingerprints: list[Fingerprint] | None = None) -> None:
    """Never sign what verifiers refuse: the wallet's own verifier must accept exactly what goes out."""
    from wallet.errors import UsageError
    from wallet.assertions.verify import verify

    trust = None
    if issued.endorsements:  # checked in full, against the issuer keys each was verified with at import
        from wallet.endorsements.trust import TrustStore

        trust = TrustStore.empty()
        for h in issued.endorsements:
            trust.add(h["issuer"], keys=[{"kty": "OKP", "crv": "Ed25519", "x": h["issuer_key"]}])
    result = verify(output, audience=issued.payload["aud"], fingerprints=fingerprints, at=issued.payload["iat"],
                    trust=trust)
    if result.valid and issued.sealed_presentations:  # sealed for the destination: checked here as it will
        result.error = _sealed_presentation_error(issued, trust)
        result.valid = result.error is None
    if not result.valid:
        assert result.error is not None
        code, message = result.error.code, result.error.message
        raise UsageError(f"nothing was signed: verifiers would refuse the result ({code}: {message})",
                         hint="a smaller SDP, fewer fingerprints or shorter disclosed attributes")


def _sealed_presentation_error(issued: Issued, trust: TrustStore | None) -> Rejected | None:
    """What the destination would say of the endorsement presentations sealed in the disclosure, once opened."""
    from wallet.endorsements.presentation import check
    from wallet.endorsements.trust import TrustStore
    from wallet.errors import Rejected

    payload = issued.payload
    try:
        for presentation in issued.sealed_presentations:
            check(presentation, trust=trust or TrustStore.empty(), signer=issued.key.public_key, audience=payload["aud"],
                  nonce=payload["jti"], issued_at=payload["iat"], now=payload["iat"])
    except Rejected as exc:
        return exc
    return None


def _deliver(wallet: Wallet, issued: Issued, write: Callable[[], None], seen: Traits | None = None) -> None:
    """Record the disclosure, then hand the output over; if it cannot be written, take the record back.

    A disclosure is in the ledger before it can leave (a kill in between over-reports, never hides one),
    and an output that could not be written is not reported as disclosed.
    """
    from wallet.errors import FileError

    wallet.record(issued, seen=seen)  # values seen stay remembered if the write fails: over-reporting is safe
    try:
        write()
    except BaseException as exc:
        wallet.unrecord(issued)
        if isinstance(exc, OSError):
            from wallet.cli.output import silence_stdout

            silence_stdout()  # whatever Python still buffers for it would fail again at exit
        if isinstance(exc, OSError):
            raise FileError(f"cannot write the output: {exc.strerror or type(exc).__name__}",
                            hint="nothing was disclosed: the ledger entry was taken back") from None
        raise


def _stdout(data: bytes) -> Callable[[], None]:
    def write() -> None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()

    return write


#: The JSON product of assert and sign-sdp: key -> the claim it shows.
_SUMMARY = {"id": "iss", "state": "state", "audience": "aud", "fingerprints": "contents",
            "issued_at": "iat", "expires_at": "exp", "jti": "jti", "origin": "origin"}


def _summary(issued: Issued) -> dict[str, object]:
    from wallet.cli.output import origin_json

    return {"line": issued.line, "token": issued.token, **{key: issued.payload[claim] for key, claim in _SUMMARY.items()},
            "disclosed": issued.entry["disclosed"], "encrypted_for": _encrypted_for(issued),
            "origin": origin_json(issued.payload["origin"]), "endorsements": issued.entry.get("endorsements", [])}


def _encrypted_for(issued: Issued) -> str | None:
    """The RFC 7638 thumbprint of the key the disclosure was encrypted for (None: sent in the clear)."""
    if "disclosed_jwe" not in issued.payload:
        return None
    from wallet.jwe import parse

    return parse(issued.payload["disclosed_jwe"]).kid


def _undetectable(destination: str, **extra: object) -> dict[str, object]:
    """The JSON product of a call that carries no identity: the same keys as a signed one's, empty."""
    return {"line": None, "token": None, "id": None, "state": "undetectable", "audience": destination,
            "disclosed": {}, "fingerprints": [], "issued_at": None, "expires_at": None, "jti": None,
            "encrypted_for": None, "origin": {"status": "none", "url": None}, "endorsements": [], **extra}




def assert_(a: AssertArgs) -> None:
    from wallet.errors import UsageError

    fingerprints = fingerprint_options(a["fingerprint"])
    if not fingerprints:
        raise UsageError("nothing to bind: give the DTLS fingerprints", hint="--fingerprint 'sha-256 AB:CD:...'")
    context = read_context(a["to"], a["policy"], a["origin"])  # usage errors before anything is unlocked or read
    recipient = encryption_key(a["to_key"], context[0], a["to"])
    wallet = unlock_wallet(a["passphrase_file"])
    plan = _plan(wallet, a["to"], persona=a["persona"], state=a["state"], disclose=a["disclose"], service=a["service"], model=a["model"],
                 context=context, endorsed_by=a["endorsed_by"], verified=a["verified"])
    _linkability(wallet, plan, b"", fingerprints, a["linkable"])  # the fingerprints: all an assertion has of the SDP
    if plan.outcome.state == "undetectable":
        Output.notice(f"undetectable call to {plan.destination}: no identity is sent (decided by {plan.intent.source})")
        Output(a["json_out"]).product(_undetectable(plan.destination), "")
        return
    issued = _sign(wallet, plan, fingerprints, a["ttl"], "assert", recipient)
    _check_output(issued, issued.line.encode(), fingerprints)
    _check_output(issued, issued.token.encode(), fingerprints)
    _deliver(wallet, issued, lambda: Output(a["json_out"]).product(_summary(issued), issued.line if a["format"] == "line" else issued.token))
    _notice(wallet, issued, plan)


def _staged(output: str | None, force: bool) -> StagedFile | None:
    """The -o file, checked before anything is unlocked or signed (it must not exist unless --force)."""
    from wallet.errors import AlreadyExists
    from wallet.storage.files import StagedFile

    if output is None:
        return None
    staged = StagedFile(output, replace=force)
    try:
        staged.check()
    except FileExistsError:
        raise AlreadyExists(f"{output} already exists", hint="choose another file or add --force") from None
    return staged


def _commit(staged: StagedFile) -> Callable[[], None]:
    def commit() -> None:
        from wallet.errors import AlreadyExists

        try:
            staged.commit()
        except FileExistsError:
            raise AlreadyExists(f"{staged.path} appeared while signing", hint="choose another file or add --force") from None

    return commit


def _linkability(wallet: Wallet, plan: Plan, raw: bytes, fingerprints: list[Fingerprint], linkable: str | None) -> Traits:
    """Refuse (exit 34) or warn, one notice line per finding, before anything is signed or recorded; the SDP's
    traits, to remember with the call (wallet.assertions.linkability)."""
    from wallet.assertions.linkability import decide, read_traits
    from wallet.errors import LinkableRefused

    traits = read_traits(raw)
    state = plan.outcome.state
    choice = linkable if linkable is not None else plan.intent.linkable
    links = state in ("unlinkable", "undetectable") and choice != "allow"
    findings = wallet.linkability(traits, fingerprints, plan.destination, links=links, unlinkable=state == "unlinkable")
    refused, warned = decide(findings, state, choice)
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise LinkableRefused(
            f"nothing was signed: this {state} call would be linkable: {for_terminal(refused[0].message())}{more}",
            hint="use a fresh RTCPeerConnection (a new certificate) for each unlinkable call; 'wallet sdp check FILE "
                 f"--to {plan.destination}' lists every finding; --linkable warn|allow (or a rule's) accepts it")
    for finding in warned:
        Output.notice(f"linkability ({state} call): {for_terminal(finding.message())}")
    return traits


def _idp_domain(given: str | None) -> str:
    """The IdP domain the envelope names: --idp-domain (for a browser's IdP proxy, docs/browser.md) or the default."""
    from wallet.assertions.token import IDP_DOMAIN

    if given is None:
        return IDP_DOMAIN
    from wallet.browser.proxy import check_idp_domain

    return check_idp_domain(given)


def sign_sdp(a: SignSdpArgs) -> None:
    from wallet.assertions.token import envelope
    from wallet.errors import UsageError
    from wallet.cli.sdpcheck import read_sdp

    context = read_context(a["to"], a["policy"], a["origin"])  # usage errors before anything is unlocked or read
    recipient = encryption_key(a["to_key"], context[0], a["to"])
    domain = _idp_domain(a["idp_domain"])
    staged = _staged(None if a["output"] == "-" else a["output"], a["force"])  # -o - is stdout
    raw, sdp = read_sdp(a["file"])
    if not sdp.fingerprints:
        raise UsageError("the SDP has no a=fingerprint line: there is nothing to bind the identity to")
    wallet = unlock_wallet(a["passphrase_file"])
    plan = _plan(wallet, a["to"], persona=a["persona"], state=a["state"], disclose=a["disclose"], service=a["service"], model=a["model"],
                 context=context, endorsed_by=a["endorsed_by"], verified=a["verified"])
    traits = _linkability(wallet, plan, raw, sdp.fingerprints, a["linkable"])
    if plan.outcome.state == "undetectable":
        wallet.remember(traits)  # no ledger entry: the next unlinkable call must still see these values
        stripped = sdp.without_identity()
        removed = " (an a=identity already in it was removed)" if stripped != raw else ""
        raw = stripped
        if staged is not None:
            staged.write(raw)
            _commit(staged)()
            Output(a["json_out"]).product(_undetectable(plan.destination, output=a["output"]))
        elif a["json_out"]:
            Output(True).product(_undetectable(plan.destination, sdp=raw.decode("utf-8")))
        else:
            sys.stdout.buffer.write(raw)
            sys.stdout.flush()
        Output.notice(
            f"undetectable call to {plan.destination}: the SDP passes with no a=identity{removed} "
            f"(decided by {plan.intent.source})"
        )
        return
    if a["idp_domain"] is not None:  # for a browser: only what its IdP proxy reads (docs/browser.md)
        from wallet.browser.proxy import check_browser_call

        check_browser_call(plan.destination, plan.outcome.origin)
    issued = _sign(wallet, plan, sdp.fingerprints, a["ttl"], "sign-sdp", recipient)
    signed = sdp.with_identity(envelope(issued.token, domain))
    _check_output(issued, signed)
    summary = _summary(issued)
    if staged is not None:
        def write() -> None:  # recorded first: a kill before the rename over-reports, never hides (design.md)
            staged.write(signed)
            _commit(staged)()

        try:
            _deliver(wallet, issued, write, traits)
        finally:
            staged.discard()
        _notice(wallet, issued, plan)
        try:
            Output(a["json_out"]).product({**summary, "output": a["output"]})
        except OSError as exc:  # the SDP is written and recorded: say so, not just that stdout failed
            from wallet.cli.output import silence_stdout
            from wallet.errors import FileError

            silence_stdout()
            raise FileError(f"the signed SDP was written to {a['output']} and recorded, but standard output "
                            f"failed: {exc.strerror or type(exc).__name__}") from None
    elif a["json_out"]:
        _deliver(wallet, issued, lambda: Output(True).product({**summary, "sdp": signed.decode("utf-8")}), traits)
        _notice(wallet, issued, plan)
    else:
        _deliver(wallet, issued, _stdout(signed), traits)
        _notice(wallet, issued, plan)

"""``wallet gateway``: a SIP interworking gateway (init, invite) and the SIP side's check (verify --sip)."""

from __future__ import annotations

import json
import sys

from wallet.cli.output import Output

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import GatewayInitArgs, GatewayInviteArgs, VerifyArgs


def init(a: GatewayInitArgs) -> None:
    from wallet.interworking.gateway import PUBLIC_FILE, create_gateway, default_gateway_home

    home = default_gateway_home()
    gateway = create_gateway(home, x5u=a["x5u"], force=a["force"])
    out = Output(a["json_out"])
    out.notice(f"created a SIP gateway key in {home}; SIP verifiers trust {home}/{PUBLIC_FILE}")
    pem = gateway.public_pem().decode("ascii")
    out.product({"home": home, "x5u": gateway.x5u, "public_key": pem}, pem)


def invite(a: GatewayInviteArgs) -> None:
    from wallet.assertions.verify import MAX_INPUT_BYTES, verify
    from wallet.cli.common import read_input
    from wallet.cli.trust import load_trust
    from wallet.cli.verification import _replay_store, parse_time
    from wallet.interworking.gateway import default_gateway_home, open_gateway
    from wallet.interworking.passport import decode

    when = parse_time(a["at"]) if a["at"] is not None else None
    gateway = open_gateway(default_gateway_home())
    callee = a["callee"]
    audience = callee if callee.lower().startswith(("sip:", "sips:", "tel:")) else "tel:" + callee
    data = read_input(a["file"], what="signed SDP", limit=MAX_INPUT_BYTES)
    trust = load_trust(a["trust"], missing_ok=True)
    store = _replay_store(False, None, False)
    try:
        result = verify(data, audience=audience, at=when, replay=store, trust=trust)
        if store is not None and result.valid:
            store.commit()
    finally:
        if store is not None:
            store.close()
    if result.error is not None:
        raise result.error
    from wallet.assertions.sdp import Sdp

    sdp = Sdp.parse(data).without_identity()  # the caller's assertion stays on the WebRTC side
    message = gateway.invite_for(result, caller=a["caller"], callee=callee, sdp=sdp,
                                 now=None if when is None else int(when))
    identity = message.split(b"\r\nIdentity: ", 1)[1].split(b";", 1)[0].decode("ascii")
    claims = decode(identity)[1]
    summary = {"attest": claims["attest"], "orig": "+" + claims["orig"]["tn"], "dest": claims["dest"],
               "origid": claims["origid"], "iat": claims["iat"]}
    out = Output(a["json_out"])
    note = f"attest {claims['attest']} for a call from +{claims['orig']['tn']}"
    if a["output"] is not None:
        from wallet.storage.files import write_new_file

        write_new_file(a["output"], message, replace=True)
        out.notice(f"{note}; wrote the INVITE to {a['output']}")
        out.product({**summary, "output": a["output"], "invite": None})
    elif a["json_out"]:
        out.product({**summary, "output": None, "invite": message.decode("utf-8")})
    else:
        sys.stdout.buffer.write(message)
        sys.stdout.flush()
        out.notice(note)


def verify_sip(a: VerifyArgs) -> None:
    """``wallet verify --sip FILE --gateway-key PEM``."""
    from wallet.cli.common import read_input
    from wallet.cli.verification import parse_time
    from wallet.errors import Rejected, UsageError
    from wallet.interworking.gateway import load_public_key, verify_sip as check
    from wallet.interworking.sip import MAX_MESSAGE_BYTES

    if a["gateway_key"] is None:
        raise UsageError("--sip needs --gateway-key FILE: the trusted gateway's public key",
                         hint="the gateway's gateway-public.pem (wallet gateway init)")
    for option in ("audience", "expect_id", "policy", "trust", "replay_store", "fingerprint"):
        if a[option]:
            raise UsageError(f"--{option.replace('_', '-')} is for WebRTC assertions, not with --sip")
    if a["batch"]:
        raise UsageError("--batch is not available with --sip")
    when = parse_time(a["at"]) if a["at"] is not None else None
    key = load_public_key(read_input(a["gateway_key"], what="gateway key", limit=1 << 16))
    data = read_input(a["file"], what="SIP message", limit=MAX_MESSAGE_BYTES, oversize_ok=True)
    try:
        verdict = check(data, key=key, now=when)
    except Rejected as exc:
        if a["json_out"]:
            sys.stdout.write(json.dumps({"valid": False, "error": {"code": exc.code, "message": exc.message},
                                         "orig": None, "dest": None, "attest": None, "origid": None, "iat": None,
                                         "ppt": None, "x5u": None, "info": None}) + "\n")
            exc.in_product = True
        raise
    doc = verdict.to_json()
    if a["json_out"]:
        sys.stdout.write(json.dumps(doc) + "\n")
    else:
        sys.stdout.write(f"valid: a call from {doc['orig']} to {doc['dest']}, attest {doc['attest']} "
                         f"(origid {doc['origid']}), signed by the trusted gateway\n")

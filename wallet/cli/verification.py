"""``wallet verify``: check an identity assertion offline, one input or a JSON Lines stream."""

from __future__ import annotations

import json
import sys

from wallet.cli.common import read_input
from wallet.cli.output import Output

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from wallet.replay import ReplayStore

MAX_BATCH_LINE = 300 * 1024
_REQUEST_KEYS = {"sdp", "assertion", "audience", "fingerprints", "expect_id", "ref"}


def parse_time(text: str) -> float:
    """ISO 8601 (UTC if no offset is given) or Unix seconds."""
    from wallet.errors import UsageError

    try:
        return float(text)
    except ValueError:
        pass
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(f"invalid time {text!r}", hint="use ISO 8601 (2026-11-27T10:00:00Z) or Unix seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _replay_store(no_replay_check: bool, path: str | None) -> ReplayStore | None:
    if no_replay_check:
        return None
    from pathlib import Path

    from wallet.home import WalletHome
    from wallet.replay import ReplayStore

    return ReplayStore.open(Path(path) if path else WalletHome.resolve().path / "replay.db")


def _human(result: Any) -> str:
    import time

    what = ", ".join(f"{k}={v}" for k, v in result.disclosed.items()) or "nothing"
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(result.expires_at))
    return f"valid: {result.identity} ({result.state}) for {result.audience}; disclosed: {what}; expires {expires}"


def verify(
    file: str,
    audience: str | None,
    fingerprint: list[str] | None,
    expect_id: str | None,
    at: str | None,
    no_replay_check: bool,
    replay_store: str | None,
    batch: bool,
    json_out: bool,
) -> int:
    from wallet.cli.assertions import _fingerprints
    from wallet.errors import UsageError
    from wallet.verifier import MAX_INPUT_BYTES, verify as verify_one

    when = parse_time(at) if at is not None else None
    fingerprints = _fingerprints(fingerprint)
    if batch:
        return _batch(file, audience, fingerprints, expect_id, when, no_replay_check, replay_store)
    if audience is None:
        raise UsageError("--audience DEST is required: the destination you are", hint="e.g. --audience https://shop.example")
    data = read_input(file, what="input", limit=MAX_INPUT_BYTES, oversize_ok=True)
    if not fingerprints and not data.lstrip().startswith(b"v="):
        raise UsageError(
            "a bare assertion does not say which fingerprints it must cover",
            hint="verify the whole SDP, or pass --fingerprint 'sha-256 AB:...' from the DTLS handshake",
        )
    store = _replay_store(no_replay_check, replay_store)
    try:
        result = verify_one(data, audience=audience, fingerprints=fingerprints, expect_id=expect_id, at=when, replay=store)
    finally:
        if store is not None:
            store.close()
    if json_out:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    elif result.valid:
        sys.stdout.write(_human(result) + "\n")
    if result.error is not None:
        code, message = result.error
        Output(False).error(code, f"{code}: {message}", None)
    return result.exit_code


def _request(line: bytes, defaults: dict[str, Any]) -> dict[str, Any]:
    from wallet.jose import strict_json

    request = strict_json(line, what="request line")
    if not isinstance(request, dict):
        raise ValueError("each line must be a JSON object")
    unknown = set(request) - _REQUEST_KEYS
    if unknown:
        raise ValueError(f"unknown request field {sorted(unknown)[0]!r}")
    if ("sdp" in request) == ("assertion" in request):
        raise ValueError("each request carries exactly one of 'sdp' or 'assertion'")
    data = request.get("sdp", request.get("assertion"))
    fps = request.get("fingerprints", [])
    if not isinstance(data, str) or not isinstance(fps, list) or not all(isinstance(f, str) for f in fps):
        raise ValueError("'sdp'/'assertion' is a string and 'fingerprints' a list of strings")
    audience = request.get("audience", defaults["audience"])
    if not isinstance(audience, str):
        raise ValueError("each request needs an 'audience' (or pass --audience)")
    expect = request.get("expect_id", defaults["expect_id"])
    if expect is not None and not isinstance(expect, str):
        raise ValueError("'expect_id' is a string")
    return {"data": data, "fingerprints": [*defaults["fingerprints"], *fps], "audience": audience, "expect_id": expect}


def _lines(stream: BinaryIO) -> Any:
    """(line number, line or None if it was too long), reading at most MAX_BATCH_LINE bytes at a time."""
    number = 0
    while True:
        line = stream.readline(MAX_BATCH_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_BATCH_LINE and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of the oversized line
                line = stream.readline(MAX_BATCH_LINE)
            yield number, None
            continue
        yield number, line


def _batch(
    file: str,
    audience: str | None,
    fingerprints: list[Any],
    expect_id: str | None,
    when: float | None,
    no_replay_check: bool,
    replay_store: str | None,
) -> int:
    from wallet.errors import WalletError
    from wallet.verifier import VerifyResult, verify as verify_one

    defaults = {"audience": audience, "fingerprints": fingerprints, "expect_id": expect_id}
    stream: BinaryIO
    if file == "-":
        stream = sys.stdin.buffer
    else:
        try:
            stream = open(file, "rb")
        except OSError as exc:
            from wallet.errors import FileError

            raise FileError(f"cannot read {file}: {exc.strerror}") from None
    store = _replay_store(no_replay_check, replay_store)
    out = sys.stdout
    total = valid = 0
    try:
        for number, line in _lines(stream):
            if line is not None and not line.strip():
                continue
            total += 1
            ref = None
            if line is None:
                result = VerifyResult()
                result.error = ("too-large", f"the request line is longer than {MAX_BATCH_LINE} bytes")
            else:
                try:
                    request = _request(line, defaults)
                    ref = json.loads(line).get("ref")
                    result = verify_one(
                        request["data"],
                        audience=request["audience"],
                        fingerprints=request["fingerprints"],
                        expect_id=request["expect_id"],
                        at=when,
                        replay=store,
                    )
                except (ValueError, WalletError) as exc:
                    result = VerifyResult()
                    result.error = ("malformed", getattr(exc, "message", None) or str(exc))
            valid += result.valid
            doc = result.to_json()
            doc["line"] = number
            if ref is not None:
                doc["ref"] = ref
            out.write(json.dumps(doc) + "\n")
            if total % 512 == 0:
                out.flush()
                if store is not None:
                    store.commit()
        out.flush()
    finally:
        if store is not None:
            store.close()
        if stream is not sys.stdin.buffer:
            stream.close()
    Output.notice(f"verified {total} requests: {valid} valid, {total - valid} rejected")
    return 0

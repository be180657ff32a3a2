"""``wallet verify``: check an identity assertion offline, one input or a JSON Lines stream."""

from __future__ import annotations

import json
import sys

from wallet.cli.common import read_input
from wallet.cli.output import BatchProgress, Output, quoted

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, BinaryIO

    from wallet.assertions.replay import Replay
    from wallet.assertions.sdp import Fingerprint
    from wallet.cli._args import VerifyArgs
    from wallet.endorsements.trust import TrustStore
    from wallet.privacy.policy import Policy


def parse_time(text: str) -> float:
    """ISO 8601 (UTC if no offset is given) or Unix seconds."""
    from wallet.errors import UsageError

    import math

    hint = "use ISO 8601 (2026-11-27T10:00:00Z) or Unix seconds"
    try:
        seconds = float(text)
    except ValueError:
        from datetime import datetime, timezone

        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise UsageError(f"invalid time {text!r}", hint=hint) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        seconds = moment.timestamp()
    if not math.isfinite(seconds) or not 0 <= seconds < 2**53:
        raise UsageError(f"time {text!r} is out of range", hint=hint)
    return seconds


def _replay_store(no_replay_check: bool, spec: str | None, fail_open: bool) -> Replay | None:
    if no_replay_check:
        return None
    from wallet.storage.paths import default_replay_store
    from wallet.assertions.replay import open_store

    return open_store(spec if spec else default_replay_store(), fail_open=fail_open)


def _check_store_options(a: VerifyArgs) -> None:
    """Mistakes in --replay-store or --replay-fail-open are usage errors, found before any input is read."""
    from wallet.errors import UsageError

    spec = a["replay_store"]
    shared = False
    if spec is not None:  # imported only then: start-up of a plain verify
        from wallet.assertions.replay import is_url

        shared = is_url(spec)
        if shared and not a["no_replay_check"]:
            from wallet.assertions.shared_replay import parse_url

            parse_url(spec)
    if a["replay_fail_open"] and not shared:
        raise UsageError("--replay-fail-open is for a shared replay store (--replay-store redis://...)",
                         hint="a replay store file always fails closed")


def _unchecked_warning(store: Replay | None, where: str) -> None:
    from wallet.cli.output import Output

    reason = getattr(store, "last_failure", None) or "did not answer"
    Output.notice(f"warning: {where} accepted WITHOUT a replay check (--replay-fail-open): the shared replay store "
                  f"{reason}; it may be a replay")


def _safe(text: str) -> str:
    """Text from an assertion, made harmless for a terminal (no escape sequences, no line tricks)."""
    from wallet.text import for_terminal

    return for_terminal(text)


def _human(result: Any) -> str:
    import time

    if result.identity is None:
        return "valid: an undetectable caller (no identity), accepted by the policy; origin: undetected"
    # Values are JSON-quoted: self-asserted text cannot close its quote, nor start a line of its own, so it
    # can never pass for what an identity provider vouched for (one line per endorsement, below).
    what = ", ".join(f"{_safe(k)}={quoted(v)}" for k, v in result.disclosed.items()) or "nothing"
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(result.expires_at))
    origin = result.origin["status"] + (f" ({_safe(result.origin['url'])})" if result.origin.get("url") else "")
    sealed = ""
    if result.encrypted is not None:
        kid = _safe(str(result.encrypted["kid"] or "unnamed"))
        sealed = (f" (encrypted for your key {kid})" if result.encrypted["opened"] else
                  f" (an encrypted disclosure for key {kid} was not opened: give --decrypt-key)")
    lines = [f"valid: {result.identity} ({result.state}) for {result.audience}; self-asserted: {what}{sealed}; "
             f"origin: {origin}; expires {expires}"]
    lines += [f"verified by {_safe(e.issuer)} ({quoted(e.vct)}, status {e.status}): "
              + (", ".join(f"{_safe(k)}={quoted(v)}" for k, v in e.claims.items()) or "no claim shown")
              for e in result.endorsements]
    return "\n".join(lines)


def verify(a: VerifyArgs) -> None:
    if a["sip"] or a["gateway_key"] is not None:
        from wallet.errors import UsageError

        if not a["sip"]:
            raise UsageError("--gateway-key is for --sip", hint="add --sip: FILE is then a SIP INVITE")
        from wallet.cli.gateway import verify_sip

        verify_sip(a)
        return
    from wallet.cli.common import fingerprint_options
    from wallet.errors import UsageError
    from wallet.assertions.verify import MAX_INPUT_BYTES, verify as verify_one

    when = parse_time(a["at"]) if a["at"] is not None else None
    fingerprints = fingerprint_options(a["fingerprint"])
    from wallet.cli.privacy import load_policy_arg

    enforced = load_policy_arg(a["policy"]) if a["policy"] is not None else None
    from wallet.cli.trust import load_trust

    _check_store_options(a)
    decrypt_key = None
    if a["decrypt_key"] is not None:  # imported only then: start-up of a plain verify
        from wallet.cli.common import load_decrypt_key

        decrypt_key = load_decrypt_key(a["decrypt_key"])
    if a["batch"]:
        _batch(a["file"], a["audience"], fingerprints, a["expect_id"], when, a["no_replay_check"], a["replay_store"],
               enforced, load_trust(a["trust"], missing_ok=True), a["replay_fail_open"], decrypt_key)
        return
    if a["trust"] is not None:
        import os

        if not os.path.exists(os.path.expanduser(a["trust"])):  # a missing --trust FILE is the user's mistake
            load_trust(a["trust"], missing_ok=False)

    def trust() -> TrustStore:  # loaded only for an assertion that carries endorsements (start-up)
        return load_trust(a["trust"], missing_ok=True)

    if a["audience"] is None:
        raise UsageError("--audience DEST is required: the destination you are", hint="e.g. --audience https://shop.example")
    from wallet.assertions.verify import check_settings

    check_settings(a["audience"], fingerprints, when, None, a["expect_id"])  # usage errors before any reading
    data = read_input(a["file"], what="input", limit=MAX_INPUT_BYTES, oversize_ok=True,
                      awaited="assertion (an SDP, an a=identity line or a token)")
    store = _replay_store(a["no_replay_check"], a["replay_store"], a["replay_fail_open"])
    try:
        result = verify_one(
            data, audience=a["audience"], fingerprints=fingerprints, expect_id=a["expect_id"], at=when, replay=store,
            policy=enforced, trust=trust, decrypt_key=decrypt_key,
        )
    finally:
        if store is not None:
            store.close()
    if result.replay_unchecked:
        _unchecked_warning(store, "this assertion was")
    if a["json_out"]:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    elif result.valid:
        sys.stdout.write(_human(result) + "\n")
    if result.error is not None:
        result.error.in_product = a["json_out"]
        raise result.error


#: How long the input must stay empty before the answers so far go out: long enough that a writer refilling a
#: pipe is not taken for an idle co-process (bench/verify.py, requests on a pipe), short next to a call's setup.
IDLE_S = 0.005


def _lines(stream: BinaryIO) -> Iterator[bytes | object]:
    """Request lines from ``stream``: Blocks of complete lines as they arrive (workers split them),
    TOO_LONG for a line longer than MAX_REQUEST_BYTES, FLUSH whenever no complete line is waiting, so
    that a co-process writing one request and waiting for its answer gets it at once, while a full pipe
    is read in large blocks without a pause."""
    from wallet.assertions.batch import FLUSH, MAX_REQUEST_BYTES, TOO_LONG, Block

    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # not a file descriptor (a library caller's in-memory stream)
        fd = -1
    if fd < 0:
        yield from _buffered_lines(stream)
        return
    import os
    import select

    pending = b""
    skipping = False  # inside a line too long to read: drop it up to its newline
    while True:
        if skipping:
            end = pending.find(b"\n")
            if end >= 0:
                skipping = False
                yield TOO_LONG
                pending = pending[end + 1:]
            else:
                pending = b""
        if not skipping:
            end = pending.rfind(b"\n")
            if end >= 0:
                yield Block(pending[:end + 1])  # a worker marks a line in it longer than a request may be
                pending = pending[end + 1:]
            if len(pending) > MAX_REQUEST_BYTES:
                pending, skipping = b"", True
        if not select.select([fd], [], [], IDLE_S)[0]:
            yield FLUSH  # nothing more to read now: answer what was read before waiting for more
        try:
            block = os.read(fd, 1 << 16)
        except InterruptedError:
            continue
        if not block:
            if skipping:
                yield TOO_LONG
            elif pending:
                yield Block(pending)  # the last line, without its LF
            return
        pending += block


def _buffered_lines(stream: BinaryIO) -> Iterator[bytes | object]:
    from wallet.assertions.batch import MAX_REQUEST_BYTES, TOO_LONG

    while True:
        line = stream.readline(MAX_REQUEST_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_REQUEST_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of the oversized line
                line = stream.readline(MAX_REQUEST_BYTES)
            yield TOO_LONG
            continue
        yield line


def _batch(
    file: str,
    audience: str | None,
    fingerprints: list[Fingerprint],
    expect_id: str | None,
    when: float | None,
    no_replay_check: bool,
    replay_store: str | None,
    policy: Policy | None,
    trust: TrustStore,
    fail_open: bool = False,
    decrypt_key: dict[str, str] | None = None,
) -> None:
    """Connect stdin (or FILE) and stdout to wallet.assertions.batch.verify_batch; a summary on stderr."""
    from wallet.assertions.batch import Settings, verify_batch_chunks
    from wallet.assertions.verify import check_settings
    from wallet.errors import ReplayStoreUnavailable

    check_settings(audience, fingerprints, when, None, expect_id)  # usage errors before anything is opened
    if not no_replay_check:
        from wallet.assertions.replay import check_time

        check_time(when)
    stream: BinaryIO
    if file == "-":
        from wallet.cli.common import reading_terminal

        reading_terminal("requests (JSON Lines, one per line)")
        stream = sys.stdin.buffer
    else:
        try:
            stream = open(file, "rb")
        except OSError as exc:
            from wallet.errors import FileError

            raise FileError(f"cannot read {file}: {exc.strerror}") from None
    store = _replay_store(no_replay_check, replay_store, fail_open)
    total = valid = unchecked = 0
    out = sys.stdout
    progress = BatchProgress()
    try:
        settings = Settings.checked(audience, list(fingerprints), expect_id, when, policy, trust, store, decrypt_key)
        for chunk in verify_batch_chunks(_lines(stream), settings, replay=store):
            # one write per chunk: the calling process does nothing per request that it can do per chunk
            out.write("".join([text + "\n" for _, _, text, _ in chunk]))
            out.flush()
            total += len(chunk)
            valid += sum([ok for _, ok, _, _ in chunk])
            for number, _, _, was_unchecked in chunk:
                if was_unchecked:
                    unchecked += 1
                    _unchecked_warning(store, f"request {number} was")
            progress.update(total, valid)
        out.flush()
    except ReplayStoreUnavailable as exc:
        exc.message += (f"; the {total} result{'s' if total != 1 else ''} written before were recorded, the rest of "
                        "the input was not accepted") if total else ""
        raise
    except KeyboardInterrupt:
        from wallet.errors import Interrupted

        kept = " (their acceptances are recorded in the replay store)" if store is not None and valid else ""
        raise Interrupted(f"interrupted after {total} result{'s' if total != 1 else ''}, {valid} valid{kept}; "
                          "the rest of the input was not verified") from None
    finally:
        progress.close()
        if store is not None:
            store.close()
        if stream is not sys.stdin.buffer:
            stream.close()
    Output.notice(f"verified {total} request{'s' if total != 1 else ''}: {valid} valid, {total - valid} rejected"
                  + (f" ({unchecked} accepted WITHOUT a replay check: --replay-fail-open)" if unchecked else ""))

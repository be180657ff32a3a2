"""``wallet verify``: check an identity assertion offline, one input or a JSON Lines stream."""

from __future__ import annotations

import json
import sys

from wallet.cli.common import read_input
from wallet.cli.output import Output

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import VerifyArgs
    from typing import Any, BinaryIO

    from wallet.assertions.replay import ReplayStore

MAX_BATCH_LINE = 300 * 1024
_REQUEST_KEYS = {"sdp", "assertion", "audience", "fingerprints", "expect_id", "ref"}


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


def _replay_store(no_replay_check: bool, path: str | None) -> ReplayStore | None:
    if no_replay_check:
        return None
    from pathlib import Path

    from wallet.storage.paths import WalletHome
    from wallet.assertions.replay import ReplayStore

    return ReplayStore.open(Path(path) if path else WalletHome.resolve().path / "replay.db")


def _safe(text: str) -> str:
    """Text from an assertion, made harmless for a terminal (no escape sequences, no line tricks)."""
    from wallet.text import for_terminal

    return for_terminal(text)


def _human(result: Any) -> str:
    import time

    if result.identity is None:
        return "valid: an undetectable caller (no identity), accepted by the policy; origin: undetected"
    what = ", ".join(f"{_safe(k)}={_safe(v)}" for k, v in result.disclosed.items()) or "nothing"
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(result.expires_at))
    origin = result.origin["status"] + (f" ({_safe(result.origin['url'])})" if result.origin.get("url") else "")
    return (
        f"valid: {result.identity} ({result.state}) for {result.audience}; disclosed: {what}; "
        f"origin: {origin}; expires {expires}"
    )


def verify(a: VerifyArgs) -> None:
    from wallet.cli.assertions import _fingerprints
    from wallet.errors import UsageError
    from wallet.assertions.verify import MAX_INPUT_BYTES, verify as verify_one

    when = parse_time(a["at"]) if a["at"] is not None else None
    fingerprints = _fingerprints(a["fingerprint"])
    from wallet.cli.privacy import load_policy_arg

    enforced = load_policy_arg(a["policy"]) if a["policy"] is not None else None
    if a["batch"]:
        _batch(a["file"], a["audience"], fingerprints, a["expect_id"], when, a["no_replay_check"], a["replay_store"], enforced)
        return
    if a["audience"] is None:
        raise UsageError("--audience DEST is required: the destination you are", hint="e.g. --audience https://shop.example")
    data = read_input(a["file"], what="input", limit=MAX_INPUT_BYTES, oversize_ok=True)
    store = _replay_store(a["no_replay_check"], a["replay_store"])
    try:
        result = verify_one(
            data, audience=a["audience"], fingerprints=fingerprints, expect_id=a["expect_id"], at=when, replay=store, policy=enforced
        )
    finally:
        if store is not None:
            store.close()
    if a["json_out"]:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    elif result.valid:
        sys.stdout.write(_human(result) + "\n")
    if result.error is not None:
        result.error.in_product = a["json_out"]
        raise result.error


def _request(line: bytes, defaults: dict[str, Any]) -> dict[str, Any]:
    from wallet.encoding import strict_json

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
    expect = defaults["expect_id"]
    if "expect_id" in request:
        if not isinstance(request["expect_id"], str):
            raise ValueError("'expect_id' is a string")
        if expect is not None and request["expect_id"] != expect:
            raise ValueError("'expect_id' differs from --expect-id: a request cannot relax the pin")
        expect = request["expect_id"]
    return {
        "data": data,
        "fingerprints": [*defaults["fingerprints"], *fps],
        "audience": audience,
        "expect_id": expect,
        "ref": request.get("ref"),
    }


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


CHUNK_LINES = 256
CHUNK_BYTES = 512 * 1024


def _chunks(lines: Any) -> Any:
    """Chunks of at most CHUNK_LINES lines and about CHUNK_BYTES bytes: memory stays bounded by size."""
    chunk: list[Any] = []
    size = 0
    for item in lines:
        chunk.append(item)
        size += len(item[1] or b"")
        if len(chunk) == CHUNK_LINES or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


_DEFAULTS: dict[str, Any] = {}


def _verify_chunk(chunk: list[tuple[int, bytes | None]]) -> list[tuple[str, Any, bool]]:
    """Parse and verify one chunk of request lines (no replay store: that stays with the parent)."""
    from wallet.assertions.verify import VerifyResult, verify as verify_one
    from wallet.errors import Malformed, TooLarge, WalletError

    done = []
    for number, line in chunk:
        ref = None
        if line is None:
            result = VerifyResult()
            result.error = TooLarge(f"the request line is longer than {MAX_BATCH_LINE} bytes")
        else:
            try:
                request = _request(line, _DEFAULTS)
                ref = request["ref"]
                result = verify_one(
                    request["data"],
                    audience=request["audience"],
                    fingerprints=request["fingerprints"],
                    expect_id=request["expect_id"],
                    at=_DEFAULTS["at"],
                    policy=_DEFAULTS["policy"],
                )
            except (ValueError, WalletError) as exc:
                result = VerifyResult()
                result.error = Malformed(getattr(exc, "message", None) or str(exc))
        doc = result.to_json()
        doc["line"] = number
        if ref is not None:
            doc["ref"] = ref
        # Serialised here, in the worker; the parent only turns a valid result into "replayed" if needed.
        # An accepted undetectable caller (no identity, a policy allows it) has nothing to replay.
        replay_key = (result.identity, result.jti, result.expires_at) if result.valid and result.jti else None
        done.append((json.dumps(doc), replay_key, result.valid))
    return done


def _pool(workers: int) -> Any:
    """Worker processes where fork is available (libsodium and the parsing then use every core)."""
    import multiprocessing

    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts)
    return None


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops them: no traceback from a child."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _batch(
    file: str,
    audience: str | None,
    fingerprints: list[Any],
    expect_id: str | None,
    when: float | None,
    no_replay_check: bool,
    replay_store: str | None,
    policy: Any = None,
) -> int:
    """Stream JSON Lines: verify chunks in worker processes, check replays and write results in input order.

    The replay store and the output stay in this process, in input order;
    memory is bounded by the chunks in flight, whatever the input size.
    """
    import collections
    import os

    _DEFAULTS.update(audience=audience, fingerprints=fingerprints, expect_id=expect_id, at=when, policy=policy)
    stream: BinaryIO
    if file == "-":
        stream = sys.stdin.buffer
    else:
        try:
            stream = open(file, "rb")
        except OSError as exc:
            from wallet.errors import FileError

            raise FileError(f"cannot read {file}: {exc.strerror}") from None
    if not no_replay_check:
        from wallet.assertions.replay import check_time

        check_time(when)
    store = _replay_store(no_replay_check, replay_store)
    out = sys.stdout
    counts = [0, 0]

    def emit(done: list[tuple[str, Any, bool]]) -> None:
        # Record first, commit, and only then print: a "valid" line on stdout is an acceptance that
        # no later verifier can repeat, even if this process is killed or the disk fills right after.
        # The write lock is released by the commit, before stdout (which may block) is touched.
        keys = [key for _, key, _ in done if key is not None]
        fresh = iter(store.first_uses(keys)) if store is not None else iter([True] * len(keys))
        if store is not None:
            store.commit()
        lines = []
        for text, key, valid in done:
            if key is not None:
                valid = next(fresh)
            if key is not None and not valid:
                doc = json.loads(text)
                doc["valid"] = False
                doc["error"] = {"code": "replayed", "message": "this assertion was already accepted once (replay)"}
                text = json.dumps(doc)
            counts[0] += 1
            counts[1] += valid
            lines.append(text + "\n")
        out.write("".join(lines))
        out.flush()

    try:
        workers = int(os.environ.get("WALLET_VERIFY_WORKERS", "0")) or min(2, os.cpu_count() or 1)
    except ValueError:
        workers = 1
    requests = ((n, line) for n, line in _lines(stream) if line is None or line.strip())
    pool = _pool(workers)
    try:
        if pool is None:
            for chunk in _chunks(requests):
                emit(_verify_chunk(chunk))
        else:
            pending: collections.deque[Any] = collections.deque()
            for chunk in _chunks(requests):
                pending.append(pool.apply_async(_verify_chunk, (chunk,)))
                if len(pending) > 2 * workers:
                    emit(pending.popleft().get())
            while pending:
                emit(pending.popleft().get())
    finally:
        if pool is not None:
            pool.terminate()
        if store is not None:
            store.close()
        if stream is not sys.stdin.buffer:
            stream.close()
    total, valid = counts
    Output.notice(f"verified {total} requests: {valid} valid, {total - valid} rejected")
    return 0

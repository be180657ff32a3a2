"""Verifying many assertions: a stream of JSON requests in, one result per request out, in order.

    >>> from wallet.assertions.batch import verify_batch
    >>> lines = [b'{"assertion": "not a token", "fingerprints": [], "ref": 7}']
    >>> [r.to_json()["error"]["code"] for r in verify_batch(lines, audience="shop.example", workers=1)]
    ['malformed']

Each request is one JSON object (docs/assertion-format.md): ``{"sdp": ...}``
or ``{"assertion": ..., "fingerprints": [...]}``, with optional ``audience``,
``expect_id`` (which may not differ from the pinned one) and ``ref`` (echoed).
Requests are verified in chunks, in worker processes where the platform can
fork (libsodium then uses every core), while the replay store and the order of
the results stay in the calling process: for each chunk the (issuer, jti) of
every valid result is recorded and committed before any of that chunk's
results is yielded, so a result the caller sees as valid is an acceptance no
later verifier can repeat (docs/design.md). Memory is bounded by the chunks in
flight, whatever the length of the stream.
"""

from __future__ import annotations

import json

from wallet.assertions.sdp import Fingerprint
from wallet.errors import Malformed, Replayed, TooLarge, UsageError, WalletError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any, TypedDict

    from wallet.assertions.replay import Replay
    from wallet.endorsements.trust import TrustStore
    from wallet.privacy.policy import Policy

    class Request(TypedDict):
        data: str
        fingerprints: list[str | Fingerprint]
        audience: str
        expect_id: str | None
        ref: Any

    #: (line number, the request's bytes or None if it was too long to read)
    Numbered = tuple[int, bytes | None]
    #: What a worker hands back per request: (result JSON, replay keys of a valid result, valid). The
    #: keys: (issuer, jti, expires) of the assertion, then one per once-only endorsement it presents.
    Done = tuple[str, list[tuple[str, str, int]], bool]

MAX_REQUEST_BYTES = 300 * 1024
CHUNK_LINES = 256
CHUNK_BYTES = 512 * 1024
REQUEST_KEYS = frozenset({"sdp", "assertion", "audience", "fingerprints", "expect_id", "ref"})
#: An input item saying the input is idle: every result read so far goes out now (a co-process waits for it).
FLUSH = object()
#: An input item standing for a request line that was too long to read (its number is still counted).
TOO_LONG = object()


class Settings:
    """What every request of a batch shares (pinned audience, fingerprints and identity, time, policy, trust)."""

    __slots__ = ("audience", "fingerprints", "expect_id", "at", "policy", "trust")

    def __init__(
        self,
        audience: str | None,
        fingerprints: list[str | Fingerprint],
        expect_id: str | None,
        at: float | None,
        policy: Policy | None,
        trust: TrustStore | None = None,
    ) -> None:
        self.audience, self.fingerprints, self.expect_id, self.at, self.policy = (
            audience, fingerprints, expect_id, at, policy
        )
        self.trust = trust


class BatchResult:
    """One request's result: its line number, whether it is valid, and its JSON document (as text).

    ``replay_unchecked``: valid without a replay check (a shared store was down, and fail-open was chosen);
    the document then says ``"replay_unchecked": true``."""

    __slots__ = ("line", "valid", "text", "last_in_chunk", "replay_unchecked")

    def __init__(self, line: int, valid: bool, text: str, last_in_chunk: bool, replay_unchecked: bool = False) -> None:
        self.line, self.valid, self.text, self.last_in_chunk = line, valid, text, last_in_chunk
        self.replay_unchecked = replay_unchecked

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.text)
        return doc


def parse_request(line: bytes | str, settings: Settings) -> Request:
    """One request line, checked against the batch's settings (Malformed for anything wrong)."""
    from wallet.encoding import strict_json

    return check_request(strict_json(line, what="request line"), settings)


def check_request(request: Any, settings: Settings) -> Request:
    """A parsed request line, checked against the batch's settings (Malformed for anything wrong)."""
    if not isinstance(request, dict):
        raise Malformed("each line must be a JSON object")
    unknown = set(request) - REQUEST_KEYS
    if unknown:
        raise Malformed(f"unknown request field {sorted(unknown)[0]!r}")
    if ("sdp" in request) == ("assertion" in request):
        raise Malformed("each request carries exactly one of 'sdp' or 'assertion'")
    data = request.get("sdp", request.get("assertion"))
    fps = request.get("fingerprints", [])
    if not isinstance(data, str) or not isinstance(fps, list) or not all(isinstance(f, str) for f in fps):
        raise Malformed("'sdp'/'assertion' is a string and 'fingerprints' a list of strings")
    audience = request.get("audience", settings.audience)
    if not isinstance(audience, str):
        raise Malformed("each request needs an 'audience' (or a batch-wide one: --audience)")
    expect = settings.expect_id
    if "expect_id" in request:
        if not isinstance(request["expect_id"], str):
            raise Malformed("'expect_id' is a string")
        if expect is not None and request["expect_id"] != expect:
            raise Malformed("'expect_id' differs from the pinned one: a request cannot relax the pin")
        expect = request["expect_id"]
    return {"data": data, "fingerprints": [*settings.fingerprints, *fps], "audience": audience,
            "expect_id": expect, "ref": request.get("ref")}


def verify_chunk(chunk: list[Numbered], settings: Settings) -> list[Done]:
    """Parse and verify one chunk of request lines (no replay store: that stays with the caller)."""
    from wallet.assertions.verify import VerifyResult, verify
    from wallet.encoding import strict_json

    done: list[Done] = []
    for number, line in chunk:
        ref = None
        if line is None:
            result = VerifyResult()
            result.error = TooLarge(f"the request line is longer than {MAX_REQUEST_BYTES} bytes")
        else:
            try:
                parsed = strict_json(line, what="request line")
                if isinstance(parsed, dict):  # echoed even when another field is wrong
                    ref = parsed.get("ref")
                request = check_request(parsed, settings)
                result = verify(request["data"], audience=request["audience"], fingerprints=request["fingerprints"],
                                expect_id=request["expect_id"], at=settings.at, policy=settings.policy,
                                trust=settings.trust)
            except WalletError as exc:  # a request's own bad field is its verdict, never the batch's end
                result = VerifyResult()
                result.error = exc if isinstance(exc, (Malformed, TooLarge)) else Malformed(exc.message)
        doc: dict[str, Any] = dict(result.to_json())
        doc["line"] = number
        doc["ref"] = ref
        # Serialised here, in the worker; the caller only turns a valid result into "replayed" if needed.
        # An accepted undetectable caller (no identity, a policy allows it) has nothing to replay.
        keys: list[tuple[str, str, int]] = []
        if result.valid and result.identity is not None and result.jti is not None and result.expires_at is not None:
            keys = [(result.identity, result.jti, result.expires_at)]
            if result.endorsements:
                keys += [(e.issuer, "once:" + e.key_id, e.expires_at) for e in result.endorsements if e.once]
        done.append((json.dumps(doc, allow_nan=False), keys, result.valid))
    return done


def _chunks(numbered: Iterable[Numbered | object]) -> Iterator[tuple[list[Numbered], bool]]:
    """(chunk, idle) pairs: chunks of at most CHUNK_LINES lines and about CHUNK_BYTES bytes. FLUSH (the
    input is idle) ends one early and marks it idle: every result read so far must then go out; an idle
    mark may come with an empty chunk."""
    chunk: list[Numbered] = []
    size = 0
    for item in numbered:
        if item is FLUSH:
            yield chunk, True
            chunk, size = [], 0
            continue
        entry: Numbered = item  # type: ignore[assignment]
        chunk.append(entry)
        size += len(entry[1] or b"")
        if len(chunk) == CHUNK_LINES or size >= CHUNK_BYTES:
            yield chunk, False
            chunk, size = [], 0
    yield chunk, True  # the end of the input: everything still in flight goes out (the chunk may be empty)


def _numbered(requests: Iterable[bytes | str | object]) -> Iterator[Numbered | object]:
    """(line number, bytes) per non-blank request; blank lines are counted but not answered."""
    number = 0
    for item in requests:
        if item is FLUSH:
            yield FLUSH
            continue
        number += 1
        if item is TOO_LONG:
            yield (number, None)
            continue
        raw = item.encode("utf-8", "surrogatepass") if isinstance(item, str) else item
        if not isinstance(raw, bytes):
            raise UsageError("each batch request is bytes or text (one JSON object)")
        if len(raw) > MAX_REQUEST_BYTES:
            yield (number, None)
        elif raw.strip():
            yield (number, raw)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops them: no traceback from a child."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool(workers: int) -> Any:
    """Worker processes where fork is available; None to verify in this process."""
    import multiprocessing

    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts)
    return None


def default_workers() -> int:
    """WALLET_VERIFY_WORKERS if set (1 = one process), else one worker per core up to two."""
    import os

    try:
        return int(os.environ.get("WALLET_VERIFY_WORKERS", "0")) or min(2, os.cpu_count() or 1)
    except ValueError:
        return 1


def verify_batch(
    requests: Iterable[bytes | str | object],
    *,
    audience: str | None = None,
    fingerprints: list[str | Fingerprint] | None = None,
    expect_id: str | None = None,
    at: float | None = None,
    policy: Policy | None = None,
    replay: Replay | None = None,
    workers: int | None = None,
    trust: TrustStore | None = None,
) -> Iterator[BatchResult]:
    """Verify a stream of JSON requests; yield one :class:`BatchResult` per request, in input order.

    ``audience``, ``fingerprints``, ``expect_id``, ``at`` and ``policy`` apply to every
    request (a request may name its own audience and, if none is pinned here, its own
    expected identity). With ``replay``, each assertion is accepted at most once, and
    every chunk's acceptances are committed before its results are yielded. ``workers``
    processes verify (default: :func:`default_workers`). Items of ``requests`` are
    request lines (bytes or str), :data:`TOO_LONG` for a line too long to read, or
    :data:`FLUSH` to end a chunk early. ``trust`` holds the identity providers whose
    endorsements are believed (as for wallet.assertions.verify.verify). A malformed
    setting raises UsageError; a malformed request is only that request's verdict.
    """
    from wallet.assertions.verify import check_settings

    check_settings(audience, fingerprints, at, replay, expect_id)
    settings = Settings(audience, list(fingerprints or []), expect_id, at, policy, trust)
    processes = default_workers() if workers is None else workers
    pool = _pool(processes)
    try:
        if pool is None:
            for chunk, _ in _chunks(_numbered(requests)):
                if chunk:
                    yield from _merge(verify_chunk(chunk, settings), chunk, replay)
        else:
            import collections

            pending: collections.deque[tuple[Any, list[Numbered]]] = collections.deque()
            for chunk, idle in _chunks(_numbered(requests)):
                if chunk:
                    pending.append((pool.apply_async(verify_chunk, (chunk, settings)), chunk))
                # bounded read-ahead; an idle input gets every answer before the next read waits
                while pending and (idle or len(pending) > 2 * processes):
                    task, done_chunk = pending.popleft()
                    yield from _merge(task.get(), done_chunk, replay)
            while pending:  # never left behind, whatever marked the end
                task, done_chunk = pending.popleft()
                yield from _merge(task.get(), done_chunk, replay)
    finally:
        if pool is not None:
            pool.terminate()


def _merge(done: list[Done], chunk: list[Numbered], replay: Replay | None) -> Iterator[BatchResult]:
    """Record and commit the chunk's acceptances, then hand out its results (a replay becomes invalid)."""
    fresh: Sequence[bool | None] = []
    if replay is not None:
        keys: list[tuple[str, str, int]] = []
        for _, group, _ in done:
            keys.extend(group)
        fresh = replay.first_uses(keys)  # a shared store: one round trip for the chunk
        replay.commit()
    results = []
    at = 0
    for (text, group, valid), (number, _) in zip(done, chunk):
        n = len(group)
        if not n or replay is None:
            results.append(BatchResult(number, valid, text, False))
            continue
        first, rest = fresh[at], fresh[at + 1:at + n]
        at += n
        if first is False or False in rest:
            doc = json.loads(text)
            doc["valid"] = False
            err = Replayed("this assertion was already accepted once (replay)" if first is False else
                           "a once-only endorsement in this assertion was already presented (replay)")
            doc["error"] = {"code": err.code, "message": err.message}
            text, valid = json.dumps(doc), False
        elif first is None or None in rest:  # a shared store that is down, and the verifier chose fail-open
            doc = json.loads(text)
            doc["replay_unchecked"] = True
            results.append(BatchResult(number, valid, json.dumps(doc), False, True))
            continue
        results.append(BatchResult(number, valid, text, False))
    if results:
        results[-1].last_in_chunk = True
    yield from results

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
from wallet.assertions.verify import VerifyResult, check_settings, verify
from wallet.encoding import strict_json
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

    #: (number of its first line, the bytes or None if the line was too long to read, how many lines the
    #: bytes hold if they are a Block, 0 if they are one request)
    Numbered = tuple[int, bytes | None, int]
    #: What a worker hands back per request: (line number, result JSON, replay keys of a valid result, valid).
    #: The keys: (issuer, jti, expires) of the assertion, then one per once-only endorsement it presents.
    Done = tuple[int, str, list[tuple[str, str, int]], bool]
    #: A request's result after the replay check: (line number, valid, result JSON, accepted unchecked).
    Merged = tuple[int, bool, str, bool]

MAX_REQUEST_BYTES = 300 * 1024
CHUNK_LINES = 256
CHUNK_BYTES = 512 * 1024
REQUEST_KEYS = frozenset({"sdp", "assertion", "audience", "fingerprints", "expect_id", "ref"})
#: An input item saying the input is idle: every result read so far goes out now (a co-process waits for it).
FLUSH = object()
#: An input item standing for a request line that was too long to read (its number is still counted).
TOO_LONG = object()


class Block(bytes):
    """An input item: several complete request lines as read from a stream, each ended by LF (the last may
    lack it at the end of the input), each counted, blank ones unanswered. A worker splits them: the
    calling process never touches a line (wallet verify --batch reads its input so)."""

    __slots__ = ()


class Settings:
    """What every request of a batch shares (pinned audience, fingerprints and identity, time, policy, trust)."""

    __slots__ = ("audience", "fingerprints", "expect_id", "at", "policy", "trust", "decrypt_key")

    def __init__(
        self,
        audience: str | None,
        fingerprints: list[str | Fingerprint],
        expect_id: str | None,
        at: float | None,
        policy: Policy | None,
        trust: TrustStore | None = None,
        decrypt_key: dict[str, str] | None = None,
    ) -> None:
        self.audience, self.fingerprints, self.expect_id, self.at, self.policy = (
            audience, fingerprints, expect_id, at, policy
        )
        self.trust = trust
        #: The destination's private X25519 JWK: each request's encrypted disclosure is opened with it.
        self.decrypt_key = decrypt_key

    @classmethod
    def checked(
        cls,
        audience: str | None,
        fingerprints: list[str | Fingerprint] | None,
        expect_id: str | None,
        at: float | None,
        policy: Policy | None,
        trust: TrustStore | None,
        replay: Replay | None,
        decrypt_key: dict[str, str] | None = None,
    ) -> Settings:
        """The batch's settings once checked (UsageError for a malformed one, before any request is read)."""
        check_settings(audience, fingerprints, at, replay, expect_id)
        return cls(audience, list(fingerprints or []), expect_id, at, policy, trust, decrypt_key)


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
    done: list[Done] = []
    for number, data, block in chunk:
        if data is None or not block:  # one request (or a line too long to read)
            _verify_line(number, data, settings, done)
            continue
        lines = data.split(b"\n")
        if not lines[-1]:
            lines.pop()  # after the last LF
        last = len(lines) - 1 if not data.endswith(b"\n") else -1  # the input's last line, without its LF
        for at, line in enumerate(lines):
            if len(line) + (at != last) > MAX_REQUEST_BYTES:  # counting its LF, as for a single line
                _verify_line(number, None, settings, done)
            elif line and not line.isspace():
                _verify_line(number, line, settings, done)
            number += 1
    return done


def _verify_line(number: int, line: bytes | None, settings: Settings, done: list[Done]) -> None:
    """One request line's result, appended to ``done``."""
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
                            trust=settings.trust, decrypt_key=settings.decrypt_key)
        except WalletError as exc:  # a request's own bad field is its verdict, never the batch's end
            result = VerifyResult()
            result.error = exc if isinstance(exc, (Malformed, TooLarge)) else Malformed(exc.message)
    doc: dict[str, Any] = result.to_json()  # type: ignore[assignment]  # a fresh dict, two keys added
    doc["line"] = number
    doc["ref"] = ref
    # Serialised here, in the worker; the caller only turns a valid result into "replayed" if needed.
    # An accepted undetectable caller (no identity, a policy allows it) has nothing to replay.
    keys: list[tuple[str, str, int]] = []
    if result.valid and result.identity is not None and result.jti is not None and result.expires_at is not None:
        keys = [(result.identity, result.jti, result.expires_at)]
        if result.endorsements:
            keys += [(e.issuer, "once:" + e.key_id, e.expires_at) for e in result.endorsements if e.once]
    done.append((number, _ENCODER.encode(doc), keys, result.valid))


_ENCODER = json.JSONEncoder(allow_nan=False)  # built once: json.dumps(allow_nan=False) builds one per call


def _chunks(numbered: Iterable[Numbered | object]) -> Iterator[tuple[list[Numbered], bool]]:
    """(chunk, idle) pairs: chunks of at most CHUNK_LINES lines and about CHUNK_BYTES bytes. FLUSH (the
    input is idle) ends one early and marks it idle: every result read so far must then go out; an idle
    mark may come with an empty chunk."""
    chunk: list[Numbered] = []
    size = lines = 0
    for item in numbered:
        if item is FLUSH:
            yield chunk, True
            chunk, size, lines = [], 0, 0
            continue
        entry: Numbered = item  # type: ignore[assignment]
        chunk.append(entry)
        data = entry[1] or b""
        size += len(data)
        lines += entry[2] or 1
        if lines >= CHUNK_LINES or size >= CHUNK_BYTES:
            yield chunk, False
            chunk, size, lines = [], 0, 0
    yield chunk, True  # the end of the input: everything still in flight goes out (the chunk may be empty)


def _numbered(requests: Iterable[bytes | str | object]) -> Iterator[Numbered | object]:
    """(line number, bytes) per non-blank request; blank lines are counted but not answered."""
    number = 0
    for item in requests:
        if item is FLUSH:
            yield FLUSH
            continue
        if isinstance(item, Block):
            if not item:
                continue
            count = item.count(b"\n") + (not item.endswith(b"\n"))
            yield (number + 1, bytes(item), count)
            number += count
            continue
        number += 1
        if item is TOO_LONG:
            yield (number, None, 0)
            continue
        raw = item.encode("utf-8", "surrogatepass") if isinstance(item, str) else item
        if not isinstance(raw, bytes):
            raise UsageError("each batch request is bytes or text (one JSON object)")
        if len(raw) > MAX_REQUEST_BYTES:
            yield (number, None, 0)
        elif raw and not raw.isspace():
            yield (number, raw, 0)


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
    decrypt_key: dict[str, str] | None = None,
) -> Iterator[BatchResult]:
    """Verify a stream of JSON requests; yield one :class:`BatchResult` per request, in input order.

    ``audience``, ``fingerprints``, ``expect_id``, ``at`` and ``policy`` apply to every
    request (a request may name its own audience and, if none is pinned here, its own
    expected identity). With ``replay``, each assertion is accepted at most once, and
    every chunk's acceptances are committed before its results are yielded. ``workers``
    processes verify (default: :func:`default_workers`). Items of ``requests`` are
    request lines (bytes or str), a :class:`Block` of lines, :data:`TOO_LONG` for a line
    too long to read, or :data:`FLUSH` to end a chunk early. ``trust`` holds the identity
    providers whose endorsements are believed (as for wallet.assertions.verify.verify), and
    ``decrypt_key`` opens disclosures encrypted for this destination (the same). A malformed
    setting raises UsageError; a malformed request is only that request's verdict.
    """
    settings = Settings.checked(audience, fingerprints, expect_id, at, policy, trust, replay, decrypt_key)
    for merged in verify_batch_chunks(requests, settings, replay=replay, workers=workers):
        results = [BatchResult(number, valid, text, False, unchecked) for number, valid, text, unchecked in merged]
        if results:
            results[-1].last_in_chunk = True
        yield from results


def verify_batch_chunks(
    requests: Iterable[bytes | str | object], settings: Settings, *, replay: Replay | None = None,
    workers: int | None = None,
) -> Iterator[list[Merged]]:
    """:func:`verify_batch`, a chunk at a time (``settings`` from :meth:`Settings.checked`): (line, valid,
    result JSON, accepted unchecked) per request of the chunk, in input order, its acceptances committed.
    What `wallet verify --batch` writes out whole."""
    processes = default_workers() if workers is None else workers
    pool = _pool(processes)
    try:
        if pool is None:
            for chunk, _ in _chunks(_numbered(requests)):
                if chunk:
                    yield _merge(verify_chunk(chunk, settings), replay)
        else:
            import collections

            pending: collections.deque[Any] = collections.deque()
            for chunk, idle in _chunks(_numbered(requests)):
                if chunk:
                    pending.append(pool.apply_async(verify_chunk, (chunk, settings)))
                # bounded read-ahead; an idle input gets every answer before the next read waits
                while pending and (idle or len(pending) > 2 * processes):
                    yield _merge(pending.popleft().get(), replay)
            while pending:  # never left behind, whatever marked the end
                yield _merge(pending.popleft().get(), replay)
    finally:
        if pool is not None:
            pool.terminate()


def _merge(done: list[Done], replay: Replay | None) -> list[Merged]:
    """Record and commit the chunk's acceptances, then hand out its results (a replay becomes invalid)."""
    if replay is None:
        return [(number, valid, text, False) for number, text, _, valid in done]
    keys: list[tuple[str, str, int]] = []
    for _, _, group, _ in done:
        keys.extend(group)
    fresh: Sequence[bool | None] = replay.first_uses(keys)  # a shared store: one round trip for the chunk
    replay.commit()
    results: list[Merged] = []
    at = 0
    for number, text, group, valid in done:
        n = len(group)
        if not n:
            results.append((number, valid, text, False))
            continue
        first, rest = fresh[at], fresh[at + 1:at + n]
        at += n
        if first is False or False in rest:
            doc = json.loads(text)
            doc["valid"] = False
            err = Replayed("this assertion was already accepted once (replay)" if first is False else
                           "a once-only endorsement in this assertion was already presented (replay)")
            doc["error"] = {"code": err.code, "message": err.message}
            results.append((number, False, json.dumps(doc), False))
        elif first is None or None in rest:  # a shared store that is down, and the verifier chose fail-open
            doc = json.loads(text)
            doc["replay_unchecked"] = True
            results.append((number, valid, json.dumps(doc), True))
        else:
            results.append((number, valid, text, False))
    return results

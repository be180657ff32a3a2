"""wallet.verify_batch: the library's streaming batch verifier (the CLI only connects stdin and stdout to it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import wallet
from attack_corpus import AUDIENCE, b64u, fresh_signed_sdp
from wallet.assertions.batch import FLUSH, TOO_LONG
from wallet.assertions.replay import ReplayStore
from wallet.errors import UsageError


def request(i: int, **extra: object) -> bytes:
    return json.dumps({"sdp": fresh_signed_sdp(jti=b64u(i.to_bytes(16, "big"))).decode(), "ref": i, **extra}).encode()


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_in_order_with_their_line_numbers(workers: int) -> None:
    lines = [request(i) for i in range(600)]
    lines.insert(10, b"   \n")  # blank: counted, not answered
    results = list(wallet.verify_batch(lines, audience=AUDIENCE, workers=workers))
    assert [r.to_json()["ref"] for r in results] == list(range(600))
    assert results[10].line == 12 and all(r.valid for r in results)


def test_the_replay_merge_refuses_a_second_copy_in_and_across_chunks(tmp_path: Path) -> None:
    store = ReplayStore.open(tmp_path / "v" / "replay.db")
    lines = [request(1), request(2), request(1)] + [request(i) for i in range(3, 300)] + [request(2)]
    results = list(wallet.verify_batch(lines, audience=AUDIENCE, replay=store, workers=1))
    codes = [r.to_json()["error"] and r.to_json()["error"]["code"] for r in results]
    assert codes[:3] == [None, None, "replayed"] and codes[-1] == "replayed" and codes.count("replayed") == 2
    store.close()


def test_it_streams_a_consumer_gets_answers_before_the_input_ends() -> None:
    """A generator of requests that is never exhausted: FLUSH makes the answers so far come out."""
    def endless():
        yield request(1)
        yield FLUSH
        raise AssertionError("read past the flush before answering")

    results = wallet.verify_batch(endless(), audience=AUDIENCE, workers=1)
    first = next(results)
    assert first.valid and first.last_in_chunk


def test_settings_are_arguments_two_batches_side_by_side() -> None:
    """No module global: two batches with different audiences, interleaved in one process."""
    a = wallet.verify_batch([request(i) for i in range(3)], audience=AUDIENCE, workers=1)
    b = wallet.verify_batch([request(i) for i in range(3)], audience="https://bank.example", workers=1)
    pairs = [(next(a).valid, next(b).to_json()["error"]["code"]) for _ in range(3)]
    assert pairs == [(True, "audience-mismatch")] * 3


def test_bad_items_are_that_request_s_verdict_and_bad_settings_a_usage_error() -> None:
    results = list(wallet.verify_batch([b"{}", b"not json", TOO_LONG, request(5, unexpected=1)], audience=AUDIENCE,
                                       workers=1))
    assert [r.to_json()["error"]["code"] for r in results] == ["malformed", "malformed", "too-large", "malformed"]
    with pytest.raises(UsageError):
        list(wallet.verify_batch([request(1)], audience="not a destination", workers=1))
    with pytest.raises(UsageError):
        list(wallet.verify_batch([request(1)], audience=AUDIENCE, fingerprints=["garbage"], workers=1))

"""Review 15: adversarial findings against `wallet browser-signer` (wallet/browser/signer.py, wallet/cli/browser.py).

Each test fails on e2f7055 and passes once its finding is fixed. They drive the real program on a pseudo-terminal
through the helpers of tests/test_browser_signer.py.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

from test_browser_signer import CONTENTS, IDP, PAGE, Signer, _answer_in_background, env, signer  # noqa: F401

OTHER = "https://other.example"


def _drain(signer: Signer, seconds: float) -> None:
    """Collect what the program writes to its terminal for ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        signer.term._read(deadline)


def _history(cli: Any) -> list[dict[str, Any]]:
    return json.loads(cli(["history", "--json"]).out)["history"]


def test_slow_client_cannot_hold_a_connection_past_the_read_timeout(signer: Signer) -> None:
    """Medium. A client that sends its request one byte a second keeps its connection (and a handler thread)
    forever: READ_TIMEOUT is a per-recv socket timeout (``_Handler.timeout``), not a deadline for the request.

    Why it matters: signer.py documents "a body ... read within READ_TIMEOUT seconds" and READ_TIMEOUT as
    "Seconds a client has to send its request (line, headers and body) once connected"; docs/browser.md lists
    "a slow request" as guarded. ThreadingHTTPServer starts one thread per accepted connection with no limit,
    and the uid check (``_Handler._common``) runs only after the request line and headers are read, so ANY
    local user (not only this uid) can open thousands of dribbling connections, exhaust threads/file
    descriptors and keep the proxy's real request from being served (slowloris).
    Where: wallet/browser/signer.py ``_Handler.timeout = READ_TIMEOUT`` / ``Endpoint`` (no per-connection
    deadline, no connection cap, uid checked after parsing instead of at accept in ``verify_request``).
    """
    from wallet.browser.signer import READ_TIMEOUT

    conn = socket.create_connection(("127.0.0.1", signer.port))
    conn.sendall(f"POST /sign HTTP/1.1\r\nHost: 127.0.0.1:{signer.port}\r\n".encode())
    started = time.monotonic()
    closed_after = None
    while time.monotonic() - started < READ_TIMEOUT + 10:
        try:
            conn.sendall(b"X")  # one byte of a header line, well within each per-read timeout
            conn.settimeout(1.0)
            if conn.recv(4096, socket.MSG_PEEK) == b"":
                closed_after = time.monotonic() - started
                break
            closed_after = time.monotonic() - started  # the server answered (and closes): the request is over
            break
        except TimeoutError:
            continue
        except OSError:
            closed_after = time.monotonic() - started
            break
    conn.close()
    assert closed_after is not None and closed_after <= READ_TIMEOUT + 3, \
        f"a client dribbling its headers still held its connection after {time.monotonic() - started:.0f} s"


def test_hostile_requests_cannot_scroll_the_question_away(signer: Signer) -> None:
    """Medium. While the user is being asked, every refused request (any Origin, any local uid, a web page's
    own fetch) writes a log line to the same terminal, after "Sign? [y/N]": the question the user must answer
    is pushed off screen by text the attacker triggers and partly chooses.

    Why it matters: the prompt is the only guard against same-uid processes and the guard for every page
    (docs/browser.md "What guards what"). A page in another tab (or any local user, whose refusals are logged
    too) can flood the terminal at the moment a prompt for its own origin is open so the "site:" line scrolls
    away, and the Origin header text (80 characters, spaces kept by ascii()) is echoed into those lines, enough
    to draw a fake "  site:      https://..." on its own visual line by padding to the terminal width.
    There is no rate limit and no re-display of the question.
    Where: wallet/browser/signer.py ``_Handler._refuse`` -> ``Endpoint.log`` (wallet/cli/browser.py ``_log``
    writes to stderr, the terminal) while ``_Asker._decide`` waits in ``_Terminal.ask``.
    """
    shown_thread, _ = _answer_in_background(signer.term, None)
    waiting = threading.Thread(target=signer.post, daemon=True)
    waiting.start()
    shown_thread.join(60)
    for _ in range(30):
        status, _, _ = signer.post(origin="https://evil.example")
        assert status == 403
    _drain(signer, 1.0)
    screen = signer.term.text()
    after_question = screen.rsplit("Sign? [y/N]", 1)[1]
    signer.term.send("n")
    waiting.join(30)
    signer.stop()
    assert "refused a request" not in after_question, (
        f"{after_question.count(chr(10))} lines written after the question while it waits for the answer:\n"
        + after_question[:400])


def test_linkable_refusal_does_not_tell_the_requester_where_else_the_certificate_was_used(
        env: dict[str, str], cli: Any) -> None:
    """Medium. A request for an unlinkable site with a certificate the wallet already signed for another site
    is refused (good) but the HTTP answer says where: "... (signed for https://shop.example)". No prompt is
    shown first (the linkability check runs before the question).

    Why it matters: the requester learns, from the user's encrypted ledger, which other destination got a
    signature over that DTLS fingerprint - a cross-site history oracle handed to whoever posts, without the user
    being asked. Any same-uid process can feed fingerprints it saw in signalling and map them to sites without
    the passphrase; the IdP proxy (and through its Error, possibly the page) receives it too. sign-sdp prints this
    to the user, which is fine; browser-signer forwards WalletError.message verbatim to the network.
    Where: wallet/browser/signer.py ``do_POST`` ``except WalletError`` answers ``err.message``;
    wallet/cli/browser.py ``_Asker._decide`` -> wallet/cli/assertions.py ``_linkability`` (LinkableRefused text).
    """
    assert cli(["rule", "add", "--dest", PAGE, "--state", "unlinkable"]).code == 0
    assert cli(["rule", "add", "--dest", OTHER, "--state", "unlinkable"]).code == 0
    running = Signer(env, "--dangerous-approve-for", PAGE, "--prompt-timeout", "2")
    status, _, doc = running.post()
    assert status == 200, doc
    status, _, doc = running.post({"contents": CONTENTS, "origin": OTHER})
    running.stop()
    assert status == 403 and "assertion" not in doc, doc
    assert "shop.example" not in json.dumps(doc), doc


def test_undetectable_refusal_looks_like_any_other_refusal(signer: Signer, cli: Any) -> None:
    """Low. For a site the user's rules make `undetectable`, the answer says so: "the wallet's rules send no
    identity to https://shop.example (undetectable)", unlike a user's no ("the user refused").

    Why it matters: `undetectable` means the site must not learn that a wallet (or a rule about it) exists;
    sign-sdp strips a=identity and outputs the SDP as if no wallet ran. browser-signer instead tells the
    requester (the IdP proxy, whose Error message goes back toward the page) that this user has a wallet and a
    rule hiding it from that site. (The instant answer, without the prompt's delay, is a timing tell too.)
    Where: wallet/cli/browser.py ``_Asker._decide`` (``raise Declined(f"the wallet's rules send no identity to
    {origin} (undetectable)")``) and wallet/browser/signer.py ``do_POST`` forwarding ``err.message``.
    """
    thread, _ = _answer_in_background(signer.term, "n")
    status, _, refused_by_user = signer.post({"contents": CONTENTS, "origin": OTHER})
    thread.join(10)
    assert status == 403
    assert cli(["rule", "add", "--dest", PAGE, "--state", "undetectable"]).code == 0
    status, _, undetectable = signer.post()
    signer.stop()
    assert status == 403
    assert undetectable == refused_by_user, (undetectable, refused_by_user)


def test_origins_the_proxy_cannot_read_are_refused_before_signing(env: dict[str, str], cli: Any) -> None:
    """Low. browser-signer signs and records assertions for page origins the IdP proxy refuses to read (an
    xn-- label, an IPv6 literal: wallet.browser.proxy.browser_origin), where `sign-sdp --idp-domain` refuses
    them before signing (``check_browser_call``).

    Why it matters: docs/browser.md says it "runs the same ... 'never sign what verifiers refuse' checks".
    Here a yes (or --dangerous-approve-for) signs, records a disclosure in the ledger (and the linkability
    "seen" traits), and sends the token to the IdP sandbox, whose generate() then throws: the ledger reports a
    disclosure the site never received and the user approved something that could not work. Firefox passes
    exactly such origins for IDN and IPv6 pages.
    Where: wallet/cli/browser.py ``_Asker._decide`` (no ``check_browser_call(plan.destination,
    plan.outcome.origin)`` as wallet/cli/assertions.py ``sign_sdp`` does); wallet/browser/signer.py
    ``parse_request`` accepts them.
    """
    origins = ["https://xn--bcher-kva.example", "https://[::1]"]
    running = Signer(env, *[x for o in origins for x in ("--dangerous-approve-for", o)], "--prompt-timeout", "2")
    answers = [running.post({"contents": CONTENTS, "origin": o}) for o in origins]
    running.stop()
    for origin, (status, _, doc) in zip(origins, answers):
        assert status != 200 and "assertion" not in doc, (origin, doc)
    assert _history(cli) == []


def test_a_keystroke_arriving_as_the_question_appears_does_not_approve_it(env: dict[str, str], cli: Any) -> None:
    """Low. An answer typed the instant the question is drawn (no human could have read it) approves it:
    type-ahead is flushed only up to the moment the question is written (``tcflush`` then ``os.write``).

    Why it matters: a page can time its request to the end of another prompt: while one is open it gets 409
    `busy`, so by polling it learns the exact moment the previous question was answered or timed out, and its
    own question appears ~50 ms later. A user pressing y (or y + Enter) for the previous question at its deadline
    approves the attacker's question instead - a late answer approving a different request. A short minimum
    display time (input in the first ~0.5-1 s after the question is discarded) closes the race.
    Where: wallet/cli/browser.py ``_Terminal.ask`` (the first line read after the question counts, however soon).
    """
    running = Signer(env, "--prompt-timeout", "2")
    answered: list[float] = []

    def answer_at_once() -> None:
        running.term.expect("Sign? [y/N]", timeout=60)
        running.term.send("y")
        answered.append(time.monotonic())

    thread = threading.Thread(target=answer_at_once, daemon=True)
    thread.start()
    status, _, doc = running.post()
    thread.join(10)
    running.stop()
    assert (status, doc.get("error", {}).get("code")) == (403, "declined"), doc
    assert _history(cli) == []

"""Use case 7.1: Alice calls insurers' call centres from their websites (click-to-link, single CS).

She stays undetectable where visitors are welcome, uses a pseudonym where authentication is required, and the
call centres cannot link her calls to each other, to her employer or to the website that sent her.
"""

from __future__ import annotations

from pathlib import Path

from parties import CHROME, FIREFOX, Party, assertion_text


def test_undetectable_where_allowed_pseudonymous_where_required_never_linkable(tmp_path: Path) -> None:
    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "work", "--attr", "email=alice@employer.example", "--attr", "org=employer.example")
    alice.ok("rule", "add", "--service", "click-to-link", "--state", "undetectable",
             "--on-conflict", "fallback:pseudonymous")
    open_insurer = Party(tmp_path, "insurer-a")
    open_policy = open_insurer.policy(party="insurer-a.example", accept=["undetectable", "pseudonymous", "identified"])
    strict_insurer = Party(tmp_path, "insurer-b")
    strict_policy = strict_insurer.policy(party="insurer-b.example", accept=["pseudonymous", "identified"])
    clinic = Party(tmp_path, "clinic-c")
    clinic_policy = clinic.policy(party="clinic-c.example", accept=["pseudonymous"])
    ctx = ["--service", "click-to-link", "--model", "single-cs", "--origin", "https://health-portal.example/sensitive/page"]

    # Insurer A welcomes visitors: Alice stays undetectable, the offer passes unchanged.
    sdp_a, notice = alice.sign(CHROME, "insurer-a.example", *ctx, "--policy", open_policy)
    assert sdp_a == CHROME.read_bytes() and "undetectable" in notice
    code, seen = open_insurer.verify(sdp_a, "insurer-a.example", "--policy", open_policy)
    assert code == 0 and seen["identity"] is None and seen["origin"]["status"] == "undetected"

    # Insurer B and clinic C require authentication: the rule falls back to her pseudonym.
    sdp_b, notice_b = alice.sign(CHROME, "insurer-b.example", *ctx, "--policy", strict_policy)
    sdp_c, _ = alice.sign(FIREFOX, "clinic-c.example", *ctx, "--policy", clinic_policy)
    code_b, seen_b = strict_insurer.verify(sdp_b, "insurer-b.example", "--policy", strict_policy)
    code_c, seen_c = clinic.verify(sdp_c, "clinic-c.example", "--policy", clinic_policy)
    assert code_b == 0 and code_c == 0
    assert seen_b["identity"]["state"] == seen_c["identity"]["state"] == "pseudonymous"
    assert "decided by rule" in notice_b and "pseudonymous: pairwise key" in notice_b

    # What they can see: a pseudonymous, verified identity; no employer, e-mail or originating page.
    for seen in (seen_b, seen_c):
        assert seen["disclosed"] == {} and seen["origin"] == {"status": "withheld", "url": None}
    readable = (sdp_b + sdp_c).decode() + assertion_text(sdp_b) + assertion_text(sdp_c)
    assert '"iss"' in readable  # the decoded assertions really are part of what is searched
    for secret in ("employer.example", "alice", "health-portal"):
        assert secret not in readable
    # What they cannot do: link her. Each saw a pairwise pseudonym of its own, unrelated to the other's and to
    # her work identity (which her employer's systems would know).
    assert seen_b["identity"]["id"] != seen_c["identity"]["id"]
    work_ids = {alice.ok("pseudonym", d, "--persona", "work", "--scope", "persona").out.strip()
                for d in ("insurer-b.example", "clinic-c.example")}
    assert not work_ids & {seen_b["identity"]["id"], seen_c["identity"]["id"]}


def test_with_unlinkable_callers_two_call_centres_see_unrelated_identities(tmp_path: Path) -> None:
    alice = Party(tmp_path, "alice").init()
    alice.ok("rule", "add", "--service", "click-to-link", "--state", "unlinkable")
    b = Party(tmp_path, "b")
    seen = []
    for site in ("insurer-b.example", "insurer-b.example", "clinic-c.example"):
        sdp, _ = alice.sign(CHROME, site, "--service", "click-to-link")
        code, doc = b.verify(sdp, site, "--no-replay-check")
        assert code == 0 and doc["identity"]["state"] == "unlinkable"
        seen.append(doc["identity"]["id"])
    assert len(set(seen)) == 3  # not even two calls to the same centre can be linked

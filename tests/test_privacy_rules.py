"""Rules, destination categories, policies and reconciliation: precedence, conflicts, notices, exit codes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from conftest import snapshot
from wallet.privacy.policy import Policy
from wallet.privacy.reconcile import Intent, reconcile

FP = "sha-256 " + ":".join(["AB"] * 32)


def write_policy(tmp_path: Path, name: str, **doc) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"version": 1, "require": [], **doc}))
    return str(path)


def explain(cli, *args: str) -> dict:
    r = cli(["explain", *args, "--json"])
    assert r.code == 0, r.err
    return json.loads(r.out)


@pytest.fixture
def alice(cli, file_wallet: Path) -> Path:
    assert cli(["persona", "add", "work", "--attr", "email=alice@corp.example", "--attr", "display_name=Alice",
                "--attr", "org=corp.example"]).code == 0
    return file_wallet


def test_precedence_destination_beats_category_beats_service_beats_defaults(cli, alice: Path) -> None:
    assert cli(["dest", "set", "bob.corp.example", "--category", "inner-circle"]).code == 0
    assert explain(cli, "--to", "bob.corp.example")["decided_by"] == "built-in default for inner-circle destinations"
    cli(["rule", "add", "--service", "contact-list", "--state", "pseudonymous"])
    cli(["rule", "add", "--service", "contact-list", "--model", "single-cs", "--state", "unlinkable"])
    cli(["rule", "add", "--category", "inner-circle", "--state", "identified", "--persona", "work", "--disclose", "email"])
    cli(["rule", "add", "--dest", "*.corp.example", "--state", "pseudonymous", "--persona", "work"])
    cli(["rule", "add", "--dest", "*.bob.corp.example", "--state", "identified", "--persona", "work", "--disclose", "display_name"])
    cli(["rule", "add", "--dest", "bob.corp.example", "--state", "identified", "--persona", "work", "--disclose", "email,display_name"])
    ctx = ["--service", "contact-list", "--model", "single-cs"]
    assert explain(cli, "--to", "bob.corp.example", *ctx)["disclosed"] == {"email": "alice@corp.example", "display_name": "Alice"}
    assert explain(cli, "--to", "x.bob.corp.example", *ctx)["disclosed"] == {"display_name": "Alice"}  # longer pattern
    assert explain(cli, "--to", "carol.corp.example", *ctx)["state"] == "pseudonymous"  # *.corp.example
    cli(["dest", "set", "dave.partner.example", "--category", "inner-circle"])
    assert explain(cli, "--to", "dave.partner.example", *ctx)["disclosed"] == {"email": "alice@corp.example"}  # category
    assert explain(cli, "--to", "shop.example", *ctx)["state"] == "unlinkable"  # service + model beat service alone
    assert explain(cli, "--to", "shop.example", "--service", "contact-list")["state"] == "pseudonymous"
    doc = explain(cli, "--to", "shop.example")
    assert doc["default_used"] is True and doc["state"] == "pseudonymous"  # unknown destinations are uncertain


def test_built_in_defaults_follow_the_seed(cli, alice: Path) -> None:
    click = explain(cli, "--to", "insurer.example", "--service", "click-to-link", "--origin", "https://portal.example/x")
    assert (click["state"], click["disclosed"], click["origin"]) == ("unlinkable", {}, {"status": "withheld", "url": None})
    contact = explain(cli, "--to", "friend.example", "--service", "contact-list", "--persona", "work")
    assert contact["state"] == "identified" and contact["disclosed"] == {"display_name": "Alice"}
    cli(["dest", "set", "spam.example", "--category", "untrusted"])
    assert explain(cli, "--to", "spam.example", "--service", "contact-list")["state"] == "unlinkable"


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--state", "anonymous"], "'identified', 'pseudonymous', 'unlinkable', 'undetectable'"),
        (["--state", "identified", "--category", "friends"], "'trusted', 'inner-circle', 'uncertain', 'untrusted'"),
        (["--state", "identified", "--service", "voip"], "'contact-list', 'click-to-link'"),
        (["--state", "identified", "--model", "triple-cs"], "'single-cs', 'dual-cs'"),
        (["--state", "identified", "--on-conflict", "maybe"], "refuse, ask, or fallback:STATE"),
        (["--state", "identified", "--on-conflict", "fallback:secret"], "valid values"),
        (["--state", "unlinkable", "--disclose", "email"], "discloses nothing"),
        (["--state", "identified", "--persona", "nobody"], "unknown persona"),
        (["--state", "identified", "--dest", "exa mple"], "whitespace"),
    ],
)
def test_rule_usage_errors_list_valid_values(cli, alice: Path, args, needle) -> None:
    before = snapshot(alice)
    r = cli(["rule", "add", *args])
    assert r.code == 2 and needle in r.err, r.err
    assert snapshot(alice) == before


def test_contradictory_rules_are_refused_when_added(cli, alice: Path) -> None:
    assert cli(["rule", "add", "--service", "negotiated", "--state", "pseudonymous"]).code == 0
    r = cli(["rule", "add", "--model", "dual-cs", "--state", "identified"])
    assert r.code == 2 and "contradicts" in r.err
    assert cli(["rule", "add", "--model", "dual-cs", "--state", "pseudonymous"]).code == 0  # same outcome: fine
    assert cli(["rule", "add", "--service", "negotiated", "--state", "unlinkable"]).code == 7  # same selector
    assert cli(["rule", "add", "--dest", "*.aa.example", "--state", "identified"]).code == 0
    assert cli(["rule", "add", "--dest", "*.bb.example", "--state", "unlinkable"]).code == 0  # cannot overlap


def test_rule_list_and_rm(cli, alice: Path) -> None:
    rid = cli(["rule", "add", "--dest", "shop.example", "--state", "unlinkable"]).out.strip()
    rules = json.loads(cli(["rule", "list", "--json"]).out)["rules"]
    assert [r["id"] for r in rules] == [rid] and rules[0]["dest"] == "https://shop.example"
    assert cli(["rule", "rm", rid]).code == 0
    assert json.loads(cli(["rule", "list", "--json"]).out)["rules"] == []
    assert cli(["rule", "rm", rid]).code == 2


def test_dest_set_list_rm(cli, alice: Path) -> None:
    assert cli(["dest", "set", "HTTPS://Bank.Example:443/", "--category", "trusted"]).code == 0
    assert json.loads(cli(["dest", "list", "--json"]).out)["destinations"] == [
        {"destination": "https://bank.example", "category": "trusted"}]
    assert cli(["dest", "set", "bank.example", "--category", "paranoid"]).code == 2
    assert cli(["dest", "rm", "bank.example"]).code == 0 and cli(["dest", "rm", "bank.example"]).code == 2


def test_preferences_are_encrypted_at_rest(cli, alice: Path) -> None:
    cli(["dest", "set", "secret-clinic.example", "--category", "trusted"])
    cli(["rule", "add", "--dest", "*.hidden-employer.example", "--state", "unlinkable"])
    raw = b"".join(p.read_bytes() for p in alice.iterdir() if p.is_file())
    for needle in (b"secret-clinic", b"hidden-employer", b"trusted", b"unlinkable", b"category"):
        assert needle not in raw


@pytest.mark.parametrize(
    "content,needle",
    [
        ("not json", "not valid JSON"),
        ('{"version": 4, "accept": ["identified"], "require": []}', "unknown version 4"),
        ('{"version": 1, "accept": ["identified"], "require": [], "idps": ["x"]}', "unknown field 'idps'"),
        ('{"version": 1, "accept": [], "require": []}', "'accept' is empty"),
        ('{"version": 1, "accept": ["invisible"], "require": []}', "unknown state 'invisible'"),
        ('{"version": 1, "require": []}', "missing field 'accept'"),
        ('{"version": 1, "accept": ["identified"], "require": ["Bad Name"]}', "invalid attribute name"),
        ('{"version": 1, "accept": ["identified"], "require": [], "origin": "maybe"}', "'origin'"),
        ('{"version": 1, "accept": ["identified"], "require": [], "version": 1}', "duplicate JSON member"),
        ('[1, 2]', "not a JSON object"),
    ],
)
def test_policy_check_names_the_problem(cli, tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    r = cli(["policy", "check", str(path)])
    assert r.code == 2 and needle in r.err and r.err.count("\n") == 1, r.err


def test_policy_check_accepts_a_valid_policy(cli, tmp_path: Path) -> None:
    path = write_policy(tmp_path, "shop", accept=["identified", "pseudonymous"], party="shop.example", origin="required")
    doc = json.loads(cli(["policy", "check", path, "--json"]).out)
    assert doc["valid"] is True and doc["policy"]["party"] == "https://shop.example"


def _policies() -> list[Policy]:
    raw = [
        b'{"version":1,"party":"a.example","accept":["identified","pseudonymous","unlinkable"],"require":["display_name"]}',
        b'{"version":1,"party":"b.example","role":"calling-service","accept":["pseudonymous","identified"],"require":[]}',
        b'{"version":1,"party":"c.example","accept":["pseudonymous","unlinkable","identified"],"require":[],"origin":"required"}',
    ]
    return [Policy.from_json(r, source=str(i)) for i, r in enumerate(raw)]


def test_reconciliation_is_independent_of_policy_order() -> None:
    """Several parties refuse and require at once; every permutation gives the same outcome, decisions and
    conflicts (the refusing and requiring parties are listed in a canonical order)."""
    more = [
        b'{"version":1,"party":"d.example","accept":["pseudonymous","identified"],"require":["email"]}',
        b'{"version":1,"party":"e.example","role":"calling-service","accept":["pseudonymous"],"require":["email","display_name"]}',
    ]
    policies = _policies() + [Policy.from_json(r, source="x") for r in more]
    attrs = {"display_name": "Alice", "email": "a@x.example"}
    for intent in (
        Intent("unlinkable", "work", (), "withhold", "fallback:pseudonymous", "rule r1", False),
        Intent("identified", "work", ("display_name", "email"), "disclose", "fallback:pseudonymous", "rule r2", False),
        Intent("identified", "work", ("display_name",), "withhold", "refuse", "rule r3", False),
    ):
        results = set()
        for order in itertools.permutations(policies):
            out = reconcile(intent, list(order), attributes=attrs, origin_url="https://portal.example")
            results.add(json.dumps([out.state, out.disclosed, out.origin, out.decisions, out.conflicts, out.satisfiable]))
        assert len(results) == 1


def test_every_item_has_a_decision_naming_who_decided() -> None:
    intent = Intent("pseudonymous", "work", ("display_name",), "disclose", "refuse", "rule r9", False)
    out = reconcile(intent, _policies()[:2], attributes={"display_name": "Alice", "email": "a@x"}, origin_url="https://o.example")
    items = {d["item"]: d for d in out.decisions}
    assert set(items) >= {"state", "key scope", "attribute:display_name", "attribute:email", "origin"}
    assert items["attribute:display_name"]["why"] == "required by https://a.example"
    assert items["attribute:email"]["value"] == "withheld" and items["origin"]["value"] == "disclosed"
    assert out.satisfiable and out.conflicts == []


def test_untrusted_calling_service_cannot_override_the_user_rule() -> None:
    cs = Policy.from_json(b'{"version":1,"party":"cs.example","role":"calling-service","accept":["identified"],"require":["email"]}', source="cs")
    rule = Intent("unlinkable", "work", (), "withhold", "refuse", "rule r2", False)
    out = reconcile(rule, [cs], attributes={"email": "a@x"}, categories={"https://cs.example": "untrusted"})
    assert out.satisfiable and out.state == "unlinkable" and out.overridden == ["https://cs.example"]
    trusted = reconcile(rule, [cs], attributes={"email": "a@x"}, categories={"https://cs.example": "trusted"})
    assert not trusted.satisfiable  # a trusted service's policy binds
    default = Intent("unlinkable", "work", (), "withhold", "refuse", "built-in default", True)
    assert not reconcile(default, [cs], attributes={}, categories={"https://cs.example": "untrusted"}).satisfiable


def test_refused_conflict_signs_nothing_and_exits_23(cli, alice: Path, tmp_path: Path) -> None:
    cli(["rule", "add", "--dest", "shop.example", "--state", "unlinkable"])
    policy = write_policy(tmp_path, "shop", party="shop.example", accept=["identified", "pseudonymous"])
    before = json.loads(cli(["history", "--json"]).out)["history"]
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--policy", policy])
    assert r.code == 23 and "nothing was signed" in r.err and r.out == ""
    out = tmp_path / "signed.sdp"
    sdp = Path(__file__).parent / "fixtures" / "sdp" / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
    r = cli(["sign-sdp", "--to", "shop.example", str(sdp), "--policy", policy, "-o", str(out)])
    assert r.code == 23 and not out.exists()
    assert json.loads(cli(["history", "--json"]).out)["history"] == before
    doc = explain(cli, "--to", "shop.example", "--policy", policy)
    assert doc["satisfiable"] is False and doc["conflicts"][0]["refused_by"] == ["https://shop.example"]


def test_ask_without_a_terminal_refuses(cli, alice: Path, tmp_path: Path) -> None:
    cli(["rule", "add", "--dest", "shop.example", "--state", "unlinkable", "--on-conflict", "ask"])
    policy = write_policy(tmp_path, "shop", party="shop.example", accept=["pseudonymous"])
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--policy", policy])
    assert r.code == 23 and "no terminal to ask on" in r.err


def test_fallback_needs_every_party_to_accept_it(cli, alice: Path, tmp_path: Path) -> None:
    cli(["rule", "add", "--dest", "shop.example", "--state", "unlinkable", "--on-conflict", "fallback:pseudonymous"])
    ok = write_policy(tmp_path, "ok", party="shop.example", accept=["pseudonymous"])
    no = write_policy(tmp_path, "no", party="cs.example", role="calling-service", accept=["identified"])
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--policy", ok, "--json"])
    assert r.code == 0 and json.loads(r.out)["state"] == "pseudonymous"
    assert cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--policy", ok, "--policy", no]).code == 23


def test_undetectable_passes_the_sdp_unchanged(cli, alice: Path, tmp_path: Path) -> None:
    cli(["rule", "add", "--dest", "anon.example", "--state", "undetectable"])
    sdp = Path(__file__).parent / "fixtures" / "sdp" / "sdp_firefox_offer_session_level_fingerprint.sdp"
    r = cli(["sign-sdp", "--to", "anon.example", str(sdp)])
    assert r.code == 0 and r.out.encode() == sdp.read_bytes() and "no a=identity" in r.err
    r = cli(["assert", "--to", "anon.example", "--fingerprint", FP, "--json"])
    assert r.code == 0 and json.loads(r.out)["line"] is None


def test_notice_flags_a_built_in_default(cli, alice: Path) -> None:
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--service", "click-to-link", "--origin", "https://news.example/a"])
    assert r.code == 0
    assert "a built-in default decided" in r.err and "origin: withheld" in r.err and "unlinkable" in r.err
    cli(["rule", "add", "--dest", "shop.example", "--state", "pseudonymous", "--origin", "disclose"])
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--origin", "https://news.example/a", "--json"])
    assert "built-in default" not in r.err and json.loads(r.out)["origin"] == {"status": "disclosed", "url": "https://news.example"}


def test_verify_policy_enforcement_and_origin_status(cli, alice: Path, tmp_path: Path) -> None:
    strict = write_policy(tmp_path, "strict", party="shop.example", accept=["identified", "pseudonymous"],
                          require=["display_name"], origin="required")

    def verify_token(*assert_args: str) -> dict:
        tok = json.loads(cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--json", *assert_args]).out)["token"]
        path = tmp_path / "t"
        path.write_text(tok)
        r = cli(["verify", str(path), "--audience", "shop.example", "--fingerprint", FP, "--policy", strict,
                 "--no-replay-check", "--json"])
        doc = json.loads(r.out)
        doc["exit"] = r.code
        return doc

    unlinkable = verify_token("--state", "unlinkable")
    assert unlinkable["exit"] == 22 and unlinkable["error"]["code"] == "policy-refused"
    no_name = verify_token("--state", "pseudonymous", "--persona", "work")
    assert no_name["error"]["code"] == "policy-refused" and "display_name" in no_name["error"]["message"]
    withheld = verify_token("--persona", "work", "--state", "pseudonymous", "--disclose", "display_name", "--origin", "https://portal.example")
    assert withheld["error"]["code"] == "policy-refused" and withheld["origin"]["status"] == "withheld"
    cli(["rule", "add", "--dest", "shop.example", "--state", "pseudonymous", "--persona", "work", "--disclose", "display_name", "--origin", "disclose"])
    good = verify_token("--origin", "https://portal.example/page")
    assert good["exit"] == 0 and good["origin"] == {"status": "disclosed", "url": "https://portal.example"}


def test_verify_distinguishes_an_undetected_caller(cli, tmp_path: Path) -> None:
    sdp = Path(__file__).parent / "fixtures" / "sdp" / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
    r = cli(["verify", str(sdp), "--audience", "shop.example", "--json"])
    assert r.code == 20 and json.loads(r.out)["origin"]["status"] == "undetected"
    welcoming = write_policy(tmp_path, "w", party="shop.example", accept=["undetectable", "pseudonymous"])
    r = cli(["verify", str(sdp), "--audience", "shop.example", "--policy", welcoming, "--json"])
    doc = json.loads(r.out)
    assert r.code == 0 and doc["valid"] and doc["identity"] is None and doc["origin"]["status"] == "undetected"


def test_rival_lookup_agrees_with_a_full_scan(cli, alice: Path) -> None:
    """The point-lookup contradiction check finds exactly what comparing every pair of rules finds."""
    import random

    from wallet.vocabulary import CALL_MODELS, CATEGORIES, SERVICE_TYPES
    from wallet.storage.paths import WalletHome
    from wallet.privacy.rules import Rule
    from wallet.facade import open_wallet

    from conftest import PASSPHRASE

    vault = open_wallet(WalletHome.resolve(alice), passphrase=lambda _c: PASSPHRASE.encode())
    prefs = vault.prefs
    rng = random.Random(5)
    stored: list[Rule] = []
    for _ in range(400):
        rule = Rule.new(
            dest=rng.choice([None, "a.example", "*.example", "*.b.example"]),
            category=rng.choice([None, *CATEGORIES]),
            service=rng.choice([None, *SERVICE_TYPES]),
            model=rng.choice([None, *CALL_MODELS]),
            state=rng.choice(["identified", "pseudonymous", "unlinkable"]),
        )
        expected_conflict = any(
            o.precedence() == rule.precedence() and o.could_overlap(rule) and o.outcome() != rule.outcome()
            and o.selector() != rule.selector() for o in stored)
        duplicate = any(o.selector() == rule.selector() for o in stored)
        from wallet.errors import WalletError

        try:
            prefs.add_rule(rule)
        except WalletError as exc:
            assert duplicate or expected_conflict, exc
        else:
            assert not expected_conflict and not duplicate, rule.describe()
            stored.append(rule)
    vault.close()


def test_rules_and_categories_survive_export_and_import(cli, alice: Path, tmp_path: Path, passfile: Path, monkeypatch) -> None:
    cli(["dest", "set", "bank.example", "--category", "trusted"])
    rid = cli(["rule", "add", "--dest", "*.prospects.example", "--state", "unlinkable"]).out.strip()
    before = explain(cli, "--to", "bob.prospects.example"), explain(cli, "--to", "bank.example")
    backup = tmp_path / "b.wallet"
    assert cli(["export", str(backup), "--backup-passphrase-file", str(passfile)]).code == 0
    monkeypatch.setenv("WALLET_HOME", str(tmp_path / "restored"))
    assert cli(["import", str(backup), "--backup-passphrase-file", str(passfile), "--store", "file"]).code == 0
    assert (explain(cli, "--to", "bob.prospects.example"), explain(cli, "--to", "bank.example")) == before
    assert cli(["rule", "rm", rid]).code == 0  # the id index came along too


def test_cli_choices_are_the_vocabulary() -> None:
    """One vocabulary: every enumerated option of every command offers exactly wallet.vocabulary's values,
    and the declarations define no enum of their own."""
    import enum

    from wallet._cli_spec import SPEC
    from wallet.cli import commands
    from wallet.vocabulary import CALL_MODELS, CATEGORIES, LINKABLE_CHOICES, ORIGIN_CHOICES, SCOPES, SERVICE_TYPES, STATES

    expected = {"--linkable": LINKABLE_CHOICES, "--service": SERVICE_TYPES, "--model": CALL_MODELS, "--category": CATEGORIES, "--state": STATES,
                "--origin": ORIGIN_CHOICES, "--scope": SCOPES, "--kind": ("real", "pseudonym"),
                "--store": ("auto", "keyring", "file"), "--to": ("keyring", "file"), "--format": ("line", "token")}

    def walk(node: dict) -> None:
        for name, sub in node.get("commands", {}).items():
            walk(sub)
        for option, info in node.get("options", {}).items():
            if info.get("value") == "choice":
                assert tuple(info["choices"]) == expected[option], option

    walk(SPEC)
    local = [name for name, value in vars(commands).items()
             if isinstance(value, type) and issubclass(value, enum.Enum) and value.__module__ == commands.__name__]
    assert local == []  # --format line|token is wallet.cli.output.AssertionFormat, a presentation choice


def test_a_rule_that_does_not_say_disclose_withholds_the_origin(cli, alice: Path) -> None:
    cli(["dest", "set", "y.example", "--category", "trusted"])
    cli(["rule", "add", "--dest", "y.example", "--state", "unlinkable"])
    assert explain(cli, "--to", "y.example", "--origin", "https://ref.example/p")["origin"] == {"status": "withheld", "url": None}
    cli(["rule", "add", "--dest", "z.example", "--state", "identified", "--origin", "disclose", "--on-conflict", "fallback:unlinkable"])
    pol = str(alice.parent / "z.json")
    Path(pol).write_text(json.dumps({"version": 1, "party": "z.example", "accept": ["unlinkable"], "require": []}))
    doc = explain(cli, "--to", "z.example", "--origin", "https://ref.example/p", "--policy", pol)
    assert doc["state"] == "unlinkable" and doc["origin"] == {"status": "withheld", "url": None}  # no origin after the fallback


def test_untrusted_parties_bind_by_the_users_categories_not_their_labels(cli, alice: Path, tmp_path: Path) -> None:
    cli(["dest", "set", "*.cs.example", "--category", "untrusted"])
    cli(["rule", "add", "--dest", "shop2.example", "--state", "unlinkable", "--on-conflict", "fallback:pseudonymous"])
    for doc in (
        {"party": "https://cs.example", "role": "calling-service"},
        {"party": "https://cs.example", "role": "destination"},  # relabelled
        {"party": "https://www.cs.example", "role": "calling-service"},  # a subdomain
        {"role": "calling-service"},  # names no party
    ):
        pol = write_policy(tmp_path, "cs", accept=["identified", "pseudonymous"], **doc)
        out = explain(cli, "--to", "shop2.example", "--policy", pol)
        assert out["state"] == "unlinkable", doc


def test_command_line_state_discloses_only_what_is_typed(cli, alice: Path) -> None:
    cli(["dest", "set", "charlie@corp.example", "--category", "inner-circle"])
    r = cli(["assert", "--to", "charlie@corp.example", "--persona", "work", "--state", "pseudonymous",
             "--fingerprint", FP, "--json"])
    assert json.loads(r.out)["disclosed"] == {} and "decided by command line" in r.err


def test_undetectable_removes_an_identity_already_in_the_sdp(cli, alice: Path, tmp_path: Path) -> None:
    sdp = Path(__file__).parent / "fixtures" / "sdp" / "sdp_firefox_offer_session_level_fingerprint.sdp"
    signed = tmp_path / "signed.sdp"
    assert cli(["sign-sdp", "--to", "shop.example", str(sdp), "--persona", "work", "--state", "identified",
                "--disclose", "display_name", "-o", str(signed)]).code == 0
    r = cli(["sign-sdp", "--to", "shop.example", str(signed), "--state", "undetectable"])
    assert r.code == 0 and "a=identity" not in r.out and r.out.encode() == sdp.read_bytes()
    assert "was removed" in r.err


@pytest.mark.parametrize(
    "args,needle",
    [
        (["explain", "--to", "x.example", "--origin", "sip:alice@corp.example"], "must be a website"),
        (["explain", "--to", "x.example", "--origin", "bob@mail.example"], "must be a website"),
        (["rule", "add", "--dest", "*.[::1]", "--state", "identified"], "DNS name"),
        (["rule", "add", "--dest", "*.10.0.0.1", "--state", "identified"], "DNS name"),
        (["rule", "add", "--state", "identified", "--disclose", "bad name"], "invalid attribute name"),
        (["rule", "add", "--state", "identified", "--disclose", "x\x1b[31m"], "invalid attribute name"),
        (["rule", "add", "--state", "undetectable", "--origin", "disclose"], "discloses nothing"),
        (["rule", "add", "--state", "pseudonymous", "--on-conflict", "fallback:pseudonymous"], "its own state"),
    ],
)
def test_more_usage_errors(cli, alice: Path, args, needle) -> None:
    r = cli(args)
    assert r.code == 2 and needle in r.err, r.err


def test_rule_ids_are_64_bit_and_disclose_order_does_not_matter(cli, alice: Path) -> None:
    rid = cli(["rule", "add", "--service", "negotiated", "--state", "identified", "--disclose", "email,display_name"]).out.strip()
    assert len(rid) == 17
    r = cli(["rule", "add", "--model", "dual-cs", "--state", "identified", "--disclose", "display_name,email"])
    assert r.code == 0, r.err  # same outcome, listed in another order: no contradiction


def test_policy_version_must_be_the_integer_1_and_stdin_works(cli, alice: Path, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"version": 1.0, "accept": ["identified"], "require": []}')
    assert cli(["policy", "check", str(path)]).code == 2
    doc = b'{"version": 1, "party": "x.example", "accept": ["pseudonymous"], "require": []}'
    r = cli(["explain", "--to", "x.example", "--policy", "-", "--json"], stdin=doc)
    assert r.code == 0 and json.loads(r.out)["state"] == "pseudonymous"


def test_ask_on_a_real_terminal(cli, alice: Path, tmp_path: Path) -> None:
    """--on-conflict ask: the question appears on the terminal and the typed answer decides."""
    import os
    import pty
    import select
    import subprocess
    import time

    from conftest import wallet_exe

    cli(["rule", "add", "--dest", "shop.example", "--state", "unlinkable", "--on-conflict", "ask"])
    policy = write_policy(tmp_path, "shop", party="shop.example", accept=["pseudonymous", "identified"])

    def run_on_tty(answer: bytes) -> tuple[int, str]:
        master, slave = pty.openpty()
        proc = subprocess.Popen([*wallet_exe(), "explain", "--to", "shop.example", "--policy", policy, "--json"],
                                stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=dict(os.environ))
        os.close(slave)
        seen, deadline = b"", time.monotonic() + 60
        while b"use which state instead?" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 1)[0]:
                seen += os.read(master, 4096)
        os.write(master, answer)
        out, _ = proc.communicate(timeout=60)
        os.close(master)
        assert b"refuses unlinkable callers" in seen
        return proc.returncode, out.decode()

    code, out = run_on_tty(b"pseudonymous\n")
    doc = json.loads(out)
    assert code == 0 and doc["state"] == "pseudonymous" and doc["conflicts"][0]["resolution"] == "you chose pseudonymous"
    code, out = run_on_tty(b"no thanks\n\n")  # not an option: asked again; then Enter refuses
    assert json.loads(out)["satisfiable"] is False
    code, out = run_on_tty(b"\n")
    assert json.loads(out)["satisfiable"] is False


def test_ask_shows_no_default_and_a_refusal_says_who_refused(cli, alice: Path, tmp_path: Path) -> None:
    """One acceptable state offered: it is not a default that Enter would take, and the refusal blames no rule
    for saying refuse when it said ask."""
    import os
    import pty
    import select
    import subprocess
    import time

    from conftest import wallet_exe

    cli(["rule", "add", "--dest", "shop.example", "--state", "unlinkable", "--on-conflict", "ask"])
    policy = write_policy(tmp_path, "shop", party="shop.example", accept=["identified"])
    master, slave = pty.openpty()
    proc = subprocess.Popen([*wallet_exe(), "assert", "--to", "shop.example", "--fingerprint", FP, "--policy", policy],
                            stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=dict(os.environ))
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 60
    while b"refuses the call" not in seen and time.monotonic() < deadline:
        if select.select([master], [], [], 1)[0]:
            seen += os.read(master, 4096)
    assert b"[identified]" not in seen and b"(identified; Enter refuses the call)" in seen, seen
    os.write(master, b"\n")
    out, _ = proc.communicate(timeout=60)
    while select.select([master], [], [], 0.5)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 23 and out == b""
    assert b"says refuse" not in seen and b"you did not pick another way" in seen, seen

"""``wallet dest``, ``wallet rule``, ``wallet policy check`` and ``wallet explain``: privacy by context."""

from __future__ import annotations

import sys

from wallet.cli.common import unlock_wallet
from wallet.cli.output import Output, claim_text, for_people, origin_json

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import DestListArgs, DestRmArgs, DestSetArgs, ExplainArgs, PolicyCheckArgs, RuleAddArgs, RuleListArgs, RuleRmArgs
    from typing import Any

    from wallet.privacy.policy import Policy
    from wallet.privacy.rules import Rule
    from wallet.facade import Plan, Wallet


def ask_on_tty(question: str, options: list[str]) -> str | None:
    """For --on-conflict ask: a question on the terminal; None (refuse) when there is none."""
    if not sys.stdin.isatty():
        Output.notice(f"{question} (no terminal to ask on: refusing)")
        return None
    for _ in range(3):
        sys.stderr.write(f"{question} ({', '.join(options)}; Enter refuses the call) ")
        sys.stderr.flush()
        answer = sys.stdin.readline()
        if not answer.strip():  # Enter, or end of input: no silent default, the call is refused
            return None
        if answer.strip() in options:
            return answer.strip()
        sys.stderr.write(f"please answer {' or '.join(options)}, or press Enter to refuse\n")
    return None


def load_policy_arg(path: str) -> Policy:
    """A policy file, or stdin for '-' (once per command)."""
    from wallet.cli.common import read_input
    from wallet.privacy.policy import MAX_POLICY_BYTES, Policy, load_policy

    if path != "-":
        return load_policy(path)
    return Policy.from_json(read_input("-", what="policy", limit=MAX_POLICY_BYTES + 1, oversize_ok=True), source="stdin")


def read_context(to: str, policy: list[str] | None, origin: str | None) -> tuple[list[Policy], str | None]:
    """Check the destination, read the policies (once) and reduce the origin, before anything is unlocked."""
    from wallet.destination import normalize_destination

    normalize_destination(to)
    return [load_policy_arg(f) for f in policy or []], origin_of(origin)


def origin_of(url: str | None) -> str | None:
    """The origin website, reduced to its origin (scheme, host, port): a path could say too much."""
    from wallet.destination import normalize_destination
    from wallet.errors import UsageError

    if url is None:
        return None
    try:
        origin = normalize_destination(url)
    except UsageError as exc:  # said of the option the user typed, not of "the destination"
        raise UsageError(f"--origin {url!r} is not a website URL: {exc.message.removeprefix('the destination ')}",
                         hint="e.g. --origin https://news.example/article") from None
    if not origin.startswith(("https://", "http://")):
        raise UsageError(f"--origin must be a website (http or https), not {origin!r}", hint="e.g. --origin https://news.example")
    return origin


def describe_plan(plan: Plan) -> dict[str, Any]:
    out = plan.outcome
    return {
        "destination": plan.destination,
        "category": plan.category,
        "state": out.state,
        "persona": plan.persona.name,
        "disclosed": {name: plan.persona.attributes[name] for name in out.disclosed},
        "origin": origin_json(out.origin),
        "decisions": out.decisions,
        "conflicts": out.conflicts,
        "satisfiable": out.satisfiable,
        "decided_by": plan.intent.source,
        "default_used": out.default_used,
        "endorsements": [{"issuer": e["issuer"], "vct": e["vct"], "once": e["once"],
                          "verified": e["verified"]}
                         for e in out.endorsements],
        "notices": out.notices,
    }


def conflict_summary(plan: Plan) -> str:
    """The first unresolved conflict, in a sentence."""
    c = next(c for c in plan.outcome.conflicts if c["resolution"] == "unresolved")
    parties = ", ".join(c["refused_by"])
    plural = len(c["refused_by"]) > 1
    if c["item"].startswith("endorsement:"):
        need = c["item"].split(":", 1)[1]
        if c["wanted"] == "none held":
            return f"{c['by']} requires {need}, and {parties}"
        return f"{parties} {'require' if plural else 'requires'} {need}, but the {c['wanted']} by {c['by']}"
    if c["item"] == "state":
        what = f"{'refuse' if plural else 'refuses'} {c['wanted']} callers"
    elif c["item"].startswith("attribute:"):
        what = f"{'require' if plural else 'requires'} your {c['item'].split(':', 1)[1]}, which is withheld"
    else:
        what = f"{'require' if plural else 'requires'} the origin website, which is {c['wanted']}"
    how = plan.intent.on_conflict
    if how == "ask":
        return f"{parties} {what}, and you did not pick another way (the {c['by']} says ask)"
    if how.startswith("fallback:"):
        return f"{parties} {what}, and the fallback of {c['by']} ({how.split(':', 1)[1]}) is refused too"
    return f"{parties} {what}, and {c['by']} says refuse"


def dest_set(a: DestSetArgs) -> None:
    normalized = unlock_wallet(a["passphrase_file"]).prefs.set_category(a["dest"], a["category"])
    Output.notice(f"{normalized} is now {a['category']}")
    Output(a["json_out"]).product({"destination": normalized, "category": a["category"]})


def dest_list(a: DestListArgs) -> None:
    entries = unlock_wallet(a["passphrase_file"]).prefs.destinations()
    Output(a["json_out"]).table(
        {"destinations": entries}, columns=["destination", "category"],
        rows=[[d["destination"], d["category"]] for d in entries],
        plain="\n".join(f"{d['destination']}\t{d['category']}" for d in entries),
        empty="no destination has a category yet: every one is uncertain (wallet dest set DEST --category ...)",
    )


def dest_rm(a: DestRmArgs) -> None:
    normalized = unlock_wallet(a["passphrase_file"]).prefs.remove_destination(a["dest"])
    Output.notice(f"forgot the category of {normalized} (now uncertain)")
    Output(a["json_out"]).product({"removed": normalized})


def rule_add(a: RuleAddArgs) -> None:
    from wallet.privacy.rules import Rule

    rule = Rule.new(
        dest=a["dest"], category=a["category"], service=a["service"], model=a["model"], state=a["state"], persona=a["persona"],
        disclose=(a["disclose"] or "").split(",") if a["disclose"] else [], origin=a["origin"], on_conflict=a["on_conflict"],
        endorsed_by=a["endorsed_by"], verified=a["verified"], linkable=a["linkable"],
    )
    wallet = unlock_wallet(a["passphrase_file"])
    if rule.persona:
        wallet.persona(rule.persona)  # an unknown persona is a usage error now, not at signing time
    wallet.prefs.add_rule(rule)
    Output.notice(f"added rule {rule.rule_id}: {rule.describe()} -> {rule.state}")
    Output(a["json_out"]).product({"rule": rule.to_json()}, rule.rule_id)


def rule_list(a: RuleListArgs) -> None:
    rules = unlock_wallet(a["passphrase_file"]).prefs.rules()
    def endorsed(r: Rule) -> str:
        by = ",".join(r.endorsed_by) or "-"
        return f"{by} ({','.join(r.verified)})" if r.verified else by

    plain = [
        f"{r.rule_id}\t{r.describe()}\t{r.state}\t{r.persona or '-'}\t{','.join(r.disclose) or '-'}\t"
        f"origin={r.origin or 'default'}\ton-conflict={r.on_conflict}"
        + (f"\tendorsed-by={endorsed(r)}" if r.endorsed_by or r.verified else "")
        + (f"\tlinkable={r.linkable}" if r.linkable else "")
        for r in rules
    ]
    Output(a["json_out"]).table(
        {"rules": [r.to_json() for r in rules]},
        columns=["id", "matches", "state", "persona", "discloses", "origin", "on conflict", "endorsed by (verified)"],
        rows=[[r.rule_id, r.describe(), r.state, r.persona or "-", ", ".join(r.disclose) or "-",
               r.origin or "default", r.on_conflict, endorsed(r)] for r in rules],
        plain="\n".join(plain),
        empty="no rules yet: the built-in defaults decide (wallet rule add ...; see wallet explain --to DEST)",
    )


def rule_rm(a: RuleRmArgs) -> None:
    rule = unlock_wallet(a["passphrase_file"]).prefs.remove_rule(a["rule_id"])
    Output.notice(f"removed rule {a['rule_id']}: {rule.describe()}")
    Output(a["json_out"]).product({"removed": a["rule_id"]})


def policy_check(a: PolicyCheckArgs) -> None:

    policy = load_policy_arg(a["file"])
    human = (
        f"valid policy of {policy.party} ({policy.role}): accepts {', '.join(policy.accept)}; "
        f"requires {', '.join(policy.require) or 'nothing'}; origin {policy.origin}"
        + (f"; requires {policy.endorsement.describe()}" if policy.endorsement else "")
    )
    Output(a["json_out"]).product({"valid": True, "policy": policy.to_json()}, human)


def make_plan(
    wallet: Wallet,
    to: str,
    *,
    service: str | None,
    model: str | None,
    policies: list[Policy],
    origin_url: str | None,
    persona: str | None,
    state: str | None = None,
    disclose: list[str] | None = None,
    endorsed_by: list[str] | None = None,
    verified: list[str] | None = None,
) -> Plan:
    return wallet.plan(
        to, service=service, model=model, policies=policies, origin_url=origin_url,
        state=state, persona=persona, disclose=disclose, endorsed_by=endorsed_by, verified=verified, ask=ask_on_tty,
    )


def explain(a: ExplainArgs) -> None:
    from wallet.vocabulary import KeyScope

    policies, origin_url = read_context(a["to"], a["policy"], a["origin"])
    wallet = unlock_wallet(a["passphrase_file"])
    plan = make_plan(wallet, a["to"], service=a["service"], model=a["model"], policies=policies, origin_url=origin_url,
                     persona=a["persona"], state=a["state"], endorsed_by=a["endorsed_by"], verified=a["verified"])
    doc = describe_plan(plan)
    scope = plan.outcome.scope
    ident = None
    if plan.outcome.satisfiable and scope in (KeyScope.PERSONA, KeyScope.PAIRWISE):
        ident = wallet.pseudonym(plan.destination, persona=plan.persona.name, scope=KeyScope(scope))[2].did
    doc["identity"] = {"persona": plan.persona.name, "scope": scope, "id": ident}
    lines = [
        f"call to {plan.destination} ({plan.category}): "
        + (f"{plan.outcome.state}, as persona {plan.persona.name!r} ({scope} key{': ' + ident if ident else ''})"
           if plan.outcome.satisfiable else "REFUSED: " + conflict_summary(plan)),
        f"disclosed: {', '.join(f'{k}={v}' for k, v in doc['disclosed'].items()) or 'nothing'}; origin: {plan.outcome.origin['status']}",
        f"decided by: {plan.intent.source}" + (" (no rule of yours matched)" if plan.outcome.default_used else ""),
    ]
    for e in doc["endorsements"]:
        from wallet.text import for_terminal

        shown = ", ".join(f"{for_terminal(k)}={claim_text(v)}" for k, v in e["verified"].items()) or "no claim"
        lines.append(f"endorsement: {e['issuer']} ({for_terminal(e['vct'])}{', once-only' if e['once'] else ''}); "
                     f"verified: {shown}")
    lines += [f"notice: {n}" for n in plan.outcome.notices]
    trace = [f"  {d['item']}: {d['value']} <- {d['decided_by']} ({d['why']})" for d in plan.outcome.decisions]
    trace += [f"  conflict on {c['item']}: {', '.join(c['refused_by'])} vs {c['by']} -> {c['resolution']}"
              for c in plan.outcome.conflicts]
    out = Output(a["json_out"])
    if a["json_out"] or not for_people(sys.stdout):
        out.product(doc, "\n".join(lines + trace))
        return
    sys.stdout.write("\n".join(lines) + "\n")
    rows = [[d["item"], str(d["value"]), d["decided_by"], d["why"]] for d in plan.outcome.decisions]
    rows += [[f"conflict: {c['item']}", f"{', '.join(c['refused_by'])} vs {c['by']}", "", c["resolution"]]
             for c in plan.outcome.conflicts]
    out.table(doc, columns=["item", "value", "decided by", "why"], rows=rows, plain="", empty="", title="decisions")

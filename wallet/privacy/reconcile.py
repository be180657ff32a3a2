"""Where a policy is reconciled: the caller's rule and every party's policy -> one outcome or a conflict.

    >>> from wallet.privacy.reconcile import Intent, reconcile
    >>> from wallet.privacy.policy import Policy
    >>> shop = Policy.from_json(b'{"version":1,"accept":["identified","pseudonymous"],"require":[]}', source="shop")
    >>> wish = Intent("unlinkable", None, (), "withhold", "fallback:pseudonymous", "rule r1", False)
    >>> reconcile(wish, [shop], attributes={}).state
    'pseudonymous'

The result does not depend on the order the policies are given in (they are
sorted, and every step is a set operation). Every item (state, key scope,
each attribute, origin) gets a decision naming which party decided it and
why; every disagreement is listed as a conflict with its resolution. A
conflict that is not resolved makes the outcome unsatisfiable: nothing is
signed. Binding parties: every destination; a calling service unless it is
an ``untrusted`` one and the caller's intent is the user's own rule (draft
8.5.1, 8.3.7: the user's rule for an untrusted service beats its parameters).
"""

from __future__ import annotations

from wallet.vocabulary import STATES, key_scope, more_private, vouches

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from wallet.privacy.policy import Policy

    Ask = Callable[[str, list[str]], str | None]



class Intent:
    """What the caller wants for this call, and where that came from."""

    __slots__ = ("state", "persona", "disclose", "origin", "on_conflict", "source", "is_default", "endorsed_by",
                 "verified", "linkable")

    def __init__(
        self, state: str, persona: str | None, disclose: tuple[str, ...], origin: str, on_conflict: str,
        source: str, is_default: bool, endorsed_by: tuple[str, ...] = (), verified: tuple[str, ...] = (),
        linkable: str | None = None,
    ) -> None:
        self.state, self.persona, self.disclose, self.origin = state, persona, disclose, origin
        self.on_conflict, self.source, self.is_default = on_conflict, source, is_default
        self.endorsed_by, self.verified = endorsed_by, verified
        #: The rule's choice for what links an unlinkable or undetectable call (None: the defaults).
        self.linkable = linkable

    def replace(self, **changes: Any) -> Intent:
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return Intent(**values)

    def wants_endorsement(self) -> bool:
        return bool(self.endorsed_by or self.verified)


class Outcome:
    __slots__ = ("state", "persona", "scope", "disclosed", "origin", "decisions", "conflicts", "satisfiable",
                 "default_used", "overridden", "endorsements", "notices")

    def __init__(self) -> None:
        self.state = ""
        self.persona: str | None = None
        self.scope = ""
        self.disclosed: list[str] = []
        self.origin: dict[str, str] = {"status": "none"}
        self.decisions: list[dict[str, Any]] = []
        self.conflicts: list[dict[str, Any]] = []
        self.satisfiable = True
        self.default_used = False
        self.overridden: list[str] = []
        #: The held endorsements to present: {"id", "issuer", "vct", "once", "claims": [names to disclose],
        #: "verified": {name: value}}.
        self.endorsements: list[dict[str, Any]] = []
        #: What the user must be told (an IdP chosen for them, draft 8.6.4).
        self.notices: list[str] = []

    def decide(self, item: str, value: object, by: str, why: str) -> None:
        self.decisions.append({"item": item, "value": value, "decided_by": by, "why": why})

    def conflict(self, item: str, wanted: object, by: str, refused_by: list[str], resolution: str) -> None:
        self.conflicts.append(
            {"item": item, "wanted": wanted, "by": by, "refused_by": refused_by, "resolution": resolution}
        )
        if resolution == "unresolved":
            self.satisfiable = False


def _ask(ask: Ask | None, question: str, options: list[str]) -> str | None:
    return ask(question, options) if ask is not None else None


def reconcile(
    intent: Intent,
    policies: list[Policy],
    *,
    attributes: dict[str, str],
    persona_kind: str = "real",
    origin_url: str | None = None,
    categories: dict[str, str] | None = None,
    ask: Ask | None = None,
    held: list[dict[str, Any]] | None = None,
    destination: str | None = None,
) -> Outcome:
    """One outcome for the caller's intent and the parties' policies (see module docstring).

    ``held`` lists the endorsements the persona holds (each with ``id``, ``issuer``, ``vct``, ``claims``,
    ``scope``, ``destination``, ``once``, ``expires``) for ``destination``'s call: the endorsement step picks
    from those. When no held endorsement satisfies what the caller or a party requires, the rule's
    ``fallback:STATE`` is tried once (an exhausted once-only batch falls back as the rule says; it is never
    reused).
    """
    out = _reconcile(intent, policies, attributes=attributes, persona_kind=persona_kind, origin_url=origin_url,
                     categories=categories, ask=ask, held=held or [], destination=destination)
    unmet = [c for c in out.conflicts if c["item"].startswith("endorsement") and c["resolution"] == "unresolved"]
    fallback = intent.on_conflict.split(":", 1)[1] if intent.on_conflict.startswith("fallback:") else None
    if not unmet or fallback is None or fallback == out.state:
        return out
    retry = intent.replace(state=fallback, on_conflict="refuse")
    if more_private(fallback, out.state):
        retry = retry.replace(disclose=(), origin="withhold")
    again = _reconcile(retry, policies, attributes=attributes, persona_kind=persona_kind, origin_url=origin_url,
                       categories=categories, ask=ask, held=held or [], destination=destination, wishes_only=True)
    for c in unmet:
        c["resolution"] = f"fallback to {fallback}"
    again.conflicts = unmet + again.conflicts
    again.decisions.insert(0, {"item": "state", "value": fallback, "decided_by": f"{intent.source} (on conflict: "
                               f"{intent.on_conflict})", "why": f"no held endorsement serves a {out.state} call"})
    return again


def _reconcile(
    intent: Intent,
    policies: list[Policy],
    *,
    attributes: dict[str, str],
    persona_kind: str,
    origin_url: str | None,
    categories: dict[str, str] | None,
    ask: Ask | None,
    held: list[dict[str, Any]],
    destination: str | None,
    wishes_only: bool = False,
) -> Outcome:
    out = Outcome()
    out.default_used = intent.is_default
    out.persona = intent.persona
    categories = categories or {}
    binding: list[Policy] = []
    for p in sorted(policies, key=lambda p: p.key()):
        # Whether a party binds is decided from the user's own categories, never from what the policy says
        # about itself: relabelling a role or omitting the party must not escape the user's rule.
        untrusted = categories.get(p.party) == "untrusted" or (p.role == "calling-service" and not p.named)
        if untrusted and not intent.is_default:
            out.overridden.append(p.party)
            out.decide(f"policy:{p.party}", "not binding", intent.source,
                       "your rule overrides the parameters of a party you do not trust (draft 8.5.1)"
                       if p.named else "a calling-service policy that names no party is not trusted")
        else:
            binding.append(p)

    # -- privacy state ---------------------------------------------------------------------------------
    accepted = [s for s in STATES if all(s in p.accept for p in binding)]
    state = intent.state
    if state in accepted:
        out.decide("state", state, intent.source, "accepted by every party" if binding else "no party states a policy")
    else:
        refusers = [p.party for p in binding if state not in p.accept]
        resolution, chosen = "unresolved", None
        if intent.on_conflict.startswith("fallback:"):
            fallback = intent.on_conflict.split(":", 1)[1]
            if fallback in accepted:
                resolution, chosen = f"fallback to {fallback}", fallback
        elif intent.on_conflict == "ask" and accepted:
            verb = "refuses" if len(refusers) == 1 else "refuse"
            picked = _ask(ask, f"{', '.join(refusers)} {verb} {state} callers; use which state instead?", accepted)
            if picked in accepted:
                resolution, chosen = f"you chose {picked}", picked
        out.conflict("state", state, intent.source, refusers, resolution)
        if chosen is None:
            out.state = state
            return out
        state = chosen
        out.decide("state", state, f"{intent.source} (on conflict: {intent.on_conflict})",
                   f"{', '.join(refusers)} {'refuses' if len(refusers) == 1 else 'refuse'} {intent.state}")
        if more_private(state, intent.state):
            # Falling back to a more private state must not carry identifying attributes or the origin along.
            intent = intent.replace(state=state, disclose=(), origin="withhold")
    out.state = state
    scope = key_scope(state, persona_kind)
    out.scope = "none" if scope is None else scope.value
    out.decide("key scope", out.scope, "wallet", f"{state} calls are signed with a {out.scope} key"
               if scope is not None else "undetectable calls carry no identity at all")

    # -- attributes ------------------------------------------------------------------------------------
    required: dict[str, list[str]] = {}
    for p in binding:
        for name in p.require:
            required.setdefault(name, []).append(p.party)
    silent = state in ("unlinkable", "undetectable")
    for name in sorted(set(attributes) | set(intent.disclose) | set(required)):
        wanted_by = required.get(name, [])
        allowed = name in intent.disclose and not silent
        if allowed and name not in attributes and not wanted_by:
            out.decide(f"attribute:{name}", "withheld", "wallet", "the persona has no such attribute")
            continue
        allowed = allowed and name in attributes
        if allowed:
            out.disclosed.append(name)
            why = f"required by {', '.join(wanted_by)}" if wanted_by else "your rule discloses it"
            out.decide(f"attribute:{name}", "disclosed", intent.source, why)
            continue
        if not wanted_by:
            why = f"a {state} call discloses nothing" if silent else "your rule does not disclose it"
            out.decide(f"attribute:{name}", "withheld", intent.source, why)
            continue
        resolution = "unresolved"
        if not silent and name in attributes and intent.on_conflict == "ask":
            if _ask(ask, f"{', '.join(wanted_by)} require your {name}; disclose it?", ["yes", "no"]) == "yes":
                resolution = "you chose to disclose it"
                out.disclosed.append(name)
                out.decide(f"attribute:{name}", "disclosed", "you (asked)", f"required by {', '.join(wanted_by)}")
        out.conflict(f"attribute:{name}", "withheld", intent.source, wanted_by, resolution)
        if resolution == "unresolved":
            out.decide(f"attribute:{name}", "withheld", intent.source,
                       f"required by {', '.join(wanted_by)} but " + ("the persona has none" if name not in attributes
                                                                      else f"not disclosed in a {state} call" if silent
                                                                      else "your rule withholds it"))

    # -- origin ----------------------------------------------------------------------------------------
    needs_origin = [p.party for p in binding if p.origin == "required"]
    if state == "undetectable":
        out.origin = {"status": "undetected"}
        out.decide("origin", "undetected", intent.source, "no identity, hence no origin, is sent")
    elif origin_url is None:
        out.origin = {"status": "none"}
        out.decide("origin", "none", "wallet", "no origin website was given for this call")
    elif intent.origin == "disclose":
        out.origin = {"status": "disclosed", "url": origin_url}
        out.decide("origin", "disclosed", intent.source, "your rule discloses the origin")
    else:
        out.origin = {"status": "withheld"}
        out.decide("origin", "withheld", intent.source, "replaced by the status indicator 'withheld' (draft 8.5.6)")
    if needs_origin and out.origin["status"] != "disclosed":
        resolution = "unresolved"
        if origin_url is not None and state != "undetectable" and intent.on_conflict == "ask":
            if _ask(ask, f"{', '.join(needs_origin)} require the origin website; disclose it?", ["yes", "no"]) == "yes":
                resolution = "you chose to disclose it"
                out.origin = {"status": "disclosed", "url": origin_url}
                out.decide("origin", "disclosed", "you (asked)", f"required by {', '.join(needs_origin)}")
        out.conflict("origin", out.origin["status"], intent.source, needs_origin, resolution)
    out.disclosed.sort()
    _endorse(out, intent, binding, held, destination, ask, wishes_only)
    return out


def _endorse(
    out: Outcome, intent: Intent, binding: list[Policy], held: list[dict[str, Any]], destination: str | None,
    ask: Ask | None, wishes_only: bool = False,
) -> None:
    """Pick the endorsements to present: one per IdP the caller names, one per party's requirement.

    A candidate is held for the call's key (same scope; same destination for a pairwise key). Among those a
    requirement admits (its mandated issuers, every claim it needs), the order is: the party's preferred
    issuers, then the ones the caller names, then the rest by name; then the soonest to expire. Only
    claims the caller allows (``verified``) and an unlinkable call may show are disclosed; a requirement
    for any other claim is a conflict. A one-time key has exactly one endorsement, so an unlinkable call
    presents at most one. After a fallback (``wishes_only``) the caller's own endorsement wishes are met
    where a held endorsement allows and dropped where none does; the parties' requirements still bind.
    """
    from wallet.vocabulary import UNLINKABLE_CLAIMS

    if out.scope == "none":
        return
    mine = [h for h in held if h["scope"] == out.scope and (out.scope != "pairwise" or h["destination"] == destination)]
    allowed = set(intent.verified)
    if out.state == "unlinkable":
        allowed &= set(UNLINKABLE_CLAIMS)
    named = list(intent.endorsed_by)
    # (what is needed, who needs it, mandated issuers or None, preferred issuers, claims needed)
    needs: list[tuple[str, str, list[str] | None, list[str], list[str]]] = []
    for issuer in named:
        needs.append((f"endorsement by {issuer}", intent.source, [issuer], [], []))
    for p in binding:
        if p.endorsement is not None:
            r = p.endorsement
            needs.append((r.describe(), p.party, list(r.issuers) or None, list(r.preferred), list(r.claims)))
    if intent.verified and not needs:
        needs.append((f"an endorsement vouching for {', '.join(intent.verified)}", intent.source, None, [],
                      list(intent.verified)))
    if not needs:
        return
    chosen: dict[str, dict[str, Any]] = {}
    for what, by, mandated, preferred, claims in needs:
        withheld = [c for c in claims if c not in allowed]
        if withheld:
            why = ("an unlinkable call may not show it" if out.state == "unlinkable" and set(withheld) <= set(
                intent.verified) else "your rule does not let it out (--verified)")
            resolution = "unresolved"
            if intent.on_conflict == "ask" and out.state != "unlinkable" and _ask(
                    ask, f"{by} requires {what}; disclose the verified {', '.join(withheld)}?", ["yes", "no"]) == "yes":
                resolution = "you chose to disclose it"
                allowed |= set(withheld)
            out.conflict(f"endorsement:{what}", "verified " + ", ".join(withheld) + " withheld", intent.source, [by],
                         resolution)
            if resolution == "unresolved":
                out.decide(f"endorsement:{what}", "none", intent.source, f"required by {by}, but {why}")
                continue
        rank = {i: n for n, i in enumerate([*preferred, *named])}
        fits = sorted(
            (h for h in mine if (mandated is None or h["issuer"] in mandated) and all(
                vouches(h["claims"], c) for c in claims)),
            key=lambda h: (rank.get(h["issuer"], len(rank)), h["issuer"], h["expires"], h["id"]))
        if chosen and out.scope == "one-time":
            fits = [h for h in fits if h["id"] in chosen]  # one key, hence one endorsement
        if not fits:
            left = "none of the once-only endorsements for unlinkable calls is left" if out.scope == "one-time" else \
                f"no held endorsement for this call's {out.scope} key fits"
            if wishes_only and by == intent.source:
                out.decide(f"endorsement:{what}", "none", "wallet", left + f" (after falling back to {out.state})")
                continue
            resolution = "unresolved"
            if intent.on_conflict == "ask" and by == intent.source and _ask(
                    ask, f"{left}; sign without {what}?", ["yes", "no"]) == "yes":
                resolution = "you chose to go without it"
            out.conflict(f"endorsement:{what}", "none held", by, [left], resolution)
            out.decide(f"endorsement:{what}", "none", "wallet", left + " (wallet endorse request)")
            continue
        pick = fits[0]
        entry = chosen.setdefault(pick["id"], {"id": pick["id"], "issuer": pick["issuer"], "vct": pick["vct"],
                                               "once": pick["once"], "claims": []})
        shown = sorted((set(claims) | (allowed & set(pick["claims"]))) - set(entry["claims"]))
        entry["claims"] = sorted(set(entry["claims"]) | set(shown))
        entry["verified"] = {c: pick["claims"][c] for c in entry["claims"]}
        why = f"required by {by}" if by != intent.source else "your rule names it"
        if mandated is not None and by != intent.source:
            why += f" (mandated: {', '.join(mandated)})"
        if pick["issuer"] not in named:
            chooser = f"the policy of {by}" if preferred and pick["issuer"] in preferred else "the wallet"
            why += f"; an IdP you did not name, chosen by {chooser} (draft 8.6.4)"
            out.notices.append(f"endorsement by {pick['issuer']} presented: an IdP you did not name for this call, "
                               f"chosen by {chooser} to meet {what} ({by})")
        out.decide(f"endorsement:{what}", f"{pick['issuer']} ({', '.join(entry['claims']) or 'no claim shown'})",
                   intent.source if by == intent.source else by, why)
    out.endorsements = [chosen[k] for k in sorted(chosen)]

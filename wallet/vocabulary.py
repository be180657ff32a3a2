"""The draft's vocabulary of call context, and the built-in privacy defaults.

    >>> from wallet.vocabulary import STATES, more_private
    >>> more_private("pseudonymous", "identified")
    True

Service types (draft 3.4), call models (3.3), destination categories (3.5) and
privacy states (5.1-5.4). States are ordered from least to most private:
identified < pseudonymous < unlinkable < undetectable.
"""

from __future__ import annotations

from wallet.errors import UsageError

SERVICE_TYPES = ("contact-list", "click-to-link", "negotiated", "interworking", "conferencing")
CALL_MODELS = ("single-cs", "dual-cs")
CATEGORIES = ("trusted", "inner-circle", "uncertain", "untrusted")
STATES = ("identified", "pseudonymous", "unlinkable", "undetectable")
ORIGIN_CHOICES = ("disclose", "withhold")
DEFAULT_CATEGORY = "uncertain"


def more_private(a: str, b: str) -> bool:
    return STATES.index(a) > STATES.index(b)


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise UsageError(f"unknown {what} {value!r}", hint="valid values: " + ", ".join(allowed))
    return value


class Default:
    """A built-in rule: what the wallet does when the user has no rule for a context."""

    __slots__ = ("name", "state", "disclose", "origin")

    def __init__(self, name: str, state: str, disclose: tuple[str, ...], origin: str) -> None:
        self.name = name
        self.state = state
        self.disclose = disclose
        self.origin = origin


# The seed's guidance: click-to-link is the strictest (a visitor calling a website it may not trust),
# contact-list the most open (people who chose each other). Without a service type the destination's
# category decides; unknown destinations are "uncertain".
SERVICE_DEFAULTS = {
    "click-to-link": Default("default for click-to-link", "unlinkable", (), "withhold"),
    "contact-list": Default("default for contact-list", "identified", ("display_name",), "disclose"),
    "negotiated": Default("default for negotiated", "pseudonymous", (), "withhold"),
    "interworking": Default("default for interworking", "pseudonymous", (), "withhold"),
    "conferencing": Default("default for conferencing", "pseudonymous", ("display_name",), "withhold"),
}
CATEGORY_DEFAULTS = {
    "trusted": Default("default for trusted destinations", "identified", ("display_name",), "disclose"),
    "inner-circle": Default("default for inner-circle destinations", "identified", ("display_name", "email"), "disclose"),
    "uncertain": Default("default for uncertain destinations", "pseudonymous", (), "withhold"),
    "untrusted": Default("default for untrusted destinations", "unlinkable", (), "withhold"),
}


def builtin_default(service: str | None, category: str) -> Default:
    """The service type's default if one is given, else the category's; never less private than an
    untrusted destination's default for an untrusted destination."""
    chosen = SERVICE_DEFAULTS[service] if service else CATEGORY_DEFAULTS[category]
    floor = CATEGORY_DEFAULTS["untrusted"]
    if category == "untrusted" and more_private(floor.state, chosen.state):
        return floor
    return chosen

"""The built-in privacy defaults: what the wallet does for a call that no rule of the user's covers.

    >>> from wallet.privacy.defaults import builtin_default
    >>> str(builtin_default("click-to-link", "trusted").state)
    'unlinkable'
    >>> str(builtin_default(None, "untrusted").state)
    'unlinkable'

The seed's guidance: click-to-link is the strictest (a visitor calling a
website it may not trust), contact-list the most open (people who chose each
other). Without a service type the destination's category decides; unknown
destinations are "uncertain" (docs/policy.md).
"""

from __future__ import annotations

from wallet.vocabulary import Category, OriginChoice, PrivacyState, ServiceType, more_private


class Default:
    """A built-in rule: what the wallet does when the user has no rule for a context."""

    __slots__ = ("name", "state", "disclose", "origin")

    def __init__(self, name: str, state: str, disclose: tuple[str, ...], origin: str) -> None:
        self.name = name
        self.state = state
        self.disclose = disclose
        self.origin = origin


S, O = PrivacyState, OriginChoice
SERVICE_DEFAULTS: dict[str, Default] = {
    ServiceType.CLICK_TO_LINK: Default("default for click-to-link", S.UNLINKABLE, (), O.WITHHOLD),
    ServiceType.CONTACT_LIST: Default("default for contact-list", S.IDENTIFIED, ("display_name",), O.DISCLOSE),
    ServiceType.NEGOTIATED: Default("default for negotiated", S.PSEUDONYMOUS, (), O.WITHHOLD),
    ServiceType.INTERWORKING: Default("default for interworking", S.PSEUDONYMOUS, (), O.WITHHOLD),
    ServiceType.CONFERENCING: Default("default for conferencing", S.PSEUDONYMOUS, ("display_name",), O.WITHHOLD),
}
CATEGORY_DEFAULTS: dict[str, Default] = {
    Category.TRUSTED: Default("default for trusted destinations", S.IDENTIFIED, ("display_name",), O.DISCLOSE),
    Category.INNER_CIRCLE: Default("default for inner-circle destinations", S.IDENTIFIED, ("display_name", "email"),
                                   O.DISCLOSE),
    Category.UNCERTAIN: Default("default for uncertain destinations", S.PSEUDONYMOUS, (), O.WITHHOLD),
    Category.UNTRUSTED: Default("default for untrusted destinations", S.UNLINKABLE, (), O.WITHHOLD),
}


def builtin_default(service: str | None, category: str) -> Default:
    """The service type's default if one is given, else the category's; never less private than an
    untrusted destination's default for an untrusted destination."""
    chosen = SERVICE_DEFAULTS[service] if service else CATEGORY_DEFAULTS[category]
    floor = CATEGORY_DEFAULTS[Category.UNTRUSTED]
    if category == Category.UNTRUSTED and more_private(floor.state, chosen.state):
        return floor
    return chosen

"""Privacy by context: the user's rules, the parties' policies, and the one outcome for a call.

* ``defaults``: the built-in defaults when no rule matches.
* ``rules``: the user's rules and their precedence.
* ``policy``: a destination's or calling service's policy document.
* ``reconcile``: where a policy is reconciled with the user's intent.
* ``preferences``: rules and destination categories at rest, found without scanning.
"""

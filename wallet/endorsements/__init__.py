"""Endorsements: identity providers that vouch for the user's keys without seeing the calls.

* ``sdjwt``: SD-JWT (RFC 9901): disclosures, presentations, Key Binding JWTs.
* ``credential``: the endorsement itself, an SD-JWT VC, and its claims.
* ``statuslist``: Token Status Lists (revocation, loaded in bulk).
* ``requests``: what a holder asks an IdP for, and what it answers.
* ``issuer``: the IdP role: accounts, issuing, revoking, publishing.
* ``trust``: a verifier's trusted issuers and their status lists.
* ``presentation``: an endorsement in an assertion, and its verification.
"""

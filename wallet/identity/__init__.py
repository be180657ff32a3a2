"""Who the user is: the identity root, personas, and the pseudonyms derived from them.

* ``root``: the GUID and master secret (IdentityRoot).
* ``hkdf``-based ``derivation``: where a pseudonym is derived (Deriver, Pseudonym).
* ``didkey``: a public key as a ``did:key`` identifier.
* ``personas``: the faces a user shows and the attributes they may disclose.
"""

"""Identity assertions: made, carried in an SDP, and verified by anyone, offline.

* ``jose``: compact JWS with EdDSA, strict parsing.
* ``sdp``: where an SDP is parsed (fingerprints, ``a=identity``), one reading for every reader.
* ``token``: the assertion's claims, signature and RFC 8827 envelope.
* ``verify``: one input's verdict; ``batch``: a stream of them.
* ``replay``: the verifier's replay store.
* ``ledger``: the disclosure ledger's entries (what the user disclosed, to whom, as whom).
"""

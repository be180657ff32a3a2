"""Keeping a wallet on disk: its home, files, encrypted records and the secret stores.

* ``paths``: where the home is and what it holds; ``files``: atomic writes, permissions, locks.
* ``encryption``: authenticated encryption and Argon2id passphrase envelopes.
* ``records``: the encrypted record store (state.db); ``database``: SQLite errors as wallet errors.
* ``secretstores``: the OS keyring or an encrypted file for the identity root.
* ``provisioning``: writing a whole wallet (init, import), staged and recoverable.
* ``hardening``: keeping secrets out of core dumps.
"""

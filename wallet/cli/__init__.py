"""The command-line skin over the wallet library: arguments in, library calls, output out.

    $ wallet pseudonym example.org --json

Nothing under ``wallet/`` outside this package imports it.
"""

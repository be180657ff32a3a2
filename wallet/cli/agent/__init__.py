"""The wallet agent: unlock once, then sign for this user's commands over a Unix socket (docs/design.md, section 10).

    eval "$(wallet agent)"          # prints WALLET_AGENT_SOCK=...; export WALLET_AGENT_SOCK;
    wallet sign-sdp --to shop.example offer.sdp     # runs in the agent: no passphrase, no keyring
    eval "$(wallet agent stop)"

protocol.py is the wire format and which commands the agent runs (both sides read it), client.py the
few-import path a command takes when WALLET_AGENT_SOCK is set, server.py the agent process, command.py the
``wallet agent`` command. Nothing here imports typer, so the client stays cheap.
"""

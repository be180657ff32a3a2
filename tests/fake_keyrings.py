"""keyring backends that misbehave, loaded with PYTHON_KEYRING_BACKEND=fake_keyrings.<Name>.

They stand in for broken or hanging OS keyrings; the real one is tested
against gnome-keyring in test_secret_service.py.
"""

from __future__ import annotations

import json
import os
import time

from keyring.backend import KeyringBackend


class HangingKeyring(KeyringBackend):
    """A keyring whose every call blocks (a prompt nobody will ever answer)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):  # type: ignore[no-untyped-def]
        time.sleep(3600)

    def set_password(self, service, username, password):  # type: ignore[no-untyped-def]
        time.sleep(3600)

    def delete_password(self, service, username):  # type: ignore[no-untyped-def]
        time.sleep(3600)


class ErroringKeyring(KeyringBackend):
    """A keyring that raises with the value it was given in the message (a leaky backend)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"backend exploded reading {username}")

    def set_password(self, service, username, password):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"backend exploded storing {password}")

    def delete_password(self, service, username):  # type: ignore[no-untyped-def]
        raise RuntimeError("backend exploded")


class FileBackedKeyring(KeyringBackend):
    """Works across processes via FAKE_KEYRING_FILE; FAKE_KEYRING_MODE=hang|error breaks reads, no-delete
    deletions."""

    priority = 1  # type: ignore[assignment]

    def _load(self) -> dict:
        try:
            with open(os.environ["FAKE_KEYRING_FILE"]) as fh:
                return json.load(fh)
        except FileNotFoundError:
            return {}

    def _mode(self) -> None:
        mode = os.environ.get("FAKE_KEYRING_MODE")
        if mode == "hang":
            time.sleep(3600)
        if mode == "error":
            raise OSError("the keyring daemon went away")

    def get_password(self, service, username):  # type: ignore[no-untyped-def]
        self._mode()
        return self._load().get(f"{service}/{username}")

    def set_password(self, service, username, password):  # type: ignore[no-untyped-def]
        data = self._load()
        data[f"{service}/{username}"] = password
        with open(os.environ["FAKE_KEYRING_FILE"], "w") as fh:
            json.dump(data, fh)

    def delete_password(self, service, username):  # type: ignore[no-untyped-def]
        if os.environ.get("FAKE_KEYRING_MODE") == "no-delete":  # reads work, deletions fail
            raise OSError("the keyring refuses to delete")
        data = self._load()
        data.pop(f"{service}/{username}", None)
        with open(os.environ["FAKE_KEYRING_FILE"], "w") as fh:
            json.dump(data, fh)

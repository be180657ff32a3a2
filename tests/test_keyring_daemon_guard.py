"""The suite's keyring guard (tests/keyring_daemon.py): a gnome-keyring that dies is started again, unlocked,
with what it held, and not replaced by the password-less daemon that D-Bus activation would start."""

from __future__ import annotations

import os
import signal

import pytest

import keyring_daemon

pytestmark = pytest.mark.keyring


def _need_guard() -> None:
    if not os.environ.get("WALLET_TEST_KEYRING_DIR"):
        from conftest import require_real_part

        require_real_part("a Secret Service session (.ci/with-keyring)")


def _owner_pid() -> int:
    import jeepney
    from jeepney.io.blocking import open_dbus_connection

    conn = open_dbus_connection(bus="SESSION")
    try:
        reply = conn.send_and_get_reply(jeepney.new_method_call(
            jeepney.DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                                interface="org.freedesktop.DBus"),
            "GetConnectionUnixProcessID", "s", ("org.freedesktop.secrets",)))
        return int(reply.body[0])
    finally:
        conn.close()


def test_a_killed_daemon_comes_back_unlocked_with_its_items() -> None:
    _need_guard()
    import secretstorage

    conn = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(conn)
        item = collection.create_item("guard test", {"service": "wallet-guard-test"}, b"kept")
        path = item.item_path
    finally:
        conn.close()
    pid = keyring_daemon._pid()
    assert pid is not None and keyring_daemon.running() and _owner_pid() == pid
    os.kill(pid, signal.SIGKILL)
    keyring_daemon.wait_gone()
    assert not keyring_daemon.running()
    keyring_daemon.restart(None)
    assert keyring_daemon.running() and keyring_daemon._pid() != pid and _owner_pid() == keyring_daemon._pid()
    conn = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(conn)
        assert not collection.is_locked()
        found = list(collection.search_items({"service": "wallet-guard-test"}))
        assert [i.item_path for i in found] == [path] and found[0].get_secret() == b"kept"
        found[0].delete()
    finally:
        conn.close()


def test_a_locked_collection_is_not_healthy_and_a_restart_unlocks_it() -> None:
    _need_guard()
    import secretstorage

    assert keyring_daemon.healthy()
    conn = secretstorage.dbus_init()
    try:
        secretstorage.get_default_collection(conn).lock()
    finally:
        conn.close()
    assert keyring_daemon.running() and not keyring_daemon.healthy()
    keyring_daemon.restart(None)
    assert keyring_daemon.healthy()

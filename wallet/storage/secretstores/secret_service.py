"""A read-only Secret Service client on jeepney: the fast path for reading the wallet's item.

    >>> from wallet.storage.secretstores.secret_service import read_secret   # doctest: +SKIP
    >>> read_secret({"service": "wallet", "username": "root-..."})   # doctest: +SKIP
    'wallet-root-v1:...'

It does exactly what keyring's SecretService backend does for ``get_password``
(default collection, search by the ``service`` and ``username`` attributes,
refuse a locked item instead of prompting), without importing keyring
(~120 ms of discovery) or secretstorage (which loads ``cryptography`` for its
Diffie-Hellman transport, ~10 ms). The secret crosses the session bus with the
``plain`` algorithm: that bus is a per-user socket, and any process that can
connect to it could call GetSecret itself, so transport encryption would not
change who can read the item. Writes still go through keyring.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from typing import Any

from wallet.errors import StoreUnavailable

_BUS = "org.freedesktop.secrets"
_PREFIX = "org.freedesktop.Secret."


def read_secret(attributes: dict[str, str]) -> str | None:
    """The secret of the first matching item in the default collection, or None."""
    from jeepney import DBusAddress, MessageType, Properties, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    def call(conn: Any, address: Any, method: str, signature: str, *body: Any) -> Any:
        reply = conn.send_and_get_reply(new_method_call(address, method, signature, body))
        if reply.header.message_type == MessageType.error:
            name = reply.header.fields.get(4, "an error")  # HeaderFields.error_name
            raise StoreUnavailable(
                f"the Secret Service answered {name}",
                hint="check that your keyring daemon is running and unlocked",
            )
        return reply.body

    service = DBusAddress("/org/freedesktop/secrets", bus_name=_BUS, interface=_PREFIX + "Service")
    try:
        conn = open_dbus_connection(bus="SESSION")
    except (OSError, KeyError, ValueError) as exc:
        raise StoreUnavailable(
            f"cannot reach the D-Bus session bus ({type(exc).__name__})",
            hint="run inside your desktop session, or use a wallet with the file store",
        ) from None
    try:
        _, session = call(conn, service, "OpenSession", "sv", "plain", ("s", ""))
        (collection,) = call(conn, service, "ReadAlias", "s", "default")
        if len(collection) <= 1:
            return None
        coll = DBusAddress(collection, bus_name=_BUS, interface=_PREFIX + "Collection")
        (paths,) = call(conn, coll, "SearchItems", "a{ss}", attributes)
        for path in paths:
            item = DBusAddress(path, bus_name=_BUS, interface=_PREFIX + "Item")
            reply = conn.send_and_get_reply(Properties(item).get("Locked"))
            if reply.header.message_type == MessageType.error or reply.body[0][1]:
                raise StoreUnavailable(
                    "the OS keyring is locked", hint="unlock it (log in to your desktop session)"
                )
            ((_, _, value, _),) = call(conn, item, "GetSecret", "o", session)
            return bytes(value).decode("utf-8")
        return None
    except OSError as exc:
        raise StoreUnavailable(f"the D-Bus connection failed ({type(exc).__name__})") from None
    finally:
        conn.close()

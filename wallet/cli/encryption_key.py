"""``wallet encryption-key``: a destination's X25519 key pair for confidential disclosures (wallet/jwe.py)."""

from __future__ import annotations

import json

from wallet.cli.output import Output

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import EncryptionKeyNewArgs, EncryptionKeyPublicArgs


def new(a: EncryptionKeyNewArgs) -> None:
    import os

    from wallet.cli.common import load_decrypt_key
    from wallet.jwe import generate, thumbprint
    from wallet.storage.files import write_new_file

    path = os.path.expanduser(a["output"])
    private, public = generate()
    data = (json.dumps(private) + "\n").encode("ascii")

    def readable_back(staged: str) -> None:  # what verify --decrypt-key will accept, before it replaces anything
        if load_decrypt_key(staged) != private:
            from wallet.errors import FileError

            raise FileError(f"{a['output']}: the key read back differs from the key written", hint="check the disk")

    try:
        write_new_file(path, data, replace=a["force"], check=readable_back)
    except FileExistsError:
        from wallet.errors import UsageError

        raise UsageError(f"{a['output']} already exists", hint="add --force to replace it (what callers encrypted for "
                         "the old key then no longer opens), or give another path") from None
    kid = thumbprint(public)
    out = Output(a["json_out"])
    out.notice(f"wrote the private key to {a['output']} (keep it: only it opens what callers encrypt for you); "
               f"the public key (kid {kid}) follows")
    out.product({"private_key_file": a["output"], "public_key": public, "kid": kid}, json.dumps(public))


def public(a: EncryptionKeyPublicArgs) -> None:
    from wallet.cli.common import load_decrypt_key
    from wallet.jwe import public_jwk_of, thumbprint

    jwk = public_jwk_of(load_decrypt_key(a["file"]))
    Output(a["json_out"]).product({"public_key": jwk, "kid": thumbprint(jwk)}, json.dumps(jwk))

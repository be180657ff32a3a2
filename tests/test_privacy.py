"""Privacy is the product: the GUID and master secret never reach others; data at rest reveals nothing."""

from __future__ import annotations

import json
from pathlib import Path

from wallet.storage.paths import WalletHome
from wallet.facade import open_wallet

from conftest import PASSPHRASE


def secrets_of(home: Path) -> list[bytes]:
    vault = open_wallet(WalletHome.resolve(home), passphrase=lambda _c: PASSPHRASE.encode())
    root = vault.root
    vault.close()
    import base64

    return [
        str(root.guid).encode(), root.guid.hex.encode(), root.guid.bytes,
        root.master, root.master.hex().encode(), base64.b64encode(root.master), base64.urlsafe_b64encode(root.master).rstrip(b"="),
    ]


def test_outputs_for_others_never_carry_guid_or_master(cli, file_wallet: Path) -> None:
    assert cli(["persona", "add", "PokerAce", "--kind", "pseudonym"]).code == 0
    outputs = []
    for args in (
        ["pseudonym", "a.example", "--json"],
        ["pseudonym", "a.example", "--persona", "PokerAce", "--json"],
        ["pseudonym", "a.example", "--scope", "one-time", "--json"],
        ["pseudonym", "a.example", "--scope", "persona"],
        ["persona", "show", "PokerAce", "--json"],
        ["persona", "list", "--json"],
    ):
        r = cli(args)
        assert r.code == 0
        outputs.append((r.out + r.err).encode())
    for secret in secrets_of(file_wallet):
        for out in outputs:
            assert secret not in out


def test_data_at_rest_reveals_no_guid_names_destinations_or_attributes(cli, file_wallet: Path) -> None:
    """Nothing the user typed is readable in the wallet directory (destinations are stored from issue 3 on)."""
    visible = ["VerySecretPersona", "ann.private@hidden.example", "Ann Hidden", "+15551234567", "clinic.example"]
    assert cli(["persona", "add", visible[0], "--attr", f"email={visible[1]}", "--attr", f"display_name={visible[2]}",
                "--attr", f"phone={visible[3]}"]).code == 0
    assert cli(["pseudonym", visible[4], "--persona", visible[0]]).code == 0
    needles = [v.encode() for v in visible] + [b"hidden.example", b"PokerAce", b"default", b"email", b"display_name"]
    needles += secrets_of(file_wallet)
    for path in file_wallet.iterdir():
        raw = path.read_bytes()
        for needle in needles:
            assert needle not in raw, (path.name, needle)


def test_status_is_the_only_place_the_guid_is_shown(cli, file_wallet: Path) -> None:
    guid = json.loads(cli(["status", "--json"]).out)["guid"]
    assert guid.encode() == secrets_of(file_wallet)[0]


def test_pairwise_identifiers_share_no_structure(cli, file_wallet: Path) -> None:
    """Different destinations see keys with no common prefix beyond the did:key multicodec."""
    ids = [json.loads(cli(["pseudonym", f"site{i}.example", "--json"]).out)["id"] for i in range(20)]
    assert len(set(ids)) == 20
    prefix = len("did:key:z6Mk")
    assert all(a[:prefix] == "did:key:z6Mk" for a in ids)
    common = max(
        next((k for k, (x, y) in enumerate(zip(a[prefix:], b[prefix:])) if x != y), 0)
        for a in ids for b in ids if a != b
    )
    assert common < 6  # a shared longer prefix would be astronomically unlikely for unrelated keys


def test_the_guid_is_not_an_input_to_any_identifier(cli, file_wallet: Path, tmp_path: Path, passfile: Path, monkeypatch) -> None:
    """Restore the same wallet with only its GUID changed: every identifier stays the same."""
    import uuid

    import wallet.storage.encryption

    path = tmp_path / "b.wallet"
    assert cli(["export", str(path), "--backup-passphrase-file", str(passfile)]).code == 0
    doc = json.loads(wallet.storage.encryption.open_with_passphrase(path.read_bytes(), PASSPHRASE.encode(), purpose=b"B"))
    original_guid, doc["guid"] = doc["guid"], str(uuid.uuid4())
    path.write_bytes(wallet.storage.encryption.seal_with_passphrase(json.dumps(doc).encode(), PASSPHRASE.encode(), purpose=b"B"))
    ids = [cli(["pseudonym", d, *s]).out for d in ("a.example", "b.example") for s in ([], ["--scope", "persona"])]
    monkeypatch.setenv("WALLET_HOME", str(tmp_path / "same-master-other-guid"))
    assert cli(["import", str(path), "--backup-passphrase-file", str(passfile), "--store", "file"]).code == 0
    assert json.loads(cli(["status", "--json"]).out)["guid"] != original_guid
    assert [cli(["pseudonym", d, *s]).out for d in ("a.example", "b.example") for s in ([], ["--scope", "persona"])] == ids

"""Envelope encryption, key rotation and pseudonyms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.crypto import Keyring, new_key_text, parse_master_keys
from storage.db import session_factory, transaction
from storage.errors import DecryptionError, KeyConfigError, UnknownMasterKeyError
from storage.models import DataKeyRow
from storage.vault import Vault

PSEUDO = new_key_text("p").split(":", 1)[1]


def ring(master_keys: str) -> Keyring:
    return Keyring.from_env({"TRYGG_MASTER_KEYS": master_keys, "TRYGG_PSEUDONYM_KEY": PSEUDO})


def test_value_round_trips_and_each_encryption_differs(keyring):
    """The same value encrypts differently each time (fresh nonce) and decrypts back."""
    key, _ = keyring.new_data_key("k")
    one, two = key.encrypt("hemmelig", "cases:1:what"), key.encrypt("hemmelig", "cases:1:what")
    assert one != two
    assert key.decrypt(one, "cases:1:what") == "hemmelig"


def test_ciphertext_moved_to_another_row_or_field_does_not_decrypt(keyring):
    """The row id and field name are bound as associated data."""
    key, _ = keyring.new_data_key("k")
    blob = key.encrypt("hemmelig", "cases:1:what")
    for wrong in ("cases:2:what", "cases:1:place"):
        with pytest.raises(DecryptionError) as info:
            key.decrypt(blob, wrong)
        assert "hemmelig" not in str(info.value)


def test_tampered_ciphertext_is_rejected(keyring):
    """Changing one byte makes decryption fail instead of returning garbage."""
    key, _ = keyring.new_data_key("k")
    blob = bytearray(key.encrypt("hemmelig", "x"))
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        key.decrypt(bytes(blob), "x")


def test_rotation_rewraps_data_keys_under_the_new_master_key(db):
    """After rotation every data key is under the new key and the old key can be dropped."""
    old = new_key_text("old")
    new = new_key_text("new")
    sessions = session_factory(db)
    with transaction(sessions) as session:
        key = Vault(ring(old)).create(session)
        blob = key.encrypt("hemmelig", "cases:1:what")
    rotating = Vault(ring(f"{new},{old}"))
    with transaction(sessions) as session:
        assert rotating.rotate(session) == 1
    with transaction(sessions) as session:
        row = session.scalar(select(DataKeyRow))
        assert row is not None and row.master_id == "new"
        reloaded = Vault(ring(new)).load(session, row.id)
        assert reloaded.decrypt(blob, "cases:1:what") == "hemmelig"


def test_a_key_wrapped_by_a_missing_master_key_names_it(db):
    """Loading a data key whose master key is gone says which key id to add back."""
    sessions = session_factory(db)
    with transaction(sessions) as session:
        key_id = Vault(ring(new_key_text("gone"))).create(session).key_id
    with transaction(sessions) as session, pytest.raises(UnknownMasterKeyError) as info:
        Vault(ring(new_key_text("other"))).load(session, key_id)
    assert "'gone'" in str(info.value)


def test_pseudonyms_are_stable_per_key_and_differ_across_keys(keyring):
    """The same user gets the same pseudonym; another pseudonym key gives another one."""
    first = keyring.pseudonym("telegram", "12345")
    assert first == keyring.pseudonym("telegram", "12345")
    assert first != keyring.pseudonym("slack", "12345")
    other = Keyring.from_env(
        {
            "TRYGG_MASTER_KEYS": new_key_text("k"),
            "TRYGG_PSEUDONYM_KEY": new_key_text("q").split(":", 1)[1],
        }
    )
    assert first != other.pseudonym("telegram", "12345")
    assert "12345" not in first


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "TRYGG_MASTER_KEYS is not set"),
        ("nocolon", "id:base64key"),
        ("k1:dG9vc2hvcnQ=", "32 bytes"),
        (f"{new_key_text('a')},{new_key_text('a')}", "appears twice"),
    ],
)
def test_bad_master_keys_name_the_variable(value, fragment):
    """A malformed TRYGG_MASTER_KEYS gives an error naming the variable and the problem."""
    with pytest.raises(KeyConfigError) as info:
        parse_master_keys(value)
    assert fragment in str(info.value) and info.value.variable == "TRYGG_MASTER_KEYS"


def test_missing_pseudonym_key_names_the_variable():
    """Without TRYGG_PSEUDONYM_KEY the error says so."""
    with pytest.raises(KeyConfigError) as info:
        Keyring.from_env({"TRYGG_MASTER_KEYS": new_key_text("k")})
    assert info.value.variable == "TRYGG_PSEUDONYM_KEY"

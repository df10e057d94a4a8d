"""Envelope encryption (AES-256-GCM data keys wrapped by master keys) and HMAC pseudonyms."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import DecryptionError, KeyConfigError, UnknownMasterKeyError

NONCE_BYTES = 12
KEY_BYTES = 32
# A leading version byte lets the format change without guessing at old values.
FORMAT_V1 = b"\x01"

MASTER_KEYS_VAR = "TRYGG_MASTER_KEYS"
PSEUDONYM_KEY_VAR = "TRYGG_PSEUDONYM_KEY"


def new_key_text(key_id: str) -> str:
    """A fresh master key in the `id:base64` form that TRYGG_MASTER_KEYS takes."""
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def _decode_key(text: str, variable: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError as exc:
        raise KeyConfigError(f"{variable}: a key is not valid base64", variable) from exc
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(f"{variable}: every key must be {KEY_BYTES} bytes", variable)
    return raw


def parse_master_keys(text: str) -> tuple[str, dict[str, bytes]]:
    """Parse `id:key,id:key`; the first entry is the current key used for new wrapping."""
    if not text or not text.strip():
        raise KeyConfigError(
            f"{MASTER_KEYS_VAR} is not set; create one with 'trygg keys new'", MASTER_KEYS_VAR
        )
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for entry in text.split(","):
        key_id, sep, material = entry.strip().partition(":")
        if not sep or not key_id:
            raise KeyConfigError(
                f"{MASTER_KEYS_VAR}: each entry must be id:base64key", MASTER_KEYS_VAR
            )
        if key_id in keys:
            raise KeyConfigError(
                f"{MASTER_KEYS_VAR}: key id {key_id!r} appears twice", MASTER_KEYS_VAR
            )
        keys[key_id] = _decode_key(material, MASTER_KEYS_VAR)
        order.append(key_id)
    return order[0], keys


class DataKey:
    """One record's AES-256-GCM key; every value gets a fresh nonce and names its place as AAD."""

    __slots__ = ("_aead", "key_id")

    def __init__(self, key_id: str, material: bytes) -> None:
        self.key_id = key_id
        self._aead = AESGCM(material)

    def encrypt(self, value: str, where: str) -> bytes:
        """Encrypt `value`, binding `where` (table:row:field) as associated data."""
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, value.encode("utf-8"), where.encode())

    def decrypt(self, blob: bytes, where: str) -> str:
        """Decrypt a value written by `encrypt` for the same `where`; raise on any mismatch."""
        if not blob or blob[:1] != FORMAT_V1:
            raise DecryptionError(where)
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, where.encode()).decode("utf-8")
        except InvalidTag as exc:
            raise DecryptionError(where) from exc


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key as stored: encrypted under master key `master_id`."""

    key_id: str
    master_id: str
    wrapped: bytes


class Keyring:
    """The master keys (current first) and the pseudonym key, read once from the environment."""

    def __init__(self, current: str, masters: dict[str, bytes], pseudonym_key: bytes) -> None:
        if current not in masters:
            raise KeyConfigError(f"current master key {current!r} is missing", MASTER_KEYS_VAR)
        self.current = current
        self._masters = {kid: AESGCM(key) for kid, key in masters.items()}
        self._pseudonym_key = pseudonym_key

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Keyring:
        """Build from TRYGG_MASTER_KEYS and TRYGG_PSEUDONYM_KEY; errors name the variable."""
        env = os.environ if environ is None else environ
        current, masters = parse_master_keys(env.get(MASTER_KEYS_VAR, ""))
        pseudo_text = env.get(PSEUDONYM_KEY_VAR, "")
        if not pseudo_text.strip():
            raise KeyConfigError(
                f"{PSEUDONYM_KEY_VAR} is not set; create one with 'trygg keys new'",
                PSEUDONYM_KEY_VAR,
            )
        return cls(current, masters, _decode_key(pseudo_text, PSEUDONYM_KEY_VAR))

    @property
    def master_ids(self) -> list[str]:
        return list(self._masters)

    def new_data_key(self, key_id: str) -> tuple[DataKey, WrappedKey]:
        """A fresh random data key and its wrapped form under the current master key."""
        material = secrets.token_bytes(KEY_BYTES)
        return DataKey(key_id, material), self._wrap(key_id, material, self.current)

    def _wrap(self, key_id: str, material: bytes, master_id: str) -> WrappedKey:
        nonce = os.urandom(NONCE_BYTES)
        aad = f"data_key:{key_id}:{master_id}".encode()
        body = self._masters[master_id].encrypt(nonce, material, aad)
        return WrappedKey(key_id, master_id, FORMAT_V1 + nonce + body)

    def _unwrap_material(self, wrapped: WrappedKey) -> bytes:
        master = self._masters.get(wrapped.master_id)
        if master is None:
            raise UnknownMasterKeyError(wrapped.master_id)
        blob = wrapped.wrapped
        aad = f"data_key:{wrapped.key_id}:{wrapped.master_id}".encode()
        try:
            return master.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
        except InvalidTag as exc:
            raise DecryptionError(f"data_key:{wrapped.key_id}") from exc

    def unwrap(self, wrapped: WrappedKey) -> DataKey:
        """The usable data key; fails if its master key is gone or the wrapping was altered."""
        return DataKey(wrapped.key_id, self._unwrap_material(wrapped))

    def rewrap(self, wrapped: WrappedKey) -> WrappedKey:
        """The same data key wrapped under the current master key (for rotation)."""
        if wrapped.master_id == self.current:
            return wrapped
        return self._wrap(wrapped.key_id, self._unwrap_material(wrapped), self.current)

    def pseudonym(self, platform: str, user_id: str) -> str:
        """A stable keyed pseudonym for a platform user; the raw id is never stored."""
        digest = hmac.new(self._pseudonym_key, f"{platform}:{user_id}".encode(), hashlib.sha256)
        return digest.hexdigest()

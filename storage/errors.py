"""Errors raised by the storage layer, each with a stable machine-readable code."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage error; `code` is stable, the message is for a person."""

    code = "storage_error"


class KeyConfigError(StorageError):
    """The master or pseudonym keys in the environment are missing or malformed."""

    code = "key_config"

    def __init__(self, message: str, variable: str) -> None:
        super().__init__(message)
        self.variable = variable


class UnknownMasterKeyError(StorageError):
    """A data key was wrapped by a master key that is no longer configured."""

    code = "unknown_master_key"

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"a data key is wrapped by master key {key_id!r}, which is not in TRYGG_MASTER_KEYS; "
            "add it back (after the new key) and run 'trygg keys rotate'"
        )
        self.key_id = key_id


class DecryptionError(StorageError):
    """A stored value could not be authenticated: wrong key, wrong row, or tampering."""

    code = "decryption_failed"

    def __init__(self, where: str) -> None:
        # `where` names the row and field, never the value.
        super().__init__(f"could not decrypt {where}: wrong key or the value was altered")
        self.where = where


class ErasedError(StorageError):
    """The data key of a record was destroyed; its content is gone for good."""

    code = "erased"

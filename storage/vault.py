"""Data keys in the database: create, load (with a small cache), destroy, and rotate."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.crypto import DataKey, Keyring, WrappedKey
from storage.errors import ErasedError
from storage.models import DataKeyRow, new_id


def place(table: str, row_id: str, field: str) -> str:
    """The associated data for one encrypted value: its table, row and field."""
    return f"{table}:{row_id}:{field}"


class Vault:
    """Gives out per-record data keys; a destroyed key makes its record unreadable for good."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def create(self, session: Session) -> DataKey:
        """A new data key, stored wrapped in the current transaction."""
        key, wrapped = self.keyring.new_data_key(new_id())
        session.add(DataKeyRow(id=key.key_id, master_id=wrapped.master_id, wrapped=wrapped.wrapped))
        session.flush()  # the key row must exist before rows that point at it are written
        return key

    def load(self, session: Session, key_id: str | None) -> DataKey:
        """The data key `key_id`; ErasedError when it was destroyed."""
        row = session.get(DataKeyRow, key_id) if key_id else None
        if row is None:
            raise ErasedError(f"data key {key_id} is gone")
        return self.keyring.unwrap(WrappedKey(row.id, row.master_id, row.wrapped))

    def destroy(self, session: Session, key_id: str | None) -> None:
        """Delete a data key: everything encrypted under it is erased."""
        if key_id:
            row = session.get(DataKeyRow, key_id)
            if row is not None:
                session.delete(row)

    def rotate(self, session: Session) -> int:
        """Re-wrap every data key not under the current master key; returns how many."""
        count = 0
        rows = session.scalars(
            select(DataKeyRow).where(DataKeyRow.master_id != self.keyring.current)
        )
        for row in rows:
            fresh = self.keyring.rewrap(WrappedKey(row.id, row.master_id, row.wrapped))
            row.master_id, row.wrapped = fresh.master_id, fresh.wrapped
            count += 1
        return count

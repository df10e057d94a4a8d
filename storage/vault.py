"""Data keys in the database: create, load (cached within a transaction), destroy, rotate."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, event, exists, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from storage.crypto import DataKey, Keyring, WrappedKey
from storage.errors import ErasedError
from storage.models import DataKeyRow, OutboxMessage, new_id, utcnow

# Unwrapped keys of one transaction (one turn), in `session.info`: a turn loads a key once,
# however many of its parts need it, and the transaction's end forgets them.
_CACHE = "trygg.data_keys"

# The purpose of a key that direct replies share for a minute (`conversations.reply_keys`);
# it outlives its last reply by at most this long, and is destroyed once none is queued.
REPLY = "reply"
REPLY_KEY_KEPT = timedelta(minutes=5)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CACHE, None)


def _cache(session: Session) -> dict[str, DataKey]:
    cache: dict[str, DataKey] = session.info.setdefault(_CACHE, {})
    return cache


@dataclass(frozen=True, slots=True)
class Rotation:
    """What a rotation did: how many data keys were re-wrapped, and what it could not re-wrap."""

    rewrapped: int
    # master key id → how many data keys it wraps; those master keys are not configured.
    unknown: dict[str, int] = field(default_factory=dict)


def place(table: str, row_id: str, field: str) -> str:
    """The associated data for one encrypted value: its table, row and field."""
    return f"{table}:{row_id}:{field}"


class Vault:
    """Gives out per-record data keys; a destroyed key makes its record unreadable for good."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def create(
        self, session: Session, *, purpose: str | None = None, now: datetime | None = None
    ) -> DataKey:
        """A new data key, stored wrapped in the current transaction."""
        key, wrapped = self.keyring.new_data_key(new_id())
        session.add(
            DataKeyRow(
                id=key.key_id,
                master_id=wrapped.master_id,
                wrapped=wrapped.wrapped,
                purpose=purpose,
                created_at=now or utcnow(),
            )
        )
        session.flush()  # the key row must exist before rows that point at it are written
        _cache(session)[key.key_id] = key
        return key

    def load(self, session: Session, key_id: str | None) -> DataKey:
        """The data key `key_id`; ErasedError when it was destroyed.

        Asked again in the same transaction, it answers from the transaction's cache: no
        query, and so no autoflush of what the turn has changed so far.
        """
        cache = _cache(session)
        if key_id and key_id in cache:
            return cache[key_id]
        row = session.get(DataKeyRow, key_id) if key_id else None
        if row is None:
            raise ErasedError(f"data key {key_id} is gone")
        return self.adopt(session, WrappedKey(row.id, row.master_id, row.wrapped))

    def adopt(self, session: Session, wrapped: WrappedKey) -> DataKey:
        """The data key read (wrapped) with its record, unwrapped once and cached like `load`."""
        cache = _cache(session)
        key = cache.get(wrapped.key_id)
        if key is None:
            key = cache[wrapped.key_id] = self.keyring.unwrap(wrapped)
        return key

    def destroy(self, session: Session, key_id: str | None) -> None:
        """Delete a data key: everything encrypted under it is erased."""
        if key_id:
            _cache(session).pop(key_id, None)
            session.execute(delete(DataKeyRow).where(DataKeyRow.id == key_id))

    def destroy_spent(self, session: Session, now: datetime, key_id: str | None = None) -> int:
        """Destroy direct replies' keys (`key_id`, or all) that no queued message uses; a
        shared reply key only once it is past `REPLY_KEY_KEPT`. Returns how many.

        The keys are locked first, skipping any that a turn is writing a message under right
        now (on PostgreSQL its INSERT holds a lock on the key): a key is never deleted under
        a turn that has not committed yet; a turn that comes after the lock finds the key
        gone and is applied again with a new one (`Engine`).
        """
        used = exists().where(OutboxMessage.data_key_id == DataKeyRow.id)
        spent = select(DataKeyRow.id).where(
            ~used, or_(DataKeyRow.purpose.is_(None), DataKeyRow.created_at < now - REPLY_KEY_KEPT)
        )
        if key_id is None:
            spent = spent.where(DataKeyRow.purpose == REPLY)
        else:
            spent = spent.where(DataKeyRow.id == key_id)
            _cache(session).pop(key_id, None)
        ids = list(session.scalars(spent.with_for_update(skip_locked=True)))
        if not ids:
            return 0
        gone = delete(DataKeyRow).where(DataKeyRow.id.in_(ids), ~used)
        options = {"synchronize_session": False}
        done: CursorResult[Any] = session.execute(gone, execution_options=options)  # type: ignore[assignment]
        return done.rowcount

    def rotate(self, session: Session) -> int:
        """Re-wrap every data key it can under the current master key; returns how many."""
        return self.rotate_all(session).rewrapped

    def rotate_all(self, session: Session) -> Rotation:
        """Re-wrap every data key under a configured older master key under the current one.

        Data keys whose master key is not configured are left as they are and counted per
        master key id, so the operator can add that key back and run the rotation again.
        """
        known = set(self.keyring.master_ids)
        count = 0
        unknown: Counter[str] = Counter()
        rows = session.scalars(
            select(DataKeyRow).where(DataKeyRow.master_id != self.keyring.current)
        )
        for row in rows:
            if row.master_id not in known:
                unknown[row.master_id] += 1
                continue
            fresh = self.keyring.rewrap(WrappedKey(row.id, row.master_id, row.wrapped))
            row.master_id, row.wrapped = fresh.master_id, fresh.wrapped
            count += 1
        return Rotation(count, dict(unknown))


def keys_by_master(session: Session) -> dict[str, int]:
    """How many data keys each master key id wraps (ids only, no key material)."""
    rows = session.execute(
        select(DataKeyRow.master_id, func.count()).group_by(DataKeyRow.master_id)
    ).all()
    return {master: int(count) for master, count in rows}

"""Claiming due rows (outbox, follow-ups) with a lease, so replicas never work the same row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from storage.models import DestinationPace, Leased, OutboxMessage

Row = TypeVar("Row", bound=Leased)


def claim(
    session: Session,
    model: type[Row],
    due_at: InstrumentedAttribute[datetime],
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int = 20,
) -> list[str]:
    """Lease up to `limit` due rows to `owner`; a lease that has expired is taken over.

    On PostgreSQL the rows are locked with FOR UPDATE SKIP LOCKED, so two replicas claiming at
    the same moment get different rows. SQLite serialises writers and ignores SKIP LOCKED.
    A row that fell due while every replica was down is simply due: nothing is skipped.
    """
    due = or_(
        and_(model.status == "pending", due_at <= now),
        and_(model.status == "claimed", model.lease_expires_at < now),
    )
    ids = session.scalars(
        select(model.id)  # type: ignore[attr-defined]
        .where(due)
        .order_by(due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return _take(session, model, list(ids), due, owner, now + lease)


def _take(
    session: Session,
    model: type[Leased],
    ids: list[str],
    due: ColumnElement[bool],
    owner: str,
    until: datetime,
) -> list[str]:
    """Lease the rows that are still due when the write happens (SQLite has no row locks:
    another process may have taken one since the SELECT; the UPDATE re-checks)."""
    if not ids:
        return []
    taken = set(
        session.scalars(
            update(model)
            .where(model.id.in_(ids), due)  # type: ignore[attr-defined]
            .values(status="claimed", lease_owner=owner, lease_expires_at=until)
            .returning(model.id)  # type: ignore[attr-defined]
            .execution_options(synchronize_session=False)
        )
    )
    return [row_id for row_id in ids if row_id in taken]  # in the order they were chosen


def held(session: Session, model: type[Row], row_id: str, owner: str) -> Row | None:
    """The row, locked, if `owner` still holds its lease (else another replica took it over)."""
    row = session.get(model, row_id, with_for_update=True)
    if row is None or row.status != "claimed" or row.lease_owner != owner:
        return None
    return row


def release(row: Leased, status: str) -> None:
    """End the lease, leaving the row in `status` ("pending", "done", "sent", "dead")."""
    row.status = status
    row.lease_owner = None
    row.lease_expires_at = None


def claim_outbox(
    session: Session, owner: str, now: datetime, lease: timedelta, limit: int = 50
) -> list[str]:
    """Lease due outbox rows: per destination only the first in order, and only when its pace
    allows. So a destination's messages go in order, one at a time, across every replica.
    """
    earlier = aliased(OutboxMessage)
    blocked_by_earlier = exists().where(
        earlier.destination == OutboxMessage.destination,
        earlier.status.in_(("pending", "claimed")),
        or_(
            earlier.seq < OutboxMessage.seq,
            and_(earlier.seq == OutboxMessage.seq, earlier.id < OutboxMessage.id),
        ),
    )
    paced = exists().where(
        DestinationPace.destination == OutboxMessage.destination, DestinationPace.next_at > now
    )
    due = or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "claimed", OutboxMessage.lease_expires_at < now),
    )
    ids = session.scalars(
        select(OutboxMessage.id)
        .where(due, ~blocked_by_earlier, ~paced)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.seq)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    ).all()
    return _take(session, OutboxMessage, list(ids), due, owner, now + lease)


def due_exists(session: Session, now: datetime) -> bool:
    """Whether some outbox row is due now (it may be waiting for its destination's pace)."""
    found = session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .limit(1)
    )
    return found is not None


def pace(session: Session, destination: str, next_at: datetime) -> None:
    """Let nothing go to `destination` before `next_at` (an upsert, safe across replicas)."""
    statement = _insert(session)(DestinationPace).values(destination=destination, next_at=next_at)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["destination"], set_={"next_at": statement.excluded.next_at}
        )
    )


def reserve(session: Session, key: str, now: datetime, interval: float) -> datetime:
    """The next free send slot under `key` (a platform's overall pace), taken for the caller:
    slots are `interval` seconds apart whichever replica takes them (the row is locked until
    the caller commits)."""
    row = {"destination": key, "next_at": now}
    session.execute(_insert(session)(DestinationPace).values(row).on_conflict_do_nothing())
    free = session.scalar(
        select(DestinationPace.next_at).where(DestinationPace.destination == key).with_for_update()
    )
    slot = max(free, now) if free is not None else now
    session.execute(
        update(DestinationPace)
        .where(DestinationPace.destination == key)
        .values(next_at=slot + timedelta(seconds=interval))
    )
    return slot


def _insert(session: Session) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT (PostgreSQL's, else SQLite's)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def forget_paces(session: Session, now: datetime) -> int:
    """Drop the paces that no longer hold anything back (one row per destination otherwise
    stays for ever); returns how many."""
    result = session.execute(
        delete(DestinationPace)
        .where(DestinationPace.next_at < now - timedelta(hours=1))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release_dead_claims(
    session: Session, model: type[Leased], is_dead: Callable[[str], bool]
) -> int:
    """Put back rows claimed by a process known to have ended, so they need not wait for the
    lease to run out (a restarted bot answers at once); returns how many."""
    owners = session.scalars(
        select(model.lease_owner).where(model.status == "claimed").distinct()
    ).all()
    dead = [owner for owner in owners if owner is not None and is_dead(owner)]
    if not dead:
        return 0
    result = session.execute(
        update(model)
        .where(model.status == "claimed", model.lease_owner.in_(dead))
        .values(status="pending", lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

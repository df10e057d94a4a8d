"""Claiming due rows (outbox, follow-ups) with a lease, so replicas never work the same row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import Leased

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
    rows = session.scalars(
        select(model).where(due).order_by(due_at).limit(limit).with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.status = "claimed"
        row.lease_owner = owner
        row.lease_expires_at = now + lease
    return [str(row.id) for row in rows]  # type: ignore[attr-defined]


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

"""Claiming due rows (outbox, follow-ups) with a lease, so replicas never work the same row."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from storage.models import OutboxMessage


def claim_outbox(
    session: Session, owner: str, now: datetime, lease: timedelta, limit: int = 20
) -> list[str]:
    """Lease up to `limit` due outbox rows to `owner`; an expired lease is taken over.

    On PostgreSQL the rows are locked with FOR UPDATE SKIP LOCKED, so two replicas claiming at
    the same moment get different rows. SQLite serialises writers and ignores SKIP LOCKED.
    """
    due = or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_expires_at < now),
    )
    rows = session.scalars(
        select(OutboxMessage).where(due).order_by(OutboxMessage.created_at).limit(limit)
        .with_for_update(skip_locked=True)
    ).all()  # fmt: skip
    for row in rows:
        row.status = "sending"
        row.lease_owner = owner
        row.lease_expires_at = now + lease
    return [row.id for row in rows]

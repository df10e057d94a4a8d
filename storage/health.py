"""Counts an operator needs to see that nothing is stuck (no content, only numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from storage.models import Base, Case, DataKeyRow, FollowUp, OutboxMessage

GRACE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Health:
    outbox_pending: int
    outbox_overdue: int
    outbox_dead: int
    follow_ups_pending: int
    follow_ups_overdue: int
    open_cases: int
    unacknowledged_past_deadline: int
    keys_not_current: int

    @property
    def problems(self) -> list[str]:
        found = []
        if self.outbox_dead:
            found.append(f"{self.outbox_dead} messages could not be delivered (dead letters)")
        if self.outbox_overdue:
            found.append(f"{self.outbox_overdue} messages are overdue for delivery")
        if self.follow_ups_overdue:
            found.append(f"{self.follow_ups_overdue} follow-ups are overdue (is a sweep running?)")
        if self.unacknowledged_past_deadline:
            found.append(
                f"{self.unacknowledged_past_deadline} cases are past the acknowledge deadline"
            )
        return found


def _count(session: Session, model: type[Base], *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def health(session: Session, now: datetime, current_master: str) -> Health:
    late = now - GRACE
    return Health(
        outbox_pending=_count(
            session, OutboxMessage, OutboxMessage.status != "sent", OutboxMessage.status != "dead"
        ),
        outbox_overdue=_count(
            session,
            OutboxMessage,
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at < late,
        ),
        outbox_dead=_count(session, OutboxMessage, OutboxMessage.status == "dead"),
        follow_ups_pending=_count(session, FollowUp, FollowUp.status.in_(("pending", "claimed"))),
        follow_ups_overdue=_count(
            session, FollowUp, FollowUp.status == "pending", FollowUp.due_at < late
        ),
        open_cases=_count(session, Case, Case.status != "closed"),
        unacknowledged_past_deadline=_count(
            session, Case, Case.status == "received", Case.ack_due_at < now
        ),
        keys_not_current=_count(session, DataKeyRow, DataKeyRow.master_id != current_master),
    )

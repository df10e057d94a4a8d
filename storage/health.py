"""Counts an operator needs to see that nothing is stuck (no content, only numbers)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from storage.models import Base, Case, DataKeyRow, FollowUp, OutboxMessage
from storage.vault import keys_by_master

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
    follow_ups_failed: int = 0
    current_master: str = ""
    # master key id → data keys it wraps; `unknown_masters` are not in the environment.
    keys_by_master: dict[str, int] = field(default_factory=dict)
    unknown_masters: tuple[str, ...] = ()

    @property
    def problems(self) -> list[str]:
        found = []
        for master in self.unknown_masters:
            found.append(
                f"{self.keys_by_master[master]} data keys are wrapped by master key {master!r}, "
                "which is not in TRYGG_MASTER_KEYS: their cases cannot be read; add the key "
                "back (after the current one) and run 'trygg keys rotate'"
            )
        if self.outbox_dead:
            found.append(f"{self.outbox_dead} messages could not be delivered (dead letters)")
        if self.follow_ups_failed:
            found.append(
                f"{self.follow_ups_failed} follow-ups failed (reminders or escalations not sent)"
            )
        if self.outbox_overdue:
            found.append(f"{self.outbox_overdue} messages are overdue for delivery")
        if self.follow_ups_overdue:
            found.append(f"{self.follow_ups_overdue} follow-ups are overdue (is a sweep running?)")
        if self.unacknowledged_past_deadline:
            found.append(
                f"{self.unacknowledged_past_deadline} cases are past the acknowledge deadline"
            )
        return found

    @property
    def warnings(self) -> list[str]:
        """Older master keys still in use: dropping one now would make its cases unreadable."""
        return [
            f"do not drop key {master!r} yet: {count} data keys still use it; "
            "run 'trygg keys rotate'"
            for master, count in self.keys_by_master.items()
            if master != self.current_master and master not in self.unknown_masters
        ]


def _count(session: Session, model: type[Base], *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def health(
    session: Session,
    now: datetime,
    current_master: str,
    known_masters: Collection[str] | None = None,
) -> Health:
    """The counts; master key ids not in `known_masters` (default: only the current) are
    reported as unknown."""
    late = now - GRACE
    known = set(known_masters or ()) | {current_master}
    by_master = keys_by_master(session)
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
        follow_ups_failed=_count(session, FollowUp, FollowUp.status == "failed"),
        current_master=current_master,
        keys_by_master=by_master,
        unknown_masters=tuple(sorted(m for m in by_master if m not in known)),
    )

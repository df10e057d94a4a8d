"""The append-only audit log of handler views, actions, refusals and exports (never content)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases.handlers import handler_names
from storage.models import AuditEntry
from storage.vault import Vault


def audit(
    session: Session,
    actor: str,
    action: str,
    *,
    now: datetime,
    case_ref: str | None = None,
    allowed: bool = True,
    **facts: object,
) -> None:
    """Record one access; `facts` hold ids and codes, never report text."""
    session.add(
        AuditEntry(
            at=now, actor=actor, action=action, case_ref=case_ref, allowed=allowed, facts=facts
        )
    )


@dataclass(slots=True)
class _Window:
    start: datetime
    count: int
    reasons: dict[str, int]


class Probes:
    """Refused requests per actor per hour: answered up to a limit, audited without a flood.

    The audit log is append-only, so a count cannot be raised in place. The first refusal of an
    actor in an hour is written at once (who, what, which case, why); the ones after it are only
    counted here, in memory, and written as one summary row (`refused_repeatedly`, with the
    count and the reasons) when the hour is over — at the next desk request of anyone, so an
    actor who stops probing is still summed up. After `limit` refusals in the hour the actor gets
    no answer at all. What a restart loses is at most one hour's count of repeats (never the
    first refusal); each replica counts on its own, so with N replicas an actor may get N·limit
    answers and N first rows an hour.
    """

    def __init__(self, limit: int = 5, window: timedelta = timedelta(hours=1)) -> None:
        self.limit = limit
        self.window = window
        self._windows: dict[str, _Window] = {}

    def refuse(
        self,
        session: Session,
        actor: str,
        action: str,
        *,
        now: datetime,
        case_ref: str | None,
        reason: str,
    ) -> bool:
        """Record one refusal; True while the actor may still be answered this hour."""
        self.roll(session, now)
        window = self._windows.get(actor)
        if window is None:
            self._windows[actor] = _Window(now, 1, {reason: 1})
            audit(session, actor, action, now=now, case_ref=case_ref, allowed=False, reason=reason)
            return True
        window.count += 1
        window.reasons[reason] = window.reasons.get(reason, 0) + 1
        return window.count <= self.limit

    def roll(self, session: Session, now: datetime) -> None:
        """Close the hours that are over, writing one summary row for each actor who repeated."""
        for actor, window in list(self._windows.items()):
            if now - window.start < self.window:
                continue
            del self._windows[actor]
            if window.count > 1:
                audit(
                    session,
                    actor,
                    "refused_repeatedly",
                    now=now,
                    allowed=False,
                    count=window.count,
                    reasons=dict(sorted(window.reasons.items())),
                    since=window.start.replace(second=0, microsecond=0).isoformat(),
                )


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One audit row as a person reads it: when, who (pseudonym and name), what, allowed."""

    at: datetime
    actor: str
    name: str | None
    action: str
    case_ref: str | None
    allowed: bool
    facts: dict[str, object]


def read_audit(
    session: Session,
    vault: Vault,
    *,
    case_ref: str | None = None,
    since: datetime | None = None,
) -> list[AuditLine]:
    """The audit log, oldest first, with handlers' names decrypted (callers audit the read)."""
    query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
    if case_ref is not None:
        query = query.where(AuditEntry.case_ref == case_ref)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    names = handler_names(session, vault)
    return [
        AuditLine(e.at, e.actor, names.get(e.actor), e.action, e.case_ref, e.allowed, e.facts)
        for e in session.scalars(query)
    ]

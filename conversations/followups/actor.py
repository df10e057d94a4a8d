"""Follow-ups: durable reminders and escalations, acted on in groups so nobody is spammed."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases import Notifier, append_log, handler_names, who
from conversations.followups.deadlines import CaseFacts, Due, decide, next_digest, waited
from conversations.i18n import N_
from conversations.org import Group
from storage.models import Case, CaseLogEntry, FollowUp, new_id
from storage.queue import release

log = logging.getLogger(__name__)

SECTIONS = {
    "ack_nudge": N_("nudge.ack"),
    "feedback_warning": N_("nudge.feedback_warning"),
    "feedback_overdue": N_("nudge.feedback_overdue"),
    "stale": N_("nudge.stale"),
}
# Follow-ups that remind the group: gathered into one digest per group per day.
NUDGES = ("ack_nudge", "feedback_warning", "feedback_overdue", "stale")
UNITS = {"days": N_("nudge.days"), "hours": N_("nudge.hours")}


def schedule(session: Session, case: Case, dues: list[Due], now: datetime) -> None:
    """Add follow-up rows for `case`; a follow-up already scheduled (same key) is not repeated."""
    keys = [f"{case.id}:{due.key}" for due in dues]
    existing = set(
        session.scalars(select(FollowUp.idempotency_key).where(FollowUp.idempotency_key.in_(keys)))
    )
    for due, key in zip(dues, keys, strict=True):
        if key not in existing:
            session.add(
                FollowUp(
                    id=new_id(),
                    idempotency_key=key,
                    case_id=case.id,
                    kind=due.kind,
                    due_at=due.at,
                    status="pending",
                    attempts=0,
                    created_at=now,
                )
            )


def facts(case: Case) -> CaseFacts:
    return CaseFacts(
        case.status,
        case.received_at,
        case.acknowledged_at,
        case.feedback_due_at,
        case.last_activity_at,
        case.feedback_given_at,
    )


@dataclass(slots=True)
class Batch:
    """What one sweep will say, gathered per group before anything is queued."""

    lines: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))
    cases: dict[str, Case] = field(default_factory=dict)
    escalations: dict[str, list[tuple[Case, Group]]] = field(
        default_factory=lambda: defaultdict(list)
    )


class FollowUpActor:
    """Acts on claimed follow-ups: grouped nudges, escalation notices, reporter reassurance."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    def act(self, session: Session, rows: list[FollowUp], now: datetime, sweep_id: str) -> int:
        """Fire the rows that still apply, in one message per group; returns how many fired.

        Reminders (NUDGES) go out as one digest per group per day: one that falls due while
        the group's last digest is less than 24 h old waits, pending, for the next digest
        (then listed with everything else waiting). Escalation notices and the reporter's
        "still being handled" are not reminders: they go at once.
        """
        org = self.notifier.org
        rules, zone = org.deadlines, org.organisation.timezone
        batch = Batch()
        digests: dict[str, datetime] = {}
        fired = 0
        for row in rows:
            case = session.get(Case, row.case_id)
            release(row, "done")
            row.done_at = now
            row.attempts += 1
            if case is None or case.data_key_id is None:
                continue
            decision = decide(
                Due(row.kind, row.due_at, row.idempotency_key),  # type: ignore[arg-type]
                facts(case),
                now,
                rules,
                zone,
            )
            if decision.fire and row.kind in NUDGES:
                group_id = self.notifier.group_of(case).id
                if group_id not in digests:
                    last = self.notifier.last_digest(session, group_id)
                    digests[group_id] = next_digest(last, now)
                if digests[group_id] > now:
                    self._postpone(session, row, case, digests[group_id], now)
                    continue
            if decision.next is not None:
                schedule(session, case, [decision.next], now)
            if not decision.fire:
                row.status = "skipped"
                continue
            try:
                with session.begin_nested():  # one bad case must not hold up the others
                    self._gather(session, batch, row, case, now)
            except Exception as exc:  # noqa: BLE001 - isolated to its row and reported
                log.error("follow-up could not be acted on (%s)", type(exc).__name__)
                row.status = "failed"
                continue
            fired += 1
        self._send(session, batch, now, sweep_id)
        return fired

    def _postpone(
        self, session: Session, row: FollowUp, case: Case, until: datetime, now: datetime
    ) -> None:
        """Keep a reminder for the group's next digest; what is not a reminder happens now."""
        if row.kind == "feedback_overdue":
            try:
                with session.begin_nested():
                    self._overdue(session, case, now)
            except Exception as exc:  # noqa: BLE001 - isolated to its row and reported
                log.error("follow-up could not be acted on (%s)", type(exc).__name__)
        release(row, "pending")
        row.due_at = until
        row.done_at = None

    def _gather(
        self, session: Session, batch: Batch, row: FollowUp, case: Case, now: datetime
    ) -> None:
        group = self.notifier.group_of(case)
        tr = self.notifier.desk_tr
        if row.kind == "escalate":
            target = self.notifier.org.group(group.escalation)
            if target is not None:
                batch.escalations[target.id].append((case, group))
                append_log(session, case, "system", "escalation_notice", {"to": target.id})
            return
        batch.cases.setdefault(group.id, case)
        amount, unit = waited(case.received_at, now)
        if row.kind == "feedback_warning" and case.feedback_due_at is not None:
            label = tr.local_day(case.feedback_due_at)
        elif row.kind == "stale":
            amount, unit = waited(case.last_activity_at, now)
            label = tr.t(UNITS[unit], count=amount)
        else:
            label = tr.t(UNITS[unit], count=amount)
        entry = f"{case.reference} ({label})"
        if case.owner is not None:  # the owner is named first: it is theirs to act on
            entry = f"{who(case.owner, handler_names(session, self.notifier.vault))}: {entry}"
        batch.lines[group.id].setdefault(row.kind, []).append(entry)
        if row.kind == "feedback_overdue":
            self._overdue(session, case, now)

    def _overdue(self, session: Session, case: Case, now: datetime) -> None:
        """Log the passed feedback deadline and reassure the reporter, once per deadline."""
        due = case.feedback_due_at.isoformat() if case.feedback_due_at else ""
        logged = session.scalars(
            select(CaseLogEntry).where(
                CaseLogEntry.case_id == case.id, CaseLogEntry.event == "feedback_overdue"
            )
        )
        if any(entry.facts.get("due") == due for entry in logged):
            return
        append_log(session, case, "system", "feedback_overdue", {"due": due})
        self._reassure(session, case, now)

    def _reassure(self, session: Session, case: Case, now: datetime) -> None:
        """Tell a reporter who may be contacted that their report is still being handled."""
        if not (case.contact_ok and self.notifier.org.deadlines.tell_reporter_when_overdue):
            return
        body = self.notifier.reporter_tr(case).t("reporter.still_handled", reference=case.reference)
        self.notifier.to_reporter(session, case, body, now, key=f"still_handled:{now.isoformat()}")

    def _send(self, session: Session, batch: Batch, now: datetime, sweep_id: str) -> None:
        tr = self.notifier.desk_tr
        for group_id, sections in batch.lines.items():
            parts = [tr.t("nudge.title")]
            for kind, entries in sections.items():
                parts.append(tr.t(SECTIONS[kind], count=len(entries), cases=", ".join(entries)))
            case = batch.cases[group_id]
            self.notifier.to_channel(
                session, case, group_id, "\n".join(parts), now, key=f"nudge:{group_id}:{sweep_id}"
            )
            log.info("nudged a group about %d kinds of follow-up", len(sections))
        for target_id, items in batch.escalations.items():
            lines = [
                tr.t(
                    "nudge.escalation",
                    reference=c.reference,
                    group=g.name,
                    hours=self.notifier.org.deadlines.escalate_after_hours,
                )
                for c, g in items
            ]
            self.notifier.to_channel(
                session,
                items[0][0],
                target_id,
                "\n".join(lines),
                now,
                key=f"escalation:{target_id}:{sweep_id}",
            )
            log.info("escalation notice sent for %d cases", len(items))

"""A case's state as its alert shows it: who acknowledged or closed it and when, who holds it,
and which of the alert's buttons still make sense."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases.handlers import handler_names, who
from conversations.cases.labels import STATUS
from conversations.i18n import Translator
from conversations.states import Status
from storage.models import Case, CaseLogEntry
from storage.vault import Vault


def live_actions(case: Case, order: tuple[str, ...]) -> tuple[str, ...]:
    """The alert's actions (in `order`) that still make sense for the case as it is now."""
    if case.status == Status.CLOSED:
        return tuple(a for a in order if a == "log")
    hidden = set()
    if case.status == Status.RECEIVED:
        hidden |= {"progress", "feedback"}
    else:
        hidden.add("ack")
    if case.status == Status.IN_PROGRESS:
        hidden.add("progress")
    if case.owner is not None:
        hidden.add("take")
    if case.feedback_given_at is not None:
        hidden.add("feedback")
    if not case.contact_ok:  # the reporter asked not to be written to
        hidden.add("reply")
    return tuple(a for a in order if a not in hidden)


def state_line(session: Session, vault: Vault, case: Case, tr: Translator) -> str | None:
    """ "Acknowledged by Kari Nilsen, 18. november 2026 14:00 · held by Kari Nilsen" (None for
    a case nobody has acted on yet)."""
    t = tr.t
    names = handler_names(session, vault)
    last = {
        entry.event: entry
        for entry in session.scalars(
            select(CaseLogEntry)
            .where(
                CaseLogEntry.case_id == case.id,
                CaseLogEntry.event.in_(("acknowledged", "closed", "reopened", "status")),
            )
            .order_by(CaseLogEntry.seq)
        )
    }
    parts = []
    if case.status == Status.CLOSED and "closed" in last:
        entry = last["closed"]
        parts.append(t("desk.state.closed", name=who(entry.actor, names), at=tr.moment(entry.at),
                       outcome=str(entry.facts.get("outcome", ""))))  # fmt: skip
    elif case.status != Status.RECEIVED and "acknowledged" in last:
        entry = last["acknowledged"]
        parts.append(t("desk.state.acknowledged", name=who(entry.actor, names),
                       at=tr.moment(entry.at)))  # fmt: skip
        if case.status == Status.IN_PROGRESS:
            parts.append(t(STATUS[Status.IN_PROGRESS]))
    if case.owner is not None:
        parts.append(t("desk.state.owner", name=who(case.owner, names)))
    if case.feedback_given_at is not None:
        parts.append(t("desk.state.feedback", day=tr.local_day(case.feedback_given_at)))
    if case.legal_hold:
        parts.append(t("desk.state.hold"))
    return " · ".join(parts) if parts else None

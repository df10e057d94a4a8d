"""Retention: abandoned drafts, closed cases past their time, and old event ids are deleted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from conversations.cases.audit import audit
from conversations.org import Org
from conversations.states import Status, Step
from storage.models import Case, Conversation, OutboxMessage, ProcessedEvent
from storage.vault import Vault

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Purged:
    drafts: int
    cases: int
    events: int


def purge(session: Session, vault: Vault, org: Org, now: datetime) -> Purged:
    """Delete what the organisation's retention settings say is due; log counts, never content."""
    rules = org.retention
    drafts = 0
    stale_before = now - timedelta(days=rules.draft_days)
    for conversation in session.scalars(
        select(Conversation).where(
            Conversation.draft.is_not(None), Conversation.updated_at < stale_before
        )
    ):
        key_id = conversation.data_key_id
        conversation.draft, conversation.data_key_id, conversation.step = None, None, Step.IDLE
        session.flush()
        vault.destroy(session, key_id)
        drafts += 1
    closed_before = now - timedelta(days=rules.closed_case_days)
    cases = 0
    for case in session.scalars(
        select(Case).where(
            Case.status == Status.CLOSED,
            Case.closed_at < closed_before,
            Case.legal_hold.is_(False),  # a legal hold keeps the case until it is released
        )
    ):
        # Destroying the key erases the content; the rows go too. A message that never
        # arrived goes with its case, but not silently: the audit log counts it.
        undelivered = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.case_id == case.id, OutboxMessage.status == "dead")
        )
        vault.destroy(session, case.data_key_id)
        if undelivered:
            audit(
                session,
                "system",
                "purged",
                now=now,
                case_ref=case.reference,
                undelivered=int(undelivered),
            )
        else:
            audit(session, "system", "purged", now=now, case_ref=case.reference)
        if undelivered:
            log.warning("a purged case had %d undelivered messages (audited)", undelivered)
        session.delete(case)
        cases += 1
    result = session.execute(
        delete(ProcessedEvent).where(
            ProcessedEvent.processed_at < now - timedelta(days=rules.processed_event_days)
        )
    )
    events = int(getattr(result, "rowcount", 0) or 0)
    if drafts or cases or events:
        log.info("purged %d drafts, %d closed cases, %d event ids", drafts, cases, events)
    return Purged(drafts, cases, events)

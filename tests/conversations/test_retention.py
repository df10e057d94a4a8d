"""Retention: abandoned drafts and closed cases past their time are erased, the purge logged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conversations.retention import purge
from storage.models import AuditEntry, Case, CaseLogEntry, Conversation, DataKeyRow, ProcessedEvent
from tests.chat import Chat, count
from tests.conftest import NOW
from tests.conversations.test_intake import file_report


def run_purge(engine, when):
    with engine.sessions() as session, session.begin():
        return purge(session, engine.vault, engine.org, when)


def test_abandoned_draft_is_deleted_after_the_configured_days(engine):
    """A draft untouched for 7 days loses its content and its key; a fresh one stays."""
    chat = Chat(engine)
    chat.send("/start")
    for line in ("1", "1", "1", "1", "half a story"):
        chat.send(line)
    assert run_purge(engine, NOW + timedelta(days=6)).drafts == 0
    assert run_purge(engine, NOW + timedelta(days=7, minutes=1)).drafts == 1
    with engine.sessions() as session:
        conversation = session.scalars(select(Conversation)).one()
    assert conversation.draft is None and conversation.step == "idle"
    assert count(engine, DataKeyRow) == 0


def test_closed_case_is_purged_after_retention_with_its_key(engine):
    """730 days after closing, the case, its log and its key are gone; the audit says so."""
    file_report(Chat(engine, locale="en"), "en")
    with engine.sessions() as session:
        reference = session.scalars(select(Case.reference)).one()
    chat = Chat(engine)
    chat.send(f"@region /ack {reference}")
    chat.send(f"@region /close {reference} resolved")
    assert run_purge(engine, NOW + timedelta(days=729)).cases == 0
    assert run_purge(engine, NOW + timedelta(days=731)).cases == 1
    assert count(engine, Case) == 0 and count(engine, CaseLogEntry) == 0
    assert count(engine, DataKeyRow) == 0
    with engine.sessions() as session:
        purged = session.scalars(select(AuditEntry).where(AuditEntry.action == "purged")).one()
    assert purged.case_ref == reference and purged.facts == {}


def test_open_cases_are_never_purged(engine):
    """However old, a case that is not closed stays."""
    file_report(Chat(engine, locale="en"), "en")
    assert run_purge(engine, NOW + timedelta(days=5000)).cases == 0
    assert count(engine, Case) == 1


def test_old_event_ids_are_forgotten(engine):
    """Processed platform event ids are kept for a week, then deleted."""
    from conversations.messages import Inbound

    engine.handle(Inbound("console", "u", "console:local", text="/start", event_id="e1"))
    assert run_purge(engine, NOW + timedelta(days=8)).events == 1
    assert count(engine, ProcessedEvent) == 0

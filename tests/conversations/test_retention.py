"""Retention: abandoned drafts and closed cases past their time are erased, the purge logged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conversations.cases import purge
from storage.models import (
    AuditEntry,
    Case,
    CaseLogEntry,
    Conversation,
    DataKeyRow,
    HandlerName,
    ProcessedEvent,
)
from tests.chat import Chat, count, record_keys
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
    assert record_keys(engine) == 0


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
    assert record_keys(engine) == count(engine, HandlerName)  # a handler's name stays
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


def test_a_purge_leaves_no_erased_key_in_the_write_ahead_log(engine, db_path):
    """SQLite: after the purge sweep, the wrapped data key is in neither the file nor its WAL."""
    from bot.sweeps import PurgeSweep

    if engine.sessions.kw["bind"].dialect.name != "sqlite":
        return  # PostgreSQL has no WAL file of ours to scan; the key row is simply deleted
    file_report(Chat(engine, locale="en"), "en")
    with engine.sessions() as session:
        case = session.scalars(select(Case)).one()
        wrapped = session.get(DataKeyRow, case.data_key_id).wrapped
    chat = Chat(engine)
    chat.send(f"@region /ack {case.reference}")
    chat.send(f"@region /close {case.reference} resolved")
    sweep = PurgeSweep(engine.sessions, engine.vault, engine.org, clock=lambda: NOW)
    sweep.clock = lambda: NOW + timedelta(days=731)
    assert sweep.run_once().cases == 1
    wal = db_path.with_name(db_path.name + "-wal")
    for path in (db_path, wal):
        if path.exists():
            assert wrapped not in path.read_bytes(), f"the erased key is still in {path.name}"


def test_a_purged_case_s_dead_letters_are_counted_in_the_audit_log(engine):
    """A message that never arrived goes with its purged case, but not silently."""
    from sqlalchemy import update

    from storage.models import OutboxMessage

    file_report(Chat(engine, locale="en"), "en")
    with engine.sessions() as session, session.begin():
        reference = session.scalars(select(Case.reference)).one()
        session.execute(update(OutboxMessage).values(status="dead"))
    chat = Chat(engine)
    chat.send(f"@region /ack {reference}")
    chat.send(f"@region /close {reference} resolved")
    assert run_purge(engine, NOW + timedelta(days=731)).cases == 1
    with engine.sessions() as session:
        purged = session.scalars(select(AuditEntry).where(AuditEntry.action == "purged")).one()
    assert purged.facts.get("undelivered", 0) >= 1

"""The desk on the record: handlers by name, an owner for every case, feedback, legal hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.console import GROUP_PREFIX
from conversations.cases import purge
from conversations.messages import Inbound
from storage.models import AuditEntry, Case, CaseLogEntry, FollowUp, HandlerName
from tests.chat import Chat, the_case
from tests.conftest import NOW, RecordingConsole
from tests.conversations.test_intake import file_report

REGION = f"{GROUP_PREFIX}region"
KARI, PER = "handler", "handler-2"


@pytest.fixture
def console() -> RecordingConsole:
    """Two handlers with names, as a platform would give them."""
    console = RecordingConsole()
    console.handler_ids = frozenset({KARI, PER})
    console.handler_names = {KARI: "Kari Nilsen", PER: "Per Ødegård"}
    return console


def say(chat: Chat, line: str, user: str = KARI) -> str:
    """`user` writes `line` in the region group's channel; returns the bot's answer there."""
    replies = chat.raw(Inbound("console", user, REGION, text=line, private=False))
    return "\n".join(r.text for r in replies)


@pytest.fixture
def reference(engine) -> str:
    file_report(Chat(engine, locale="en"), "en")
    return the_case(engine).reference


def log_of(engine, event: str) -> list[CaseLogEntry]:
    with engine.sessions() as session:
        query = select(CaseLogEntry).where(CaseLogEntry.event == event)
        return list(session.scalars(query))


def test_the_confirmation_and_the_log_name_the_handler_who_acted(engine, reference):
    """'Acknowledged by Kari Nilsen': the confirmation, /log and the stored name agree."""
    chat = Chat(engine)
    assert "Kari Nilsen" in say(chat, f"/ack {reference}")
    assert say(chat, f"/note {reference} Spoke with the reporter", PER).endswith("Per Ødegård")
    log = say(chat, f"/log {reference}")
    assert "Kari Nilsen · bekreftet mottatt" in log and "Per Ødegård · notat" in log
    assert "handler:" not in log


def test_a_handler_name_is_stored_encrypted_under_the_pseudonym(engine, reference):
    """The name is ciphertext keyed by the pseudonym; the case log holds only the pseudonym."""
    say(Chat(engine), f"/ack {reference}")
    (entry,) = log_of(engine, "acknowledged")
    with engine.sessions() as session:
        row = session.get(HandlerName, entry.actor)
    assert row is not None and entry.actor.startswith("handler:")
    assert b"Kari" not in row.name and "Kari" not in entry.actor


def test_a_platform_without_names_shows_the_pseudonym(engine, console, reference):
    """Without a name from the platform, the log shows the handler's pseudonym (no crash)."""
    console.handler_names = {}
    log = say(Chat(engine), f"/ack {reference}") + say(Chat(engine), f"/log {reference}")
    assert "handler:" in log


def test_take_assign_and_hand_over_are_logged_and_shown(engine, reference):
    """Take, then hand over by name: the owner changes, each step is in the log."""
    chat = Chat(engine)
    say(chat, f"/ack {reference}", PER)  # Per becomes known to the bot in this group
    assert "Kari Nilsen" in say(chat, f"/take {reference}")
    assert "allerede" in say(chat, f"/take {reference}")
    assert "Per Ødegård" in say(chat, f"/assign {reference} per odegard")
    with engine.sessions() as session:
        owner = session.scalars(select(Case.owner)).one()
    assert owner == log_of(engine, "acknowledged")[0].actor
    assert [e.event for e in log_of(engine, "taken") + log_of(engine, "handed_over")] == [
        "taken",
        "handed_over",
    ]
    log = say(chat, f"/log {reference}")
    assert "from=Kari Nilsen, to=Per Ødegård" in log


def test_assign_to_an_unknown_name_changes_nothing(engine, reference):
    """A name no handler of the group has is refused to the asker; no owner is set."""
    chat = Chat(engine)
    say(chat, f"/ack {reference}")
    (answer,) = chat.raw(
        Inbound("console", KARI, REGION, text=f"/assign {reference} Nobody", private=False)
    )
    assert answer.only_for == KARI and "Ingen behandler" in answer.text
    assert the_case(engine).owner is None


def test_take_is_a_button_on_the_alert(engine, sweep, console, reference):
    """A new alert offers 'Take this case', and not yet 'Give feedback' or 'In progress'."""
    sweep.run_once()
    values = [c.value.split(":")[1] for c in console.sent[-1].choices]
    assert values == ["ack", "take", "reply", "note", "minutes", "log", "escalate"]


def test_feedback_reaches_the_reporter_and_stops_the_warnings(
    engine, sweep, follow_ups, console, clock, reference
):
    """/feedback sends the text, meets the deadline, and no feedback warning fires after it."""
    chat = Chat(engine)
    say(chat, f"/ack {reference}")
    assert "Fristen for tilbakemelding er nådd" in say(
        chat, f"/feedback {reference} We have spoken with the person named."
    )
    sweep.run_once()
    assert "We have spoken with the person named." in console.sent[-1].text
    case = the_case(engine)
    assert case.feedback_given_at == NOW
    assert case.feedback_due_at is not None
    clock[0] = case.feedback_due_at + timedelta(days=1)
    follow_ups.run_once()
    with engine.sessions() as session:
        kinds = session.execute(select(FollowUp.kind, FollowUp.status)).all()
    statuses = {status for kind, status in kinds if kind.startswith("feedback")}
    assert "skipped" in statuses and "done" not in statuses  # due, and not fired
    assert not log_of(engine, "feedback_overdue")


def test_feedback_needs_an_acknowledged_case(engine, reference):
    """Feedback before acknowledgement is refused; the case is unchanged."""
    answer = say(Chat(engine), f"/feedback {reference} Too early")
    assert "Bekreft" in answer and the_case(engine).feedback_given_at is None


def test_a_legal_hold_keeps_a_closed_case_from_the_purge(engine, reference):
    """/hold pauses the purge for that case; /release lets the next purge take it."""
    chat = Chat(engine)
    say(chat, f"/ack {reference}")
    say(chat, f"/close {reference} resolved")
    assert "rettslig hold" in say(chat, f"/hold {reference} Police inquiry")
    later = NOW + timedelta(days=800)
    with engine.sessions() as session, session.begin():
        assert purge(session, engine.vault, engine.org, later).cases == 0
    say(chat, f"/release {reference}")
    with engine.sessions() as session, session.begin():
        assert purge(session, engine.vault, engine.org, later).cases == 1
    with engine.sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert "hold" in actions and "release" in actions


def test_a_late_acknowledgement_does_not_move_the_feedback_deadline(org):
    """Feedback is due 3 months from acknowledgement, at the latest from receipt + 7 days."""
    from conversations.followups import feedback_due

    rules, zone = org.deadlines, org.organisation.timezone
    on_time = feedback_due(NOW, NOW + timedelta(days=2), rules, zone)
    late = feedback_due(NOW, NOW + timedelta(days=30), rules, zone)
    unacknowledged = feedback_due(NOW, None, rules, zone)
    assert on_time.date().isoformat() == "2027-02-20"
    assert late == unacknowledged and late.date().isoformat() == "2027-02-25"


def test_a_recorded_report_is_routed_alerted_and_owed_the_same_deadlines(engine, sweep, console):
    """A report taken by phone: the same routing (a leader → the central group), an alert
    that says how it came, the acknowledge deadline, and the recorder in the case log."""
    from conversations.desk import Recorded, record_report

    leader = {"name": "Per Hansen", "role": "board member", "leader": "yes"}
    report = Recorded("phone", "oslo", "He shouted at me", "last Monday", "Oslo office", [leader])
    with engine.sessions() as session, session.begin():
        case = record_report(session, engine.desk, report, "handler:abc", NOW)
        reference, group, due = case.reference, case.group_id, case.ack_due_at
    assert group == "sentral" and due == NOW + timedelta(days=7)
    sweep.run_once()
    alert = next(o for o in console.sent if o.address == f"{GROUP_PREFIX}sentral")
    assert reference in alert.text and "Kom inn på telefon" in alert.text
    assert [e.actor for e in log_of(engine, "recorded")] == ["handler:abc"]
    with engine.sessions() as session:
        kinds = set(session.scalars(select(FollowUp.kind)))
    assert {"ack_nudge", "escalate", "feedback_warning"} <= kinds


def test_a_nudge_names_the_owner_first(engine, follow_ups, sweep, console, clock, reference):
    """A case with an owner is listed in the group's reminder under the owner's name."""
    say(Chat(engine), f"/take {reference}")
    clock[0] = NOW + timedelta(hours=25)
    assert follow_ups.run_once() == 1
    sweep.run_once()
    nudge = next(o.text for o in reversed(console.sent) if o.address == REGION)
    assert f"Kari Nilsen: {reference} (" in nudge


def test_no_handler_name_minutes_or_feedback_in_plain_bytes(engine, console, db, db_path):
    """A canary as a handler's name, in minutes asked field by field, in feedback and in a
    hold's reason is nowhere in the raw database (file and WAL, or every PostgreSQL value)."""
    from tests.storage.test_encryption_at_rest import raw_bytes

    canary = "CANARY-desk-5e1b"
    console.handler_names = {KARI: f"Kari {canary}", PER: "Per Ødegård"}
    file_report(Chat(engine, locale="en"), "en")
    reference = the_case(engine).reference
    chat = Chat(engine)
    say(chat, f"/ack {reference}")
    say(chat, f"/feedback {reference} {canary} feedback")
    say(chat, f"/hold {reference} {canary} reason")
    chat.raw(Inbound("console", KARI, REGION, choice=f"desk:minutes:{reference}",
                     content="choice", private=False))  # fmt: skip
    say(chat, f"{canary} date")
    mid_form = raw_bytes(db, db_path)
    for answer in (f"{canary} who", "summary", "-", "-"):
        say(chat, answer)
    for data in (mid_form, raw_bytes(db, db_path)):
        assert canary.encode() not in data and canary.encode("utf-16-le") not in data
    assert canary in say(chat, f"/log {reference}")  # it is there, encrypted

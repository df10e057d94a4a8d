"""A sent report read back from /status with the exchange, and added to, by its reporter only."""

from __future__ import annotations

from sqlalchemy import select

from adapters.console import ADDRESS, GROUP_PREFIX
from conversations.messages import Inbound
from storage.models import CaseLogEntry
from tests.chat import Chat, the_case
from tests.conversations.test_desk import handler
from tests.conversations.test_intake import file_report

REGION = f"{GROUP_PREFIX}region"


def test_status_reads_the_report_back_with_the_groups_messages(engine, sweep, console):
    """/status → Read K-…: the report as sent (what, who) and the exchange, in order; the
    reading is in the case log."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en", what="He grabbed my arm at the meeting.")
    reference = the_case(engine).reference
    handler(chat, f"/reply {reference} Thank you. Who else was there?")
    sweep.run_once()
    chat.send("/status")
    assert f"Read {reference}" in chat.labels() and f"Add to {reference}" in chat.labels()
    chat.press(f"Read {reference}")
    shown = chat.replies[-1].text if reference in chat.replies[-1].text else chat.replies[-2].text
    assert "He grabbed my arm at the meeting." in shown
    assert "Ola Nordmann" in shown
    assert "The group" in shown and "Who else was there?" in shown
    with engine.sessions() as session:
        events = list(session.scalars(select(CaseLogEntry.event).order_by(CaseLogEntry.seq)))
    assert events[-1] == "read_by_reporter"


def test_adding_to_a_sent_report_reaches_its_group(engine, sweep, console):
    """Add to K-…: the next message goes to the case's group and into the exchange."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    reference = the_case(engine).reference
    sweep.run_once()
    chat.send("/status")
    chat.press(f"Add to {reference}")
    assert reference in chat.last and "Write what you want to add" in chat.last
    chat.send("He did it again today.")
    sweep.run_once()
    assert console.sent[-1].address == REGION
    assert "He did it again today." in console.sent[-1].text
    chat.send("/status")
    chat.press(f"Read {reference}")
    assert any("He did it again today." in r.text for r in chat.replies[-2:])


def test_nobody_reads_another_reporters_case_by_pressing_its_button(engine):
    """A forged or stale "sent:read:K-…" for someone else's case is refused, nothing shown."""
    owner = Chat(engine, user_id="owner", locale="en")
    file_report(owner, "en", what="Only the owner may read this.")
    reference = the_case(engine).reference
    other = Chat(engine, user_id="someone-else", locale="en")
    forged = Inbound(
        "console", "someone-else", ADDRESS, choice=f"sent:read:{reference}", content="choice",
        locale="en-GB",
    )  # fmt: skip
    replies = other.raw(forged)
    assert replies and all("Only the owner" not in r.text for r in replies)
    assert "earlier conversation" in replies[0].text

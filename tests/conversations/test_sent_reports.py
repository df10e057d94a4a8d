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


def test_a_number_typed_after_status_is_its_button_never_a_message_to_the_group(
    engine, sweep, console
):
    """On the console (numbered choices) "1" after /status reads the report; a bare number
    is never relayed to the group as the reporter's message."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en", what="Only numbers here.")
    sweep.run_once()
    sent_before = len(console.sent)
    chat.send("/status")
    chat.send("1")
    assert any("Only numbers here." in r.text for r in chat.replies[-2:])
    chat.send("2")
    sweep.run_once()
    assert all(o.text != "2" and ": 2" not in o.text for o in console.sent[sent_before:])


def test_the_receipt_does_not_promise_messages_to_someone_who_said_no(engine):
    """ "Don't write to me" at the review: the receipt says they will not write."""
    chat = Chat(engine, locale="en")
    chat.send("/start")
    for line in ("1", "1", "1", "It happened.", "don't know", "At work", "don't know", "1", "1"):
        chat.send(line)
    chat.press("Don't write to me")
    chat.press("Send the report")
    assert "they will not write to you here" in chat.last
    assert "You will hear from them here" not in chat.last

"""Alerts that show the state: edited after acknowledgement, claim or close, with only the
buttons that still make sense; a hand-over to the escalation group shows who holds the case."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.console import GROUP_PREFIX
from conversations.errors import PermanentDeliveryError
from conversations.messages import Inbound, Outbound
from storage.models import OutboxMessage
from tests.chat import Chat, the_case
from tests.conftest import RecordingConsole
from tests.conversations.test_intake import file_report

REGION = f"{GROUP_PREFIX}region"
CENTRAL = f"{GROUP_PREFIX}sentral"


class EditingConsole(RecordingConsole):
    """The console, with edits that can be refused for good (a platform's permanent error)."""

    def __init__(self) -> None:
        super().__init__()
        self.edit_failures: list[Exception] = []

    def edit(self, ref: str, outbound: Outbound) -> None:
        if self.edit_failures:
            raise self.edit_failures.pop(0)
        super().edit(ref, outbound)


@pytest.fixture
def console() -> EditingConsole:
    console = EditingConsole()
    console.handler_names = {"handler": "Kari Nilsen"}
    return console


def say(chat: Chat, line: str) -> str:
    replies = chat.raw(Inbound("console", "handler", REGION, text=line, private=False))
    return "\n".join(r.text for r in replies)


@pytest.fixture
def reference(engine, sweep) -> str:
    file_report(Chat(engine, locale="en"), "en")
    sweep.run_once()
    return the_case(engine).reference


def actions(outbound: Outbound) -> list[str]:
    return [c.value.split(":")[1] for c in outbound.choices]


def test_acknowledging_edits_the_alert_with_who_and_the_buttons_left(
    engine, sweep, console, reference
):
    """After /ack and /take the alert says who, and offers no Acknowledge or Take any more."""
    (alert,) = [o for o in console.sent if o.address == REGION]
    alert_ref = console.stdout.getvalue().split("[")[-1].split("]")[0]
    chat = Chat(engine)
    say(chat, f"/ack {reference}")
    sweep.run_once()
    ref, edited = console.edits[-1]
    assert ref == alert_ref and edited.address == REGION
    assert edited.text.startswith(alert.text)
    assert "Bekreftet mottatt av Kari Nilsen, 18. november 2026 14:00" in edited.text
    assert actions(edited) == ["take", "reply", "note", "minutes", "progress", "log",
                               "escalate", "feedback"]  # fmt: skip
    say(chat, f"/take {reference}")
    sweep.run_once()
    assert "saksansvarlig: Kari Nilsen" in console.edits[-1][1].text
    assert "take" not in actions(console.edits[-1][1])


def test_a_closed_case_alert_offers_only_the_log(engine, sweep, console, reference):
    """After /close the alert says who closed it and offers only Show log."""
    chat = Chat(engine)
    say(chat, f"/ack {reference}")
    say(chat, f"/close {reference} resolved")
    sweep.run_once()
    _, edited = console.edits[-1]
    assert "Avsluttet av Kari Nilsen" in edited.text and actions(edited) == ["log"]


def test_reading_does_not_edit_the_alert(engine, sweep, console, reference):
    """/log and a note change no state: no edit is queued."""
    chat = Chat(engine)
    say(chat, f"/log {reference}")
    say(chat, f"/note {reference} A note")
    sweep.run_once()
    assert console.edits == []


def test_an_alert_that_cannot_be_edited_is_left_as_it_was_not_a_dead_letter(
    engine, sweep, console, reference
):
    """A platform refusing the edit for good (too old, too long): the row is done, not dead."""
    console.edit_failures.append(PermanentDeliveryError("too long to edit in place"))
    say(Chat(engine), f"/ack {reference}")
    sweep.run_once()
    with engine.sessions() as session:
        rows = session.execute(
            select(OutboxMessage.status, OutboxMessage.last_error).where(
                OutboxMessage.kind == "alert_edit"
            )
        ).all()
    assert [status for status, _ in rows] == ["sent"] and rows[0][1]


def test_escalation_hands_the_case_over_and_both_alerts_say_who_holds_it(
    engine, sweep, console, reference
):
    """/escalate: the central group gets an alert, the first group's alert says who holds the
    case now, with no buttons, and the first group can no longer read or act on it."""
    chat = Chat(engine)
    say(chat, f"/ack {reference}")
    say(chat, f"/escalate {reference}")
    sweep.run_once()
    assert any(o.address == CENTRAL for o in console.sent)
    moved = [o for _, o in console.edits if o.address == REGION][-1]
    assert "nå hos Sentral varslingsgruppe" in moved.text and moved.choices == ()
    held = [o for _, o in console.edits if o.address == CENTRAL][-1]
    assert "Bekreftet mottatt av Kari Nilsen" in held.text and "log" in actions(held)
    assert say(chat, f"/log {reference}").startswith("Det kan jeg ikke hjelpe")

"""Minutes as a form: date, participants, summary, decisions, next steps — in one command, as
a form's fields (a Slack modal sends them as JSON), or asked field by field."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adapters.console import GROUP_PREFIX
from conversations.messages import Inbound
from storage.models import DeskPrompt
from tests.chat import Chat, the_case
from tests.conversations.test_intake import file_report

REGION = f"{GROUP_PREFIX}region"


def say(chat: Chat, line: str) -> str:
    replies = chat.raw(Inbound("console", "handler", REGION, text=line, private=False))
    return "\n".join(r.text for r in replies)


@pytest.fixture
def reference(engine) -> str:
    file_report(Chat(engine, locale="en"), "en")
    return the_case(engine).reference


def test_minutes_in_one_command_with_decisions_and_next_steps(engine, reference):
    """Five fields separated by ';' are kept apart and shown with their labels in /log."""
    chat = Chat(engine)
    say(chat, f"/minutes {reference} 19.11; Kari, Per; Talked it through; Warn him; Meet again")
    log = say(chat, f"/log {reference}")
    assert "19.11 · Kari, Per" in log and "Talked it through" in log
    assert "Beslutninger: Warn him" in log and "Neste steg: Meet again" in log


def test_minutes_without_a_summary_are_refused_with_the_form(engine, reference):
    """Two fields are not minutes: the answer shows how to write them."""
    assert "<neste steg>" in say(Chat(engine), f"/minutes {reference} 19.11; Kari")


def test_a_forms_fields_as_json_are_minutes(engine, reference):
    """What a modal sends ({field: text}) is read as the form; '-' leaves a field empty."""
    chat = Chat(engine)
    form = {"date": "19.11", "participants": "Kari", "summary": "Short", "decisions": "-"}
    chat.raw(Inbound("console", "handler", REGION, choice=f"desk:minutes:{reference}",
                     text=json.dumps(form), content="choice", private=False))  # fmt: skip
    log = say(chat, f"/log {reference}")
    assert "19.11 · Kari" in log and "Beslutninger" not in log


def test_the_minutes_button_asks_field_by_field_and_keeps_answers_encrypted(engine, reference):
    """Pressing Minutes without a modal: five questions in turn, then the minutes are logged;
    the answers so far are stored encrypted."""
    chat = Chat(engine)
    press = Inbound("console", "handler", REGION, choice=f"desk:minutes:{reference}",
                    content="choice", private=False)  # fmt: skip
    (first,) = chat.raw(press)
    assert "(1 av 5)" in first.text and "Dato for møtet" in first.text and first.wants_reply
    assert "(2 av 5)" in say(chat, "19. november")
    assert "(3 av 5)" in say(chat, "Kari Nilsen, Per Hansen")
    with engine.sessions() as session:
        prompt = session.scalars(select(DeskPrompt)).one()
    assert prompt.partial is not None and b"Kari" not in prompt.partial
    assert "Beslutninger" in say(chat, "We talked it through")
    assert "Neste steg" in say(chat, "-")
    assert "Referat lagt til" in say(chat, "Meet again in a week")
    log = say(chat, f"/log {reference}")
    assert "19. november · Kari Nilsen, Per Hansen" in log and "Neste steg: Meet again" in log
    assert "Beslutninger" not in log
    with engine.sessions() as session:
        assert session.scalars(select(DeskPrompt)).all() == []


def test_the_alert_minutes_button_carries_the_form(engine, sweep, console, reference):
    """The alert's Minutes button names the form's five fields for a platform with modals."""
    sweep.run_once()
    minutes = next(c for c in console.sent[-1].choices if c.value.startswith("desk:minutes"))
    assert [f for f, _ in minutes.form] == [
        "date", "participants", "summary", "decisions", "next_steps"
    ]  # fmt: skip
    assert minutes.form[0][1] == "Dato for møtet"

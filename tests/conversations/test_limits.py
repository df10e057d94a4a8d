"""Fairness and limits: no person can slow the bot for another, or make it keep too much."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.console import ADDRESS
from bot.channels import AdapterChannels
from bot.delivery import DeliverySweep
from conversations.adapter import Sent
from conversations.engine import Engine
from conversations.fairness import Fairness
from conversations.messages import Inbound, Outbound
from conversations.org import Limits
from storage.db import session_factory
from storage.models import Case, OutboxMessage, ProcessedEvent
from storage.vault import Vault
from tests.chat import Chat, count, draft
from tests.conftest import RecordingConsole
from tests.conversations.test_bad_input import start_what_step
from tests.conversations.test_intake import file_report


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class PacedConsole(RecordingConsole):
    """The console with a platform's pace: one message a second into any one chat."""

    def pace(self, address: str) -> float:
        return 1.0

    def deliver(self, outbound: Outbound, part: int = 0) -> Sent:
        return super().deliver(outbound, part)


def test_fairness_allows_a_burst_then_a_steady_rate():
    """Twenty at once, then about one every 1.5 s; told once, then quietly not handled."""
    clock = Clock()
    fairness = Fairness(20, 40, clock=clock)
    results = [fairness.admit("flooder") for _ in range(23)]
    assert results[:20] == [Fairness.OK] * 20
    assert results[20:] == [Fairness.WARN, Fairness.DROP, Fairness.DROP]
    assert fairness.admit("someone else") is Fairness.OK
    clock.now += 1.5
    assert fairness.admit("flooder") is Fairness.OK


def test_a_flooding_person_never_delays_another(db, keyring, org, clock):
    """300 quick messages from one person: another person's reply goes in the next sweep."""
    console = PacedConsole()
    engine = Engine(
        session_factory(db),
        Vault(keyring),
        org,
        AdapterChannels(org, [console]),
        clock=lambda: clock[0],
        fairness=Fairness(20, 40, clock=Clock()),
    )
    sweep = DeliverySweep(
        engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0]
    )
    flooder = "console:flooder"
    for number in range(300):
        engine.handle(Inbound("console", "flooder", flooder, text=f"line {number}"))
    engine.handle(Inbound("console", "calm", ADDRESS, text="/start"))
    assert sweep.run_once() == 2  # the flooder's first reply, and the calm person's welcome
    assert [o.address for o in console.sent] == [flooder, ADDRESS]
    with engine.sessions() as session:
        queued = session.scalars(select(OutboxMessage)).all()
    # Twenty messages were handled, then the flooder was told once; the rest were not.
    assert len(queued) <= 2 * 20 + 1
    told = [o for o in console.sent if o.address == flooder]
    for _ in range(60):  # a minute at the chat's pace of one message a second
        clock[0] += timedelta(seconds=1)
        sweep.drain()
    texts = [o.text for o in console.sent if o.address == flooder]
    assert sum(t.startswith("Du skriver fortere") for t in texts) == 1
    assert told


def test_reports_per_person_per_day_are_limited(engine, org):
    """A third report within a day (limit 2) is kindly refused, and the draft is kept."""
    engine.org = org.model_copy(update={"limits": Limits(reports_per_day=2)})
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    file_report(chat, "en")
    file_report(chat, "en")
    assert "You have sent 2 reports in the last day" in chat.replies[-2].text
    assert count(engine, Case) == 2
    assert draft(engine)["what"]


def test_people_per_report_are_limited(engine, org):
    """After the limit the bot says so and moves on instead of asking for more people."""
    engine.org = org.model_copy(update={"limits": Limits(people_per_report=2)})
    chat = Chat(engine, locale="en")
    chat.send("/start")
    for line in ("1", "1", "1", "It happened", "yesterday", "1", "At work"):
        chat.send(line)
    for name in ("Ola", "Kari"):
        chat.send(f"{name}, secretary")
        chat.send("2")  # not a leader
        if name == "Ola":
            chat.press("Another person did it too")
    assert any("2 people" in r.text for r in chat.replies[-3:])
    assert len(draft(engine)["people"]) == 2


def test_a_huge_paste_is_never_kept_whole(engine, chat):
    """A 1 MB paste: the draft holds at most the part that could be kept."""
    start_what_step(chat)
    chat.send("x" * 1_000_000)
    assert len(draft(engine)["pending"]["text"]) <= 4000


@pytest.mark.parametrize("text", ["²", "①", "٣", "\ud800", "a\x00b", "\u202e1"])
def test_odd_characters_never_crash_a_conversation(engine, chat, text):
    """Non-decimal digits, a lone surrogate, NUL: a kind answer, never 'something went wrong'."""
    chat.send("/start")
    chat.send(text)
    start_what_step(chat)
    chat.send(text)
    assert not any("noe gikk galt" in r.text for r in chat.replies)


def test_nul_is_removed_before_anything_is_stored(engine, chat):
    """A NUL typed into an answer is not stored."""
    start_what_step(chat)
    chat.send("before\x00after")
    assert draft(engine)["what"] == ["beforeafter"]


def test_event_ids_are_stored_keyed_and_by_the_day(engine, clock):
    """A platform's event id (which may name the user) is stored only as a keyed hash."""
    chat = Chat(engine)
    chat.raw(Inbound("console", "U0SECRET", ADDRESS, text="/start", event_id="action:U0SECRET:1"))
    with engine.sessions() as session:
        event = session.scalars(select(ProcessedEvent)).one()
    assert "U0SECRET" not in event.event_id and len(event.event_id) == 64
    assert event.processed_at == clock[0].replace(hour=0, minute=0)


def test_direction_changing_and_invisible_characters_are_shown_never_applied(engine, chat):
    """U+202E (right-to-left override) and a zero-width space: stored as visible markers."""
    start_what_step(chat)
    chat.send("Han sa\u202e hei\u200b du")
    assert draft(engine)["what"] == ["Han sa[U+202E] hei[U+200B] du"]


def test_control_characters_are_stored_as_markers_not_applied(chat, engine):
    """Guards the cleaning of control characters: ESC (a terminal's colour codes), ^A and ^B
    reach no export or review as themselves; line breaks stay."""
    start_what_step(chat)
    chat.send("Han sa \x01\x02 \x1b[31mRED\x1b[0m\nneste linje")
    assert draft(engine)["what"] == [
        "Han sa [U+0001][U+0002] [U+001B][31mRED[U+001B][0m\nneste linje"
    ]

"""The delivery sweep: retries with backoff, dead letters after the limit, doctor's counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.delivery import DeliverySweep, backoff
from storage.health import health
from storage.models import OutboxMessage
from tests.chat import Chat
from tests.conversations.test_intake import file_report


class RetryAfter(Exception):
    """A platform's flood-control error, as the platform libraries raise it."""

    def __init__(self, seconds: float) -> None:
        super().__init__("flood control")
        self.retry_after = seconds


def test_backoff_grows_and_honours_retry_after():
    """Each attempt waits longer (with jitter), and never less than the platform asked."""
    assert backoff(1) <= timedelta(seconds=5) < backoff(6)
    assert backoff(1, retry_after=120) >= timedelta(seconds=120)


def test_platform_retry_after_is_honoured(engine, sweep, console, clock):
    """A 'retry after 90 s' keeps the message queued for at least 90 s, then it goes."""
    file_report(Chat(engine, locale="en"), "en")
    console.failures.append(RetryAfter(90))
    assert sweep.run_once() == 0
    clock[0] += timedelta(seconds=89)
    assert sweep.run_once() == 0
    clock[0] += timedelta(seconds=2)
    assert sweep.run_once() == 1


def test_undeliverable_message_becomes_a_dead_letter_reported_by_doctor(engine, console, clock):
    """After the configured attempts the row is dead (not dropped) and counted for the operator."""
    file_report(Chat(engine, locale="en"), "en")
    sweep = DeliverySweep(
        engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0], max_attempts=3
    )
    for _ in range(3):
        console.failures.append(ConnectionError("down"))
        sweep.run_once()
        clock[0] += timedelta(hours=1)
    with engine.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        found = health(session, clock[0], engine.vault.keyring.current)
    assert (row.status, row.attempts) == ("dead", 3)
    assert found.outbox_dead == 1
    assert any("dead letters" in problem for problem in found.problems)


def test_thread_posts_wait_for_their_alert(engine, sweep, console, clock):
    """A reporter's message queued before the alert went out waits, then goes in its thread."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    console.failures.append(ConnectionError("down"))
    assert sweep.run_once() == 0  # the alert fails and backs off
    chat.send("One more thing")
    chat.press("Send to the group")
    assert sweep.run_once() == 0  # the post waits for its parent
    clock[0] += timedelta(minutes=10)
    assert sweep.run_once() == 1  # the alert
    assert sweep.run_once() == 0  # the post is due again shortly after
    clock[0] += timedelta(seconds=5)
    assert sweep.run_once() == 1
    alert_ref = "console:1"
    assert "One more thing" in console.sent[-1].text
    assert console.threads[-1] == alert_ref

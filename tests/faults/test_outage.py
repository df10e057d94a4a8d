"""A platform outage of three days, then recovery: every queued message arrives exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.delivery import MAX_DELAY, backoff
from conversations.outbox import ALERT_EDIT, decrypt
from storage.models import Case, OutboxMessage
from tests.chat import Chat
from tests.conversations.test_intake import file_report

OUTAGE = timedelta(days=3)
REPORTERS = ("reporter-a", "reporter-b", "reporter-c")


def next_due(engine) -> datetime | None:
    """When the sweep next has something to do: the earliest pending row (or expired lease)."""
    with engine.sessions() as session:
        pending = session.scalar(
            select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "pending")
        )
        leased = session.scalar(
            select(func.min(OutboxMessage.lease_expires_at)).where(
                OutboxMessage.status == "claimed"
            )
        )
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None


def run_until(engine, sweep, clock, until: datetime, down: bool, console) -> int:
    """Run the sweep at every moment something falls due, up to `until`; returns sweeps run."""
    sweeps = 0
    while clock[0] <= until and sweeps < 5000:
        console.failures[:] = [ConnectionError("platform down")] * 50 if down else []
        sweep.run_once()
        sweeps += 1
        due = next_due(engine)
        if due is None:
            break
        clock[0] = max(due, clock[0] + timedelta(seconds=1))
    console.failures.clear()
    return sweeps


def test_three_day_outage_then_every_message_arrives_exactly_once(engine, sweep, console, clock):
    """Guards the outbox promise 'a platform outage delays delivery, it never loses a report'
    (bot/delivery.py's retry and dead-letter policy, storage/queue.py's claims): three reports
    and an acknowledgement (which tells the reporter) are queued while every delivery fails
    with a connection error for three simulated days; once the platform is back, every alert,
    thread post and message to the reporter is delivered exactly once and none is dead."""
    start = clock[0]
    for user in REPORTERS:
        file_report(Chat(engine, user_id=user, locale="en"), "en")
    run_until(engine, sweep, clock, start + timedelta(days=1), down=True, console=console)
    with engine.sessions() as session:
        first = session.scalars(select(Case).order_by(Case.received_at)).first()
    assert first is not None
    handler = Chat(engine, user_id="handler", locale="en")
    handler.send(f"@{first.group_id} /ack {first.reference}")
    run_until(engine, sweep, clock, start + OUTAGE, down=True, console=console)
    assert console.sent == [], "nothing can arrive while the platform is down"

    clock[0] = start + OUTAGE + timedelta(seconds=1)
    run_until(engine, sweep, clock, clock[0] + timedelta(days=1), down=False, console=console)

    with engine.sessions() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        expected, edits = Counter(), Counter()
        for row in rows:
            case = session.get(Case, row.case_id)
            queued = decrypt(row, engine.vault.load(session, case.data_key_id))
            shown = edits if row.kind == ALERT_EDIT else expected  # an alert edited in place
            shown[(queued.outbound.address, queued.outbound.text)] += 1
        states = Counter(row.status for row in rows)
    kinds = Counter(row.kind for row in rows)
    assert kinds["alert"] == len(REPORTERS) and len(rows) > len(REPORTERS)
    assert states == {"sent": len(rows)}, f"after the outage: {dict(states)} (want all sent)"
    delivered = Counter((m.address, m.text) for m in console.sent)
    assert delivered == expected, "each queued message arrives exactly once"
    assert Counter((m.address, m.text) for _, m in console.edits) == edits and edits


def test_backoff_is_bounded_for_any_number_of_attempts():
    """Guards bot.delivery.backoff for retries without an attempt limit (a long outage): the
    delay never exceeds MAX_DELAY and never overflows timedelta (5 s * 2**44 does)."""
    for attempts in (1, 12, 44, 45, 100, 10_000):
        assert timedelta(0) < backoff(attempts) <= MAX_DELAY, attempts

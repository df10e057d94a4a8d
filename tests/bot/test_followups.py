"""Follow-ups over time: nudges, escalation, feedback warnings, restarts (fixed, moved clock)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from adapters.console import GROUP_PREFIX
from bot.sweeps import FollowUpSweep
from conversations.followups import FollowUpActor
from storage.models import Case, CaseLogEntry, FollowUp
from tests.chat import Chat
from tests.conftest import NOW
from tests.conversations.test_intake import file_report

H = timedelta(hours=1)
D = timedelta(days=1)


def at(clock, delta: timedelta) -> None:
    clock[0] = NOW + delta


def references(engine) -> list[str]:
    with engine.sessions() as session:
        return [c.reference for c in session.scalars(select(Case).order_by(Case.received_at))]


def posts(console, group: str = "region") -> list[str]:
    return [o.text for o in console.sent if o.address == f"{GROUP_PREFIX}{group}"]


def report(engine, user: str = "reporter-1") -> str:
    file_report(Chat(engine, user_id=user, locale="en"), "en")
    return references(engine)[-1]


def test_first_nudge_after_24_hours_then_every_24_hours(engine, follow_ups, sweep, console, clock):
    """Not acknowledged: nudged at 24 h and 48 h, not in between, and not twice."""
    reference = report(engine)
    sweep.run_once()
    at(clock, 23 * H)
    assert follow_ups.run_once() == 0
    at(clock, 24 * H)
    assert follow_ups.run_once() == 1
    assert follow_ups.run_once() == 0
    sweep.run_once()
    assert "Venter på bekreftelse" in posts(console)[-1] and reference in posts(console)[-1]
    at(clock, 47 * H)
    assert follow_ups.run_once() == 0
    at(clock, 48 * H)
    assert follow_ups.run_once() == 1


def test_nudges_stop_once_acknowledged(engine, follow_ups, clock):
    """After acknowledgement no acknowledge nudge or escalation fires."""
    reference = report(engine)
    at(clock, 25 * H)
    assert follow_ups.run_once() == 1
    Chat(engine).send(f"@region /ack {reference}")
    at(clock, 80 * H)
    assert follow_ups.run_once() == 0


def test_one_grouped_nudge_per_group_per_sweep(engine, follow_ups, sweep, console, clock):
    """Two waiting reports give one message to the group naming both."""
    first = report(engine, "reporter-a")
    second = report(engine, "reporter-b")
    sweep.run_once()
    before = len(posts(console))
    at(clock, 24 * H)
    assert follow_ups.run_once() == 2
    sweep.run_once()
    new = posts(console)[before:]
    assert len(new) == 1
    assert first in new[0] and second in new[0]


def test_escalation_after_72_hours_tells_the_escalation_group(
    engine, follow_ups, sweep, console, clock
):
    """Unacknowledged at 72 h, the escalation group is told and the case log says so."""
    reference = report(engine)
    at(clock, 72 * H)
    follow_ups.run_once()
    sweep.run_once()
    notices = posts(console, "sentral")
    assert len(notices) == 1 and reference in notices[0] and "72" in notices[0]
    with engine.sessions() as session:
        events = session.scalars(select(CaseLogEntry.event)).all()
    assert "escalation_notice" in events


def test_follow_ups_due_while_every_replica_was_down_fire_once_after_restart(engine, clock):
    """Five days down: the next replica fires what fell due once, with no burst of repeats."""
    reference = report(engine)
    at(clock, 5 * D)
    restarted = FollowUpSweep(
        engine.sessions,
        FollowUpActor(engine.notifier),
        clock=lambda: clock[0],
        owner="replica-after-restart",
    )
    assert restarted.run_once() == 2  # one acknowledge nudge, one escalation
    assert restarted.run_once() == 0
    with engine.sessions() as session:
        pending = session.scalars(
            select(FollowUp).where(FollowUp.kind == "ack_nudge", FollowUp.status == "pending")
        ).all()
    assert [p.due_at for p in pending] == [NOW + 5 * D + 24 * H]
    assert reference


def test_feedback_warnings_count_from_the_acknowledgement(engine, follow_ups, clock):
    """Acknowledged at 30 h: warnings come 14 and 3 days before ack + 3 months; old ones lapse."""
    reference = report(engine)
    at(clock, 30 * H)
    Chat(engine).send(f"@region /ack {reference}")
    with engine.sessions() as session:
        case = session.scalars(select(Case)).one()
        due = case.feedback_due_at
    assert due is not None
    clock[0] = due - timedelta(days=14) - D
    assert follow_ups.run_once() == 1  # the quiet-case reminder: the day's digest
    clock[0] = due - timedelta(days=14)
    assert follow_ups.run_once() == 1  # only the warning for the current deadline
    clock[0] = due - timedelta(days=3)
    assert follow_ups.run_once() == 1


def test_feedback_overdue_reassures_the_reporter(engine, follow_ups, sweep, console, clock):
    """When the feedback deadline passes, the group is warned and the reporter reassured."""
    reference = report(engine)
    Chat(engine).send(f"@region /ack {reference}")
    with engine.sessions() as session:
        due = session.scalars(select(Case)).one().feedback_due_at
    clock[0] = due + H
    follow_ups.run_once()
    sweep.run_once()
    reporter = [o.text for o in console.sent if not o.address.startswith(GROUP_PREFIX)]
    assert any("still being handled" in text for text in reporter)
    assert any("Fristen for tilbakemelding" in text for text in posts(console))


def test_quiet_case_is_flagged_after_14_days_and_activity_resets_it(engine, follow_ups, clock):
    """A case with no activity for 14 days is flagged; a note restarts the count."""
    reference = report(engine)
    Chat(engine).send(f"@region /ack {reference}")
    at(clock, 10 * D)
    Chat(engine).send(f"@region /note {reference} talked to someone")
    at(clock, 14 * D + H)
    follow_ups.run_once()
    with engine.sessions() as session:
        stale = session.scalars(select(FollowUp).where(FollowUp.kind == "stale")).all()
    assert [s.status for s in stale if s.status != "pending"] == ["skipped"]
    at(clock, 24 * D + H)
    assert follow_ups.run_once() == 1


def test_closed_case_gets_no_follow_ups(engine, follow_ups, clock):
    """Once closed, nothing fires for the case."""
    reference = report(engine)
    chat = Chat(engine)
    chat.send(f"@region /ack {reference}")
    chat.send(f"@region /close {reference} resolved")
    at(clock, 200 * D)
    assert follow_ups.run_once() == 0


def test_default_clocks_follow_real_time(db, keyring, org, console):
    """With no clock injected, engine and sweep read the real time (travelled with time-machine)."""
    import time_machine

    from bot.channels import AdapterChannels
    from conversations.engine import Engine
    from storage.db import session_factory
    from storage.vault import Vault

    with time_machine.travel(NOW, tick=False) as traveller:
        engine = Engine(session_factory(db), Vault(keyring), org, AdapterChannels(org, [console]))
        report(engine)
        sweep = FollowUpSweep(engine.sessions, FollowUpActor(engine.notifier))
        traveller.move_to(NOW + 23 * H)
        assert sweep.run_once() == 0
        traveller.move_to(NOW + 24 * H)
        assert sweep.run_once() == 1


def test_escalation_group_may_act_once_it_has_been_told(engine, follow_ups, sweep, console, clock):
    """Before the 72 h notice the escalation group is refused; after it, it can read and act."""
    from storage.models import AuditEntry

    reference = report(engine)
    chat = Chat(engine)
    at(clock, 71 * H)
    assert "Det kan jeg ikke hjelpe" in chat.send(f"@sentral /show {reference}")[0].text
    at(clock, 72 * H)
    follow_ups.run_once()
    sweep.run_once()
    assert f"/ack {reference}" in posts(console, "sentral")[-1]
    assert reference in chat.send(f"@sentral /show {reference}")[0].text
    assert "bekreftet" in chat.send(f"@sentral /ack {reference}")[0].text
    with engine.sessions() as session:
        case = session.scalars(select(Case)).one()
        notice = session.scalars(
            select(CaseLogEntry).where(CaseLogEntry.event == "escalation_notice")
        ).one()
        acted = session.scalars(select(AuditEntry).where(AuditEntry.action == "ack")).one()
    assert (case.status, case.group_id) == ("acknowledged", "region")
    assert notice.facts == {"to": "sentral"}
    assert acted.facts == {"as_group": "sentral"}
    assert "allerede" in chat.send(f"@region /ack {reference}")[0].text  # region sees it done


def digests(console, group: str = "region") -> list[tuple[int, str]]:
    """(index in everything sent, text) of each reminder digest the group's channel got."""
    return [
        (i, o.text)
        for i, o in enumerate(console.sent)
        if o.address == f"{GROUP_PREFIX}{group}" and "Påminnelse om oppfølging" in o.text
    ]


def test_reminders_come_as_one_digest_per_group_per_day(engine, follow_ups, sweep, console, clock):
    """Three cases filed hours apart, swept every hour for 72 h: one digest a day, listing all."""
    filed = {}
    sent_at: dict[int, int] = {}
    for hour in range(0, 97):
        at(clock, hour * H)
        if hour in (0, 5, 10):
            filed[hour] = report(engine, f"reporter-{hour}")
        if hour == 73:
            Chat(engine).send(f"@region /ack {filed[0]}")
            Chat(engine).send(f"@region /ack {filed[5]}")
            Chat(engine).send(f"@region /close {filed[5]} resolved")
        before = len(console.sent)
        follow_ups.run_once()
        sweep.run_once()
        for index in range(before, len(console.sent)):
            sent_at[index] = hour
    got = [(sent_at[i], text) for i, text in digests(console)]
    assert [hour for hour, _ in got] == [24, 48, 72, 96]  # six single nudges before
    assert [sorted(r for r in filed.values() if r in text) for _, text in got] == [
        [filed[0]],
        sorted(filed.values()),
        sorted(filed.values()),
        [filed[10]],  # acknowledged and closed cases are no longer nudged
    ]
    escalations = [sent_at[i] for i, o in enumerate(console.sent) if o.address.endswith("sentral")]
    assert escalations == [72, 82]  # not held for the digest (the second case was acknowledged)


def test_feedback_overdue_reassures_at_once_and_waits_for_the_digest(
    engine, follow_ups, sweep, console, clock
):
    """Feedback overdue within a day of a digest: the reporter is told now, the group later."""
    first = report(engine, "reporter-a")
    Chat(engine).send(f"@region /ack {first}")
    with engine.sessions() as session:
        due = session.scalars(select(Case)).one().feedback_due_at
    second = report(engine, "reporter-b")  # never acknowledged: its reminders keep coming
    clock[0] = due - 2 * H
    follow_ups.run_once()
    sweep.run_once()
    assert second in digests(console)[-1][1]
    before = len(digests(console))
    clock[0] = due
    follow_ups.run_once()
    sweep.run_once()
    reporter = [o.text for o in console.sent if not o.address.startswith(GROUP_PREFIX)]
    assert sum("still being handled" in text for text in reporter) == 1
    assert len(digests(console)) == before  # the group's line waits for the next digest
    clock[0] = due - 2 * H + D
    follow_ups.run_once()
    sweep.run_once()
    latest = digests(console)[-1][1]
    assert "Fristen for tilbakemelding" in latest and first in latest and second in latest
    reporter = [o.text for o in console.sent if not o.address.startswith(GROUP_PREFIX)]
    assert sum("still being handled" in text for text in reporter) == 1  # not twice


def test_a_round_split_over_claims_is_not_held_back_a_day(engine, follow_ups, clock):
    """Reminders of one round split over small claims all go now; one due later waits."""
    report(engine, "reporter-a")
    report(engine, "reporter-b")
    at(clock, 10 * H)
    report(engine, "reporter-c")
    at(clock, 24 * H)
    assert [follow_ups.run_once(limit=1) for _ in range(3)] == [1, 1, 0]
    at(clock, 34 * H)
    assert follow_ups.run_once() == 0  # the third case's first reminder waits for 48 h
    with engine.sessions() as session:
        waiting = session.scalars(
            select(FollowUp.due_at).where(
                FollowUp.kind == "ack_nudge", FollowUp.status == "pending"
            )
        ).all()
    assert sorted(waiting) == [NOW + 48 * H] * 3

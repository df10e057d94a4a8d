"""Deadline policy: counted in the organisation's zone, correct across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conversations.followups import acknowledge_due, feedback_due
from conversations.org import Deadlines

OSLO = ZoneInfo("Europe/Oslo")


def test_acknowledge_deadline_keeps_the_local_hour_across_dst():
    """Received Friday 14:00 before the October DST change, due the next Friday 14:00 local."""
    received = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)  # 14:00 CEST
    due = acknowledge_due(received, Deadlines(), "Europe/Oslo")
    assert due.astimezone(OSLO).replace(tzinfo=None) == datetime(2026, 10, 30, 14, 0)
    assert (due - received).total_seconds() == 7 * 24 * 3600 + 3600  # one hour longer


def test_feedback_counts_from_acknowledgement_or_from_the_acknowledge_deadline():
    """Feedback is due 3 months after acknowledgement, or 3 months + 7 days after receipt."""
    received = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)
    acknowledged = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    rules = Deadlines()
    assert feedback_due(received, acknowledged, rules, "Europe/Oslo") == datetime(
        2027, 2, 20, 9, 0, tzinfo=UTC
    )
    assert feedback_due(received, None, rules, "Europe/Oslo") == datetime(
        2027, 2, 25, 13, 0, tzinfo=UTC
    )


def test_configured_days_are_used():
    """A shorter configured acknowledge period moves the deadline."""
    received = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)
    due = acknowledge_due(received, Deadlines(acknowledge_days=3), "Europe/Stockholm")
    assert due == datetime(2026, 11, 21, 13, 0, tzinfo=UTC)


def facts(status="received", acknowledged=None, feedback=None, activity=None):
    from conversations.followups import CaseFacts

    received = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    return CaseFacts(status, received, acknowledged, feedback, activity or received)


def test_submission_owes_nudge_escalation_stale_and_feedback_follow_ups():
    """A new report gets a first nudge at 24 h, escalation at 72 h, stale and feedback checks."""
    from conversations.followups import on_submit

    received = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # Friday before the spring DST change
    dues = {d.kind: d.at for d in on_submit(received, Deadlines(), "Europe/Oslo")}
    assert dues["ack_nudge"] - received == timedelta(hours=24)
    assert dues["escalate"] - received == timedelta(hours=72)  # elapsed hours, DST or not
    stale_local = dues["stale"].astimezone(OSLO)
    assert (stale_local.day, stale_local.hour) == (10, 13)  # 13:00 CET, then 13:00 CEST
    assert dues["stale"] - received == timedelta(days=14, hours=-1)  # one hour is skipped
    assert dues["feedback_overdue"] == feedback_due(received, None, Deadlines(), "Europe/Oslo")


def test_next_nudge_counts_from_the_due_time_and_skips_missed_ones():
    """A late sweep does not drift the schedule nor fire a burst of missed nudges."""
    from conversations.followups import Due, decide

    due = Due("ack_nudge", datetime(2026, 3, 28, 12, 0, tzinfo=UTC), "ack_nudge:x")
    late = datetime(2026, 3, 31, 13, 0, tzinfo=UTC)
    decision = decide(due, facts(), late, Deadlines(), "Europe/Oslo")
    assert decision.fire
    assert decision.next is not None
    assert decision.next.at == datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def test_nothing_fires_for_acknowledged_or_closed_cases():
    """Acknowledge nudges and escalation lapse on acknowledgement; everything on closing."""
    from conversations.followups import Due, decide

    now = datetime(2026, 4, 1, tzinfo=UTC)
    acked = facts("acknowledged", acknowledged=now)
    for kind in ("ack_nudge", "escalate"):
        assert not decide(Due(kind, now, kind), acked, now, Deadlines(), "Europe/Oslo").fire
    for kind in ("ack_nudge", "escalate", "feedback_overdue", "stale"):
        assert not decide(
            Due(kind, now, kind), facts("closed"), now, Deadlines(), "Europe/Oslo"
        ).fire


def test_feedback_warning_for_a_superseded_deadline_lapses():
    """A warning computed before acknowledgement moved the deadline does not fire."""
    from conversations.followups import on_submit

    received = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    rules = Deadlines()
    old = next(d for d in on_submit(received, rules, "Europe/Oslo") if d.kind == "feedback_overdue")
    moved = feedback_due(received, received + timedelta(days=1), rules, "Europe/Oslo")
    from conversations.followups import decide

    now = old.at
    assert not decide(old, facts("acknowledged", feedback=moved), now, rules, "Europe/Oslo").fire
    assert decide(old, facts("acknowledged", feedback=old.at), now, rules, "Europe/Oslo").fire

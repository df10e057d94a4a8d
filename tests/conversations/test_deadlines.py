"""Deadline policy: counted in the organisation's zone, correct across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from conversations.deadlines import acknowledge_due, feedback_due
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

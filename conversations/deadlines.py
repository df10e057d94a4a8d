"""Deadline policy: pure functions from the time of receipt to the dates promised."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from conversations.org import Deadlines


def _wall_clock_add(moment: datetime, zone: str, delta: relativedelta) -> datetime:
    """Add calendar time in the organisation's zone, so a DST change does not shift the hour."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz).replace(tzinfo=None) + delta
    return local.replace(tzinfo=tz).astimezone(moment.tzinfo)


def acknowledge_due(received: datetime, rules: Deadlines, zone: str) -> datetime:
    """When the group must have acknowledged a report (default: 7 days after receipt)."""
    return _wall_clock_add(received, zone, relativedelta(days=rules.acknowledge_days))


def feedback_due(
    received: datetime, acknowledged: datetime | None, rules: Deadlines, zone: str
) -> datetime:
    """Feedback is due months after acknowledgement, or after the acknowledge deadline."""
    start = acknowledged or acknowledge_due(received, rules, zone)
    return _wall_clock_add(start, zone, relativedelta(months=rules.feedback_months))

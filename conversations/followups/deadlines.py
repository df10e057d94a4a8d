"""Deadline policy: pure functions from a case's dates to the follow-ups it is owed.

Nothing here reads a clock or a database: callers pass `now` and the case's facts, and get
back values. Days are counted on the wall clock of the organisation's time zone (a DST change
does not move the hour); hours are plain elapsed time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from conversations.org import Deadlines
from conversations.states import Status

# A group gets at most one grouped reminder (a digest) per this much time.
DIGEST_EVERY = timedelta(hours=24)
DIGEST_GRACE = timedelta(minutes=5)
Kind = Literal["ack_nudge", "escalate", "feedback_warning", "feedback_overdue", "stale"]


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
    """Feedback is due months after acknowledgement, counted at the latest from the acknowledge
    deadline: a late acknowledgement does not move it later (Directive 2019/1937 art. 9(1)(f):
    three months from acknowledgement or, without one, from seven days after receipt)."""
    latest = acknowledge_due(received, rules, zone)
    start = min(acknowledged, latest) if acknowledged else latest
    return _wall_clock_add(start, zone, relativedelta(months=rules.feedback_months))


@dataclass(frozen=True, slots=True)
class Due:
    """One follow-up a case is owed: what, when, and a key that makes it unique."""

    kind: Kind
    at: datetime
    key: str


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The facts of a case that the policy looks at (no content)."""

    status: str
    received_at: datetime
    acknowledged_at: datetime | None
    feedback_due_at: datetime | None
    last_activity_at: datetime
    feedback_given_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a due follow-up: fire it or not, and what to schedule next."""

    fire: bool
    next: Due | None = None


def _feedback_dues(feedback_at: datetime, rules: Deadlines, zone: str) -> list[Due]:
    stamp = feedback_at.isoformat()
    dues = [
        Due("feedback_warning", _wall_clock_add(feedback_at, zone, relativedelta(days=-days)),
            f"feedback_warning:{days}:{stamp}")
        for days in sorted(rules.feedback_warning_days, reverse=True)
    ]  # fmt: skip
    dues.append(Due("feedback_overdue", feedback_at, f"feedback_overdue:{stamp}"))
    return dues


def on_submit(received: datetime, rules: Deadlines, zone: str) -> list[Due]:
    """The follow-ups a new report is owed."""
    first = received + timedelta(hours=rules.first_nudge_hours)
    stale = _wall_clock_add(received, zone, relativedelta(days=rules.stale_after_days))
    return [
        Due("ack_nudge", first, f"ack_nudge:{first.isoformat()}"),
        Due("escalate", received + timedelta(hours=rules.escalate_after_hours), "escalate"),
        Due("stale", stale, f"stale:{stale.isoformat()}"),
        *_feedback_dues(feedback_due(received, None, rules, zone), rules, zone),
    ]


def on_acknowledge(
    received: datetime, acknowledged: datetime, rules: Deadlines, zone: str
) -> list[Due]:
    """Feedback follow-ups counted from the acknowledgement (the earlier ones lapse)."""
    return _feedback_dues(feedback_due(received, acknowledged, rules, zone), rules, zone)


def decide(due: Due, case: CaseFacts, now: datetime, rules: Deadlines, zone: str) -> Decision:
    """Whether a follow-up that fell due still applies, and the next one of its kind."""
    if case.status == Status.CLOSED:
        return Decision(fire=False)
    if due.kind == "ack_nudge":
        if case.status != Status.RECEIVED:
            return Decision(fire=False)
        # The next nudge counts from this one's due time, so a late sweep does not drift.
        at = due.at + timedelta(hours=rules.nudge_every_hours)
        while at <= now:
            at += timedelta(hours=rules.nudge_every_hours)
        return Decision(fire=True, next=Due("ack_nudge", at, f"ack_nudge:{at.isoformat()}"))
    if due.kind == "escalate":
        return Decision(fire=case.status == Status.RECEIVED)
    if due.kind in ("feedback_warning", "feedback_overdue"):
        if case.feedback_given_at is not None:
            return Decision(fire=False)  # feedback was given: the deadline is met
        # A warning for an earlier deadline (before acknowledgement moved it) has lapsed.
        current = case.feedback_due_at.isoformat() if case.feedback_due_at else ""
        return Decision(fire=due.key.endswith(current) and bool(current))
    quiet_until = _wall_clock_add(case.last_activity_at, zone,
                                  relativedelta(days=rules.stale_after_days))  # fmt: skip
    if quiet_until > now:
        return Decision(
            fire=False, next=Due("stale", quiet_until, f"stale:{quiet_until.isoformat()}")
        )
    at = _wall_clock_add(now, zone, relativedelta(days=rules.stale_after_days))
    return Decision(fire=True, next=Due("stale", at, f"stale:{at.isoformat()}"))


def next_digest(
    last: datetime | None,
    now: datetime,
    every: timedelta = DIGEST_EVERY,
    grace: timedelta = DIGEST_GRACE,
) -> datetime:
    """When a group may get its next grouped reminder: now, if it got none in the last `every`
    (24 h), else `every` after the last one; reminders falling due before then wait for it.

    A digest queued within `grace` of now is the same round (another replica, or the next claim
    batch of a big sweep): what falls due with it still goes now, in a second part, rather than
    a day late.
    """
    if last is None or now - last <= grace or last + every <= now:
        return now
    return last + every


def waited(since: datetime, now: datetime) -> tuple[int, str]:
    """How long something has waited, as (number, unit) in days or else hours."""
    hours = int((now - since).total_seconds() // 3600)
    return (hours // 24, "days") if hours >= 48 else (hours, "hours")

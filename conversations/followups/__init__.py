"""Follow-ups: the deadline policy (pure: dates in, follow-ups owed out) and the durable
reminders and escalations acted on by the sweep, grouped so nobody is spammed."""

from __future__ import annotations

from conversations.followups.actor import FollowUpActor, schedule
from conversations.followups.deadlines import (
    CaseFacts,
    Decision,
    Due,
    acknowledge_due,
    decide,
    feedback_due,
    next_digest,
    on_acknowledge,
    on_submit,
    waited,
)

__all__ = [
    "CaseFacts",
    "Decision",
    "Due",
    "FollowUpActor",
    "acknowledge_due",
    "decide",
    "feedback_due",
    "next_digest",
    "on_acknowledge",
    "on_submit",
    "schedule",
    "waited",
]

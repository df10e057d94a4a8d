"""The reporter's intake: the questions and answers of a report (flow), the draft, the
conversation around it (welcome, language, commands, review, sending) and messages about a
report already sent (relay). The flow is drawn in conversations/intake.md."""

from __future__ import annotations

from conversations.intake.draft import Draft, Person, WhenAnswer, when_answer
from conversations.intake.flow import LIMITS
from conversations.intake.relay import Relay
from conversations.intake.reporter import COMMANDS, Intake
from conversations.intake.submit import store_case

__all__ = [
    "COMMANDS",
    "LIMITS",
    "Draft",
    "Intake",
    "Person",
    "Relay",
    "WhenAnswer",
    "store_case",
    "when_answer",
]

"""The stored vocabulary: a conversation's step and a case's status.

Both are `StrEnum`s: a member is equal to the string stored in the database (and in a draft's
JSON), so storage keeps plain strings while the code names each value once.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    """Where a reporter's conversation stands (`conversations.step`), drawn in intake.md."""

    # Outside a report.
    IDLE = "idle"
    WELCOME = "welcome"
    LANGUAGE = "language"
    OVERLONG = "overlong"  # an answer over the limit: keep its first part, or write again
    FOLLOWUP = "followup"  # a message about a sent report: which one is it for?
    STATUS = "status"  # /status was answered: a number typed next is one of its buttons
    ADDING = "adding"  # the next message is added to a sent report the reporter picked
    # The intake's questions, in order; sub-steps refine the main step above them.
    ANONYMITY = "anonymity"
    NAME = "name"
    ROLE = "role"
    CATEGORY = "category"
    AFFECTED = "affected"  # who it happened to, when the reporter saw it or was told
    WHAT = "what"
    RECALL = "recall"  # the time and place read from "what", offered for confirmation
    WHEN = "when"
    WHEN_CONFIRM = "when_confirm"
    WHERE = "where"
    WHO = "who"
    PERSON_ROLE = "person_role"
    PERSON_LEADER = "person_leader"
    PERSON_MORE = "person_more"
    WITNESSES = "witnesses"
    UNIT = "unit"
    WISHES = "wishes"
    CONTACT = "contact"
    REVIEW = "review"
    REVIEW_CHANGE = "review_change"  # which answer to change
    REVIEW_DELETE = "review_delete"  # "delete everything?" confirmed


class Status(StrEnum):
    """Where a case stands with its group (`cases.status`)."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"

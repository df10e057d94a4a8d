"""The draft: what a reporter has answered so far, stored encrypted as JSON between messages.

`Draft` describes its keys; the JSON stored is the same dict (a `TypedDict` is a plain dict at
run time). Every key is optional: a draft fills up question by question.
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from conversations.when import When


class Person(TypedDict, total=False):
    """One person the report is about (name and role in the reporter's words)."""

    name: str
    role: str
    leader: str | None  # "yes", "no" or "unknown" (a button's value)


class WhenAnswer(TypedDict):
    """The reporter's words for when it happened, and the bot's reading of them."""

    words: str
    kind: str  # conversations.when.Kind
    start: str | None  # ISO date
    end: str | None
    confirmed: bool


class Recalled(TypedDict, total=False):
    """What "what" seemed to say about when and where, offered to the reporter to confirm."""

    when: WhenAnswer
    where: str


class Pending(TypedDict):
    """An answer over the limit, kept (cut to the limit) while the reporter decides."""

    state: str  # the step it answers
    text: str
    limit: int


class Draft(TypedDict, total=False):
    """A report in the making, and the flow's own bookkeeping (`history` to `followup_*`)."""

    anonymity: str | None
    name: str
    role: str | None
    category: str | None
    affected: str  # who it happened to, in the reporter's words ("" not known)
    what: list[str]
    when: WhenAnswer
    where: str | None
    person: Person  # the person being described, not yet in `people`
    people: list[Person]
    witnesses: str
    unit: str | None
    wishes: str
    contact: bool
    # Bookkeeping: the steps behind /back, the review being edited, where /language returns,
    # an over-long answer, and a message about a sent report awaiting its case.
    history: list[str]
    editing: bool
    edit_slot: int  # changing the Nth person: where the new answer goes in the list
    when_retried: bool  # an unread "when" was asked once more
    recalled: Recalled  # the time and place read from "what", until confirmed
    return_to: str
    status_choices: list[list[str]]  # /status's buttons [value, label], for a typed number
    adding_to: str  # the reference of the sent report the next message is added to
    pending: Pending
    followup_text: str
    followup_choices: list[list[str]]  # [value, label] pairs


def when_answer(reading: When, confirmed: bool) -> WhenAnswer:
    """A reading of "when" as the draft keeps it."""
    return {
        "words": reading.words,
        "kind": reading.kind,
        "start": reading.start.isoformat() if reading.start else None,
        "end": reading.end.isoformat() if reading.end else None,
        "confirmed": confirmed,
    }


def clear(draft: Draft) -> None:
    """Empty the draft in place (the turn keeps the same dict)."""
    cast(dict[str, Any], draft).clear()


def named(draft: Draft) -> list[str]:
    """The names (or descriptions) of the people the report is about."""
    return [str(p.get("name", "")) for p in draft.get("people", [])]


def about_leader(draft: Draft) -> bool:
    return any(p.get("leader") == "yes" for p in draft.get("people", []))

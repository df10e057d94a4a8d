"""A reading of the reporter's words, told back to them (and to handlers) in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from conversations.i18n import Translator


def describe_when(when: Mapping[str, Any], tr: Translator) -> str:
    """The bot's reading of the reporter's words, in plain words."""
    kind = when["kind"]
    start = date.fromisoformat(when["start"]) if when.get("start") else None
    end = date.fromisoformat(when["end"]) if when.get("end") else None
    if kind == "date" and start:
        return tr.day_text(start)
    if kind == "period" and start and end:
        return tr.t("when.period", start=tr.date_text(start), end=tr.date_text(end))
    if kind == "ongoing":
        return (
            tr.t("when.ongoing_since", start=tr.date_text(start)) if start else tr.t("when.ongoing")
        )
    if kind == "repeated":
        if start and end:
            return tr.t("when.repeated_between", start=tr.date_text(start), end=tr.date_text(end))
        return tr.t("when.repeated")
    return tr.t("when.unknown")


def words_and_reading(when: Mapping[str, Any], tr: Translator) -> str:
    """The reporter's words with the bot's reading beside them; words that were not read (or a
    reading the reporter rejected) stand alone, never with "time not known" beside them."""
    words = str(when.get("words") or "")
    if when.get("kind") == "unknown":
        return words or tr.t("answer.dont_know")
    return f"{words} ({describe_when(when, tr)})"

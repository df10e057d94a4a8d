"""Minutes as a form: date, participants, summary, decisions, next steps — collected at once
(a Slack modal, or one command with the fields separated by ';') or asked field by field."""

from __future__ import annotations

import json

from conversations.i18n import N_, Translator

FIELDS = {
    "date": N_("minutes.date"),
    "participants": N_("minutes.participants"),
    "summary": N_("minutes.summary"),
    "decisions": N_("minutes.decisions"),
    "next_steps": N_("minutes.next_steps"),
}
REQUIRED = ("date", "participants", "summary")
# Typed for an optional field that has nothing in it.
NOTHING = ("-", "\u2013", "\u2014")  # a hyphen, an en dash, an em dash


def form(tr: Translator) -> tuple[tuple[str, str], ...]:
    """The fields as a button's form: (id, label in the organisation's language)."""
    return tuple((field, tr.t(label)) for field, label in FIELDS.items())


def parse_minutes(text: str) -> dict[str, str] | None:
    """The minutes in `text`: a form's JSON object, or 'date; who; summary[; decisions[; next
    steps]]'. None when a required field is missing."""
    minutes: dict[str, str] = {}
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            decoded = json.loads(stripped)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            minutes = {k: str(v).strip() for k, v in decoded.items() if k in FIELDS}
    if not minutes:
        parts = [p.strip() for p in text.split(";")]
        if len(parts) > 5:  # the last field keeps any further ';'
            parts = [*parts[:4], "; ".join(parts[4:])]
        minutes = dict(zip(FIELDS, parts, strict=False))
    minutes = {k: ("" if v in NOTHING else v) for k, v in minutes.items()}
    if not all(minutes.get(field) for field in REQUIRED):
        return None
    return minutes


def minutes_text(minutes: dict[str, str], tr: Translator) -> str:
    """Minutes as the case log shows them, under their log line."""
    lines = [f"{minutes['date']} · {minutes['participants']}", minutes["summary"]]
    for field in ("decisions", "next_steps"):
        if minutes.get(field):
            lines.append(f"{tr.t(FIELDS[field])}: {minutes[field]}")
    return "\n    ".join(lines)

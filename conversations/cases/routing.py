"""The reporting chain: which handler group receives a case, and why (pure; no I/O)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from conversations.org import Group, Org


@dataclass(frozen=True, slots=True)
class Route:
    """The chosen group and the reason, written to the case log."""

    group: Group
    reason: str  # "unit", "leader" or "conflict"
    passed_over: str | None = None  # the group skipped because it named one of its own


def name_tokens(name: str) -> tuple[str, ...]:
    """A name as comparable words: casefolded, accents and punctuation gone, 'Last, First' turned.

    'Hansen, Pér' and 'per  hansen' (a no-break space) both give ('per', 'hansen');
    'P. Hansen' gives ('p', 'hansen').
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    if text.count(",") == 1:  # "Hansen, Per" → "Per Hansen"
        last, first = text.split(",")
        text = f"{first} {last}"
    # Every character that is not a letter or digit separates words (NBSP and hyphens too).
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text)
    return tuple(cleaned.split())


def _initial_of(short: str, full: str) -> bool:
    return len(short) == 1 and full.startswith(short)


def same_person(member: str, person: str) -> bool:
    """Whether a person named in a report may be the group member `member` (safe side).

    A match: every word of the member's name is a whole word of the named person ('Per Olav
    Hansen' for 'Per Hansen'); or the last names are equal and one first name is the other's
    initial ('P. Hansen'); or the person is named by one word only, which is one of the
    member's names ('Hansen'). Parts of words never match: 'Per' is not 'Jesper'.
    """
    m, p = name_tokens(member), name_tokens(person)
    if not m or not p:
        return False
    if set(m) <= set(p):
        return True
    if len(p) == 1:
        return p[0] in m
    if len(m) >= 2 and m[-1] == p[-1]:
        return _initial_of(p[0], m[0]) or _initial_of(m[0], p[0])
    return False


def _named(group: Group, names: Iterable[str]) -> bool:
    """Whether any person named in the report may be one of the group's members."""
    people = [n for n in names if n]
    return any(same_person(member, person) for member in group.members for person in people)


def route(org: Org, unit_id: str, about_leader: bool, named: Iterable[str] = ()) -> Route:
    """The group covering the unit; a case about a leader goes to the group marked for leaders.

    If a person named in the report may be a member of the chosen group, the case goes to that
    group's escalation group instead (conflict of interest), following the chain upwards.
    """
    names = list(named)
    group = org.group_for_unit(unit_id)
    reason = "unit"
    if about_leader:
        leaders = next((g for g in org.groups if g.leaders), None)
        if leaders is not None:
            group, reason = leaders, "leader"
    seen = {group.id}
    passed_over = None
    while _named(group, names) and group.escalation and group.escalation not in seen:
        passed_over = passed_over or group.id
        escalation = org.group(group.escalation)
        if escalation is None:
            break
        group, reason = escalation, "conflict"
        seen.add(group.id)
    return Route(group, reason, passed_over)

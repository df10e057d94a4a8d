"""The reporting chain: which handler group receives a case, and why (pure; no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conversations.org import Group, Org


@dataclass(frozen=True, slots=True)
class Route:
    """The chosen group and the reason, written to the case log."""

    group: Group
    reason: str  # "unit", "leader" or "conflict"
    passed_over: str | None = None  # the group skipped because it named one of its own


def _named(group: Group, names: Iterable[str]) -> bool:
    """Whether any person named in the report matches one of the group's members."""
    people = [n.casefold() for n in names if n]
    return any(member.casefold() in person for member in group.members for person in people)


def route(org: Org, unit_id: str, about_leader: bool, named: Iterable[str] = ()) -> Route:
    """The group covering the unit; a case about a leader goes to the group marked for leaders.

    If a person named in the report is a member of the chosen group, the case goes to that
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

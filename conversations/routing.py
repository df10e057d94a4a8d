"""The reporting chain: which handler group receives a case (pure; no I/O)."""

from __future__ import annotations

from conversations.org import Group, Org


def route(org: Org, unit_id: str, about_leader: bool) -> Group:
    """The group covering the unit; a case about a leader goes to the group marked for leaders."""
    if about_leader:
        leaders = next((g for g in org.groups if g.leaders), None)
        if leaders is not None:
            return leaders
    return org.group_for_unit(unit_id)

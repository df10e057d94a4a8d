"""The catalog labels of a case's stored values: anonymity, role, category, leader, status."""

from __future__ import annotations

from conversations.i18n import N_
from conversations.states import Status

ANONYMITY = {
    "anonymous": N_("anonymity.anonymous"),
    "confidential": N_("anonymity.confidential"),
    "open": N_("anonymity.open"),
}
ROLES = {"me": N_("role.me"), "witness": N_("role.witness"), "told": N_("role.told")}
CATEGORIES = {
    "sexual": N_("category.sexual"),
    "harassment": N_("category.harassment"),
    "discrimination": N_("category.discrimination"),
    "other": N_("category.other"),
}
LEADER = {"yes": N_("answer.yes"), "no": N_("answer.no"), "unknown": N_("answer.dont_know")}
STATUS: dict[str, str] = {
    Status.RECEIVED: N_("status.received"),
    Status.ACKNOWLEDGED: N_("status.acknowledged"),
    Status.IN_PROGRESS: N_("status.in_progress"),
    Status.CLOSED: N_("status.closed"),
}
# How a report that a handler recorded on the reporter's behalf came in.
RECEIVED_VIA = {
    "phone": N_("export.via.phone"),
    "meeting": N_("export.via.meeting"),
    "email": N_("export.via.email"),
}

"""Cases: a stored case and its log, who receives it (routing), what is queued about it
(notify), the audit log of handlers' access, and retention."""

from __future__ import annotations

from conversations.cases.audit import AuditLine, Probes, audit, read_audit
from conversations.cases.handlers import handler_names, name_of, remember_name, who
from conversations.cases.labels import (
    ANONYMITY,
    CATEGORIES,
    LEADER,
    RECEIVED_VIA,
    ROLES,
    STATUS,
)
from conversations.cases.notify import ALERT_BUTTONS, TEXT_ACTIONS, Notifier, names_in, redact
from conversations.cases.retention import Purged, purge
from conversations.cases.routing import Route, name_tokens, route, same_person
from conversations.cases.store import (
    CASE_FIELDS,
    append_log,
    new_reference,
    read_case,
    reporter_cases,
)

__all__ = [
    "ALERT_BUTTONS",
    "ANONYMITY",
    "CASE_FIELDS",
    "CATEGORIES",
    "LEADER",
    "RECEIVED_VIA",
    "ROLES",
    "STATUS",
    "TEXT_ACTIONS",
    "AuditLine",
    "Notifier",
    "Probes",
    "Purged",
    "Route",
    "append_log",
    "audit",
    "handler_names",
    "name_of",
    "name_tokens",
    "names_in",
    "new_reference",
    "purge",
    "read_audit",
    "read_case",
    "redact",
    "remember_name",
    "reporter_cases",
    "route",
    "same_person",
    "who",
]

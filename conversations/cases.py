"""Turning a finished draft into an encrypted case, and listing a reporter's cases."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.deadlines import acknowledge_due, feedback_due
from conversations.intake import about_leader, named
from conversations.org import Org
from conversations.routing import route
from storage.models import Case, CaseLogEntry, new_id
from storage.vault import Vault, place

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a reference is read aloud and typed on phones.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CASE_FIELDS = ("what", "when_words", "when_reading", "place", "people", "witnesses", "wishes")


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the reporter is told after submitting, and the stored case."""

    case: Case
    group_name: str
    acknowledge_by: datetime
    feedback_by: datetime


def new_reference(session: Session) -> str:
    while True:
        reference = "K-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference


def append_log(
    session: Session,
    case: Case,
    actor: str,
    event: str,
    facts: dict[str, object] | None = None,
    detail: str | None = None,
    vault: Vault | None = None,
) -> CaseLogEntry:
    """Add one entry to a case's append-only log; free text is encrypted under the case key."""
    seq = (
        session.scalar(select(func.max(CaseLogEntry.seq)).where(CaseLogEntry.case_id == case.id))
        or 0
    ) + 1
    entry = CaseLogEntry(
        id=new_id(),
        case_id=case.id,
        seq=seq,
        actor=actor,
        event=event,
        facts=facts or {},
        at=case.last_activity_at,
    )
    if detail is not None and vault is not None:
        key = vault.load(session, case.data_key_id)
        entry.detail = key.encrypt(detail, place("case_log", entry.id, "detail"))
    session.add(entry)
    return entry


def submit(
    session: Session,
    vault: Vault,
    org: Org,
    draft: dict[str, Any],
    *,
    platform: str,
    reporter_ref: str,
    address: str,
    language: str,
    unit_id: str,
    now: datetime,
) -> Receipt:
    """Store the draft as a new case under its own data key and log its receipt and route."""
    key = vault.create(session)
    leader = about_leader(draft)
    chosen = route(org, unit_id, leader, named(draft))
    group = chosen.group
    rules, zone = org.deadlines, org.organisation.timezone
    case = Case(
        id=new_id(),
        reference=new_reference(session),
        data_key_id=key.key_id,
        platform=platform,
        reporter_ref=reporter_ref,
        language=language,
        anonymity=draft.get("anonymity", "anonymous"),
        role=draft.get("role", "me"),
        category=draft.get("category"),
        unit_id=unit_id,
        group_id=group.id,
        about_leader=leader,
        contact_ok=bool(draft.get("contact", True)),
        status="received",
        received_at=now,
        last_activity_at=now,
        ack_due_at=acknowledge_due(now, rules, zone),
        feedback_due_at=feedback_due(now, None, rules, zone),
    )
    when = draft.get("when") or {}
    values = {
        "what": "\n\n".join(draft.get("what", [])),
        "when_words": when.get("words", ""),
        "when_reading": json.dumps({k: when.get(k) for k in ("kind", "start", "end", "confirmed")}),
        "place": draft.get("where", ""),
        "people": json.dumps(draft.get("people", []), ensure_ascii=False),
        "witnesses": draft.get("witnesses", ""),
        "wishes": draft.get("wishes", ""),
        "reporter_address": address,
    }
    for name, value in values.items():
        setattr(case, name, key.encrypt(value, place("cases", case.id, name)))
    if draft.get("name") and draft.get("anonymity") != "anonymous":
        case.reporter_name = key.encrypt(draft["name"], place("cases", case.id, "reporter_name"))
    session.add(case)
    session.flush()
    append_log(session, case, "reporter", "submitted", {"anonymity": case.anonymity})
    facts: dict[str, object] = {"group": group.id, "reason": chosen.reason}
    if chosen.passed_over:
        facts["passed_over"] = chosen.passed_over
    append_log(session, case, "system", "routed", facts)
    assert case.feedback_due_at is not None  # noqa: S101 - set just above
    return Receipt(case, group.name, case.ack_due_at, case.feedback_due_at)


def read_case(session: Session, vault: Vault, case: Case) -> dict[str, str]:
    """Decrypt a case's fields (callers audit the view)."""
    key = vault.load(session, case.data_key_id)
    fields = {n: key.decrypt(getattr(case, n), place("cases", case.id, n)) for n in CASE_FIELDS}
    if case.reporter_name is not None:
        fields["reporter_name"] = key.decrypt(
            case.reporter_name, place("cases", case.id, "reporter_name")
        )
    return fields


def reporter_cases(session: Session, platform: str, reporter_ref: str) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .where(Case.platform == platform, Case.reporter_ref == reporter_ref)
            .order_by(Case.received_at)
        )
    )

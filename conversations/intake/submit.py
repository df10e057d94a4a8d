"""Sending a report: the finished draft stored as an encrypted case, routed, and receipted."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.cases import append_log, new_reference, route
from conversations.followups import acknowledge_due, feedback_due
from conversations.i18n import N_, Translator
from conversations.intake.draft import Draft, about_leader, named
from conversations.intake.welcome import helplines_text
from conversations.org import Org
from conversations.states import Status
from storage.models import Case, new_id
from storage.vault import Vault, place


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the reporter is told after submitting, and the stored case."""

    case: Case
    group_name: str
    acknowledge_by: datetime
    feedback_by: datetime


def store_case(
    session: Session,
    vault: Vault,
    org: Org,
    draft: Draft,
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
        status=Status.RECEIVED,
        received_at=now,
        last_activity_at=now,
        ack_due_at=acknowledge_due(now, rules, zone),
        feedback_due_at=feedback_due(now, None, rules, zone),
    )
    when: Mapping[str, Any] = draft.get("when") or {}
    values = {
        "what": "\n\n".join(draft.get("what", [])),
        "when_words": when.get("words", ""),
        "when_reading": json.dumps({k: when.get(k) for k in ("kind", "start", "end", "confirmed")}),
        "place": draft.get("where") or "",
        "people": json.dumps(draft.get("people", []), ensure_ascii=False),
        "witnesses": draft.get("witnesses", ""),
        "wishes": draft.get("wishes", ""),
        "reporter_address": address,
    }
    for name, value in values.items():
        setattr(case, name, key.encrypt(value, place("cases", case.id, name)))
    if draft.get("name") and draft.get("anonymity") != "anonymous":
        case.reporter_name = key.encrypt(draft["name"], place("cases", case.id, "reporter_name"))
    if draft.get("role") in ("witness", "told"):
        affected = draft.get("affected") or ""
        case.affected = key.encrypt(affected, place("cases", case.id, "affected"))
    session.add(case)
    session.flush()
    append_log(session, case, "reporter", "submitted", {"anonymity": case.anonymity})
    facts: dict[str, object] = {"group": group.id, "reason": chosen.reason}
    if chosen.passed_over:
        facts["passed_over"] = chosen.passed_over
    append_log(session, case, "system", "routed", facts)
    assert case.feedback_due_at is not None  # noqa: S101 - set just above
    return Receipt(case, group.name, case.ack_due_at, case.feedback_due_at)


def sent_today(session: Session, platform: str, reporter_ref: str, now: datetime) -> int:
    """How many reports this reporter sent in the last 24 hours (the per-day limit counts)."""
    recent = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.platform == platform,
            Case.reporter_ref == reporter_ref,
            Case.received_at > now - timedelta(days=1),
        )
    )
    return recent or 0


def receipt_text(tr: Translator, org: Org, receipt: Receipt, *, forget: bool) -> str:
    """The receipt: the reference, who reads it, the deadlines, and where to get help.

    `forget`: the platform can delete the conversation from the reporter's chat (/forget).
    """
    rules = org.deadlines
    text = tr.t(
        "receipt",
        reference=receipt.case.reference,
        group=receipt.group_name,
        acknowledge_by=tr.local_day(receipt.acknowledge_by),
        acknowledge_days=rules.acknowledge_days,
        feedback_by=tr.local_day(receipt.feedback_by),
        feedback_months=rules.feedback_months,
    )
    contact = N_("receipt.contact") if receipt.case.contact_ok else N_("receipt.no_contact")
    text += "\n\n" + tr.t(contact)
    text += "\n\n" + tr.t("receipt.police")
    if forget:
        text += "\n\n" + tr.t("receipt.forget")
    if org.helplines:
        text += "\n\n" + tr.t("welcome.helplines") + "\n"
        text += helplines_text(org.helplines, tr.language)
    return text

"""Reports received elsewhere (by phone, in a meeting, by e-mail), recorded by a handler on the
reporter's behalf: stored, routed and owed the same deadlines as a report through the bot."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from conversations.cases import RECEIVED_VIA, append_log, audit
from conversations.followups import on_submit, schedule
from conversations.intake import Draft, Person, store_case, when_answer
from conversations.when import read_when
from storage.models import Case

if TYPE_CHECKING:
    from conversations.desk.desk import Desk

# A recorded report has no platform: the group reaches the reporter the way the report came.
PLATFORM = "recorded"


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a handler writes down from a report that came another way."""

    via: str  # a key of RECEIVED_VIA
    unit_id: str
    what: str
    when: str = ""
    where: str = ""
    people: list[Person] = field(default_factory=list)
    witnesses: str = ""
    wishes: str = ""
    anonymity: str = "anonymous"
    role: str = "me"
    category: str | None = None
    reporter_name: str = ""


def record_report(
    session: Session, desk: Desk, report: Recorded, actor: str, now: datetime
) -> Case:
    """Store `report` as a case, route it and alert its group, and schedule its follow-ups,
    exactly as a report sent through the bot; the handler who recorded it is in the case log
    and the audit log. The reporter cannot be written to through the bot (no address)."""
    if report.via not in RECEIVED_VIA:
        raise ValueError(f"unknown channel {report.via!r}: use {', '.join(RECEIVED_VIA)}")
    if desk.org.unit(report.unit_id) is None:
        raise ValueError(f"unknown unit {report.unit_id!r}")
    zone = desk.org.organisation.timezone
    language = desk.org.default_language
    reading = read_when(report.when, language, now.astimezone(ZoneInfo(zone)).replace(tzinfo=None))
    draft: Draft = {
        "anonymity": report.anonymity,
        "role": report.role,
        "category": report.category,
        "what": [report.what],
        "when": when_answer(replace(reading, words=report.when), confirmed=False),
        "where": report.where,
        "people": report.people,
        "witnesses": report.witnesses,
        "wishes": report.wishes,
        "contact": False,
    }
    if report.reporter_name:
        draft["name"] = report.reporter_name
    receipt = store_case(
        session,
        desk.vault,
        desk.org,
        draft,
        platform=PLATFORM,
        # Nobody's pseudonym: a recorded report is never one of a platform user's own reports.
        reporter_ref="recorded:" + secrets.token_hex(16),
        address="",
        language=language,
        unit_id=report.unit_id,
        now=now,
    )
    case = receipt.case
    case.received_via = report.via
    append_log(session, case, actor, "recorded", {"via": report.via})
    audit(session, actor, "record", now=now, case_ref=case.reference, via=report.via)
    desk.notifier.alert(session, case, now)
    schedule(session, case, on_submit(now, desk.org.deadlines, zone), now)
    return case

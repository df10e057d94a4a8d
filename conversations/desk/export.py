"""A case as a readable Markdown document: the report, its facts and its whole log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases import ANONYMITY, CATEGORIES, ROLES, STATUS, audit, read_case
from conversations.desk.desk import Desk
from storage.models import Case


def export_case(
    session: Session, desk: Desk, reference: str, actor: str, now: datetime
) -> str | None:
    """Render the case `reference` as Markdown (None if there is none); the try is audited."""
    case = session.scalar(select(Case).where(Case.reference == reference.upper()))
    if case is None:
        audit(
            session,
            actor,
            "export",
            now=now,
            case_ref=reference.upper()[:16],
            allowed=False,
            reason="unknown_case",
        )
        return None
    audit(session, actor, "export", now=now, case_ref=case.reference)
    tr = desk.notifier.desk_tr
    t = tr.t
    group = desk.notifier.group_of(case)
    unit = desk.org.unit(case.unit_id)
    fields = read_case(session, desk.vault, case)
    facts = [
        ("Group", group.name),
        ("Unit", unit.name if unit else "—"),
        ("Status", t(STATUS[case.status]) + (f" ({case.outcome})" if case.outcome else "")),
        ("Reporter", t(ANONYMITY[case.anonymity])),
        ("How they know", t(ROLES[case.role])),
        ("Category", t(CATEGORIES.get(case.category or "", "answer.dont_know"))),
        ("Received", tr.moment(case.received_at)),
        ("Acknowledge by", tr.moment(case.ack_due_at)),
        ("Acknowledged", tr.moment(case.acknowledged_at) if case.acknowledged_at else "—"),
        ("Feedback by", tr.moment(case.feedback_due_at) if case.feedback_due_at else "—"),
        ("Closed", tr.moment(case.closed_at) if case.closed_at else "—"),
    ]
    lines = [f"# {case.reference}", "", "| | |", "| --- | --- |"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in facts]
    if "reporter_name" in fields:
        lines.append(f"| Name given by the reporter | {_cell(fields['reporter_name'])} |")
    lines += ["", "## Report", "", desk.notifier.content_text(fields, case, full=True), ""]
    log = desk.log_text(session, case).splitlines()
    lines += ["## Case log", ""] + [
        f"- {line.strip()}" if not line.startswith("    ") else f"  {line.strip()}"
        for line in log[1:]
    ]
    lines += ["", f"_Exported {tr.moment(now)} by {actor}. This export is in the audit log._", ""]
    return "\n".join(lines)


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")

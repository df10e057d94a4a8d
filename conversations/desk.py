"""The handler desk: actions on a case from the group's channel, checked and audited."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.audit import audit
from conversations.cases import append_log, read_case
from conversations.channels import Channels
from conversations.deadlines import feedback_due, on_acknowledge
from conversations.followups import schedule
from conversations.i18n import N_
from conversations.intake import STATUS, Reply
from conversations.messages import Inbound
from conversations.notify import Notifier
from conversations.org import Group, Org
from storage.models import Case, CaseLogEntry
from storage.vault import Vault, place

MAX_TEXT = 4000
OUTCOMES = {
    "resolved": N_("outcome.resolved"),
    "measures": N_("outcome.measures"),
    "no_grounds": N_("outcome.no_grounds"),
    "withdrawn": N_("outcome.withdrawn"),
    "referred": N_("outcome.referred"),
}
EVENTS = {
    "submitted": N_("event.submitted"),
    "routed": N_("event.routed"),
    "acknowledged": N_("event.acknowledged"),
    "reply_sent": N_("event.reply_sent"),
    "reporter_message": N_("event.reporter_message"),
    "note": N_("event.note"),
    "minutes": N_("event.minutes"),
    "status": N_("event.status"),
    "closed": N_("event.closed"),
    "reopened": N_("event.reopened"),
    "escalated": N_("event.escalated"),
    "escalation_notice": N_("event.escalation_notice"),
    "feedback_overdue": N_("event.feedback_overdue"),
    "reporter_unreachable": N_("event.reporter_unreachable"),
}
ACTIONS = (
    "ack",
    "reply",
    "note",
    "minutes",
    "progress",
    "close",
    "reopen",
    "escalate",
    "log",
    "show",
    "help",
)
IN_PROGRESS = STATUS["in_progress"]
REFUSALS = {
    "private": N_("desk.refused.private"),
    "not_member": N_("desk.refused.not_member"),
    "other_group": N_("desk.refused.other_group"),
    "show_privately": N_("desk.refused.show_privately"),
    "closed": N_("desk.refused.closed"),
}
REFERENCE = re.compile(r"^k-[a-z0-9]{6}$", re.IGNORECASE)
# Actions that change nothing may be used on a closed case.
READ_ONLY = ("log", "show")


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed handler request: the action, the case reference and any free text."""

    action: str
    reference: str
    text: str


def parse(inbound: Inbound) -> Request | None:
    """A desk request from a button ('desk:ack:K-…') or a command ('/note K-… text'); else None."""
    if inbound.choice and inbound.choice.startswith("desk:"):
        _, action, reference = [*inbound.choice.split(":", 2), "", ""][:3]
        return Request(action, reference.upper(), "")
    text = (inbound.text or "").strip()
    if not text.startswith("/"):
        return None
    command, _, rest = text.partition(" ")
    action = command[1:].split("@", 1)[0].lower()  # "/ack@TryggBot" in Telegram groups
    reference, _, body = rest.strip().partition(" ")
    return Request(action, reference.upper(), body.strip())


class Desk:
    """Applies handler requests; every view, action and refusal is written to the audit log."""

    def __init__(
        self,
        vault: Vault,
        org: Org,
        channels: Channels,
        notifier: Notifier,
        clock: Callable[[], datetime],
    ) -> None:
        self.vault = vault
        self.org = org
        self.channels = channels
        self.notifier = notifier
        self.clock = clock

    def handle(self, session: Session, inbound: Inbound, request: Request) -> list[Reply]:
        """Check who asks and about what, then act; refusals are answered and audited."""
        tr = self.notifier.desk_tr
        t = tr.t
        actor = self.actor(inbound)
        now = self.clock()
        if request.action not in ACTIONS or request.action == "help":
            return [Reply(t("desk.help"))]
        if not REFERENCE.match(request.reference):
            return [Reply(t("desk.need_reference", action=request.action))]
        case = session.scalar(select(Case).where(Case.reference == request.reference))
        if case is None:
            audit(
                session,
                actor,
                request.action,
                now=now,
                case_ref=request.reference,
                allowed=False,
                reason="unknown_case",
            )
            return [Reply(t("desk.unknown_case", reference=request.reference))]
        group = self.notifier.group_of(case)
        refusal = self._refusal(inbound, case, group, request)
        if refusal is not None:
            audit(
                session,
                actor,
                request.action,
                now=now,
                case_ref=case.reference,
                allowed=False,
                reason=refusal,
            )
            return [Reply(t(REFUSALS[refusal], reference=case.reference, group=group.name))]
        audit(session, actor, request.action, now=now, case_ref=case.reference)
        case.last_activity_at = now
        act = getattr(self, f"_{request.action}")
        replies: list[Reply] = act(session, case, request, actor, now)
        return replies

    def actor(self, inbound: Inbound) -> str:
        """The handler as stored: a pseudonym, never the raw platform id."""
        return "handler:" + self.vault.keyring.pseudonym(inbound.platform, inbound.user_id)[:12]

    def _refusal(self, inbound: Inbound, case: Case, group: Group, request: Request) -> str | None:
        if inbound.private:
            # Only reading is offered in private, to members of the case's group.
            if request.action not in READ_ONLY:
                return "private"
            members = any(
                self.channels.is_member(a, inbound.user_id) for a in self.channels.addresses(group)
            )
            return None if members else "not_member"
        here = self.channels.group_at(inbound.address)
        if here is None or here.id != group.id:
            return "other_group"
        if not self.channels.is_member(inbound.address, inbound.user_id):
            return "not_member"
        if request.action == "show" and self.org.organisation.report_detail == "minimal":
            return "show_privately"
        if case.status == "closed" and request.action not in (*READ_ONLY, "reopen"):
            return "closed"
        return None

    # --- actions -------------------------------------------------------------------------

    def _ack(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        if case.status != "received":
            return [self._already(case)]
        case.status = "acknowledged"
        case.acknowledged_at = now
        rules, zone = self.org.deadlines, self.org.organisation.timezone
        case.feedback_due_at = feedback_due(case.received_at, now, rules, zone)
        schedule(session, case, on_acknowledge(case.received_at, now, rules, zone), now)
        append_log(session, case, actor, "acknowledged")
        rtr = self.notifier.reporter_tr(case)
        group = self.notifier.group_of(case).name
        body = rtr.t(
            "reporter.acknowledged",
            reference=case.reference,
            group=group,
            feedback_by=rtr.local_day(case.feedback_due_at),
        )
        self.notifier.to_reporter(session, case, body, now, key="acknowledged")
        return [
            Reply(
                t(
                    "desk.done.ack",
                    reference=case.reference,
                    feedback_by=self.notifier.desk_tr.local_day(case.feedback_due_at),
                )
            )
        ]

    def _reply(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        problem = self._text_problem(req, case)
        if problem:
            return [problem]
        if not case.contact_ok:
            return [Reply(t("desk.no_contact", reference=case.reference))]
        entry = append_log(session, case, actor, "reply_sent", detail=req.text, vault=self.vault)
        rtr = self.notifier.reporter_tr(case)
        group = self.notifier.group_of(case).name
        question = rtr.t("reporter.question", reference=case.reference, group=group)
        self.notifier.to_reporter(
            session,
            case,
            "\n\n".join([question, req.text, rtr.t("reporter.how_to_answer")]),
            now,
            separator="\n\n",
            key=f"reply:{entry.id}",
        )
        return [Reply(t("desk.done.reply", reference=case.reference))]

    def _note(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        problem = self._text_problem(req, case)
        if problem:
            return [problem]
        append_log(session, case, actor, "note", detail=req.text, vault=self.vault)
        return [Reply(self.notifier.desk_tr.t("desk.done.note", reference=case.reference))]

    def _minutes(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        parts = [p.strip() for p in req.text.split(";")]
        if len(parts) < 3 or not all(parts[:3]):
            return [Reply(t("desk.minutes_format", reference=case.reference))]
        problem = self._text_problem(req, case)
        if problem:
            return [problem]
        minutes = {"date": parts[0], "participants": parts[1], "summary": "; ".join(parts[2:])}
        append_log(
            session,
            case,
            actor,
            "minutes",
            detail=json.dumps(minutes, ensure_ascii=False),
            vault=self.vault,
        )
        return [Reply(t("desk.done.minutes", reference=case.reference))]

    def _progress(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        if case.status == "received":
            return [Reply(t("desk.need_ack", reference=case.reference))]
        if case.status == "in_progress":
            return [Reply(t("desk.already", reference=case.reference, status=t(IN_PROGRESS)))]
        case.status = "in_progress"
        append_log(session, case, actor, "status", {"status": "in_progress"})
        return [Reply(t("desk.done.status", reference=case.reference, status=t(IN_PROGRESS)))]

    def _close(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        outcome = req.text.split(" ", 1)[0].lower()
        if outcome not in OUTCOMES:
            choices = ", ".join(f"{k} ({t(v)})" for k, v in OUTCOMES.items())
            return [Reply(t("desk.bad_outcome", reference=case.reference, outcomes=choices))]
        if case.status == "received":
            return [Reply(t("desk.need_ack", reference=case.reference))]
        case.status, case.outcome, case.closed_at = "closed", outcome, now
        append_log(session, case, actor, "closed", {"outcome": outcome})
        if case.contact_ok:
            rtr = self.notifier.reporter_tr(case)
            body = rtr.t(
                "reporter.closed", reference=case.reference, outcome=rtr.t(OUTCOMES[outcome])
            )
            self.notifier.to_reporter(session, case, body, now, key=f"closed:{now.isoformat()}")
        return [
            Reply(t("desk.done.closed", reference=case.reference, outcome=t(OUTCOMES[outcome])))
        ]

    def _reopen(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        if case.status != "closed":
            return [self._already(case)]
        case.status, case.outcome, case.closed_at = "in_progress", None, None
        append_log(session, case, actor, "reopened")
        return [Reply(t("desk.done.status", reference=case.reference, status=t(IN_PROGRESS)))]

    def _escalate(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        current = self.notifier.group_of(case)
        target = self.org.group(current.escalation)
        if target is None:
            return [Reply(t("desk.no_escalation", reference=case.reference))]
        case.group_id = target.id
        append_log(session, case, actor, "escalated", {"from": current.id, "to": target.id})
        self.notifier.alert(session, case, now, key=f"escalated:{now.isoformat()}")
        return [Reply(t("desk.done.escalated", reference=case.reference, group=target.name))]

    def _log(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        return [Reply(self.log_text(session, case))]

    def _show(
        self, session: Session, case: Case, req: Request, actor: str, now: datetime
    ) -> list[Reply]:
        fields = read_case(session, self.vault, case)
        title = self.notifier.desk_tr.t("desk.alert.title", reference=case.reference)
        return [Reply(title + "\n" + self.notifier.content_text(fields, case, full=True))]

    # --- helpers -------------------------------------------------------------------------

    def _already(self, case: Case) -> Reply:
        t = self.notifier.desk_tr.t
        return Reply(t("desk.already", reference=case.reference, status=t(STATUS[case.status])))

    def _text_problem(self, req: Request, case: Case) -> Reply | None:
        t = self.notifier.desk_tr.t
        if not req.text:
            return Reply(t("desk.empty_text", reference=case.reference, action=req.action))
        if len(req.text) > MAX_TEXT:
            return Reply(t("desk.too_long", length=len(req.text), limit=MAX_TEXT))
        return None

    def log_text(self, session: Session, case: Case) -> str:
        """The case log, oldest first, with notes and minutes decrypted."""
        tr = self.notifier.desk_tr
        entries = session.scalars(
            select(CaseLogEntry).where(CaseLogEntry.case_id == case.id).order_by(CaseLogEntry.seq)
        )
        key = self.vault.load(session, case.data_key_id)
        lines = [tr.t("desk.log.title", reference=case.reference)]
        for entry in entries:
            event = tr.t(EVENTS[entry.event]) if entry.event in EVENTS else entry.event
            facts = ", ".join(f"{k}={v}" for k, v in entry.facts.items())
            line = f"{tr.moment(entry.at)} · {entry.actor} · {event}" + (
                f" ({facts})" if facts else ""
            )
            if entry.detail is not None:
                detail = key.decrypt(entry.detail, place("case_log", entry.id, "detail"))
                if entry.event == "minutes":
                    minutes = json.loads(detail)
                    detail = (
                        f"{minutes['date']} · {minutes['participants']}\n    {minutes['summary']}"
                    )
                line += "\n    " + detail
            lines.append(line)
        return "\n".join(lines)

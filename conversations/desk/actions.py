"""What a handler does to a case: acknowledge, reply, note, minutes, progress, close,
reopen, escalate, read its log, show it. A mixin of `Desk`; access is checked before."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases import (
    STATUS,
    Notifier,
    append_log,
    handler_names,
    name_of,
    names_in,
    read_case,
    redact,
    who,
)
from conversations.cases.minutes import minutes_text, parse_minutes
from conversations.desk.requests import Request
from conversations.followups import feedback_due, on_acknowledge, schedule
from conversations.i18n import N_
from conversations.messages import Reply
from conversations.org import Org
from conversations.states import Status
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
    "taken": N_("event.taken"),
    "assigned": N_("event.assigned"),
    "handed_over": N_("event.handed_over"),
    "feedback": N_("event.feedback"),
    "hold": N_("event.hold"),
    "released": N_("event.released"),
    "recorded": N_("event.recorded"),
}

IN_PROGRESS = STATUS[Status.IN_PROGRESS]


class Actions:
    """The desk's actions on a case (its attributes are set by `Desk`)."""

    vault: Vault
    org: Org
    notifier: Notifier

    def _ack(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        if case.status != Status.RECEIVED:
            return [self._already(case)]
        case.status = Status.ACKNOWLEDGED
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
                    name=self.named(session, actor),
                    feedback_by=self.notifier.desk_tr.local_day(case.feedback_due_at),
                )
            )
        ]

    def _reply(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
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
        return [self._done(session, actor, t("desk.done.reply", reference=case.reference))]

    def _note(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        problem = self._text_problem(req, case)
        if problem:
            return [problem]
        append_log(session, case, actor, "note", detail=req.text, vault=self.vault)
        text = self.notifier.desk_tr.t("desk.done.note", reference=case.reference)
        return [self._done(session, actor, text)]

    def _minutes(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        minutes = parse_minutes(req.text)
        if minutes is None:
            return [Reply(t("desk.minutes_format", reference=case.reference))]
        problem = self._text_problem(req, case)
        if problem:
            return [problem]
        append_log(
            session,
            case,
            actor,
            "minutes",
            detail=json.dumps(minutes, ensure_ascii=False),
            vault=self.vault,
        )
        return [self._done(session, actor, t("desk.done.minutes", reference=case.reference))]

    def _progress(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        if case.status == Status.RECEIVED:
            return [Reply(t("desk.need_ack", reference=case.reference))]
        if case.status == Status.IN_PROGRESS:
            return [Reply(t("desk.already", reference=case.reference, status=t(IN_PROGRESS)))]
        case.status = Status.IN_PROGRESS
        append_log(session, case, actor, "status", {"status": Status.IN_PROGRESS})
        text = t("desk.done.status", reference=case.reference, status=t(IN_PROGRESS))
        return [self._done(session, actor, text)]

    def _close(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        outcome = req.text.split(" ", 1)[0].lower()
        if outcome not in OUTCOMES:
            choices = ", ".join(f"{k} ({t(v)})" for k, v in OUTCOMES.items())
            return [Reply(t("desk.bad_outcome", reference=case.reference, outcomes=choices))]
        if case.status == Status.RECEIVED:
            return [Reply(t("desk.need_ack", reference=case.reference))]
        case.status, case.outcome, case.closed_at = Status.CLOSED, outcome, now
        append_log(session, case, actor, "closed", {"outcome": outcome})
        if case.contact_ok:
            rtr = self.notifier.reporter_tr(case)
            body = rtr.t(
                "reporter.closed", reference=case.reference, outcome=rtr.t(OUTCOMES[outcome])
            )
            self.notifier.to_reporter(session, case, body, now, key=f"closed:{now.isoformat()}")
        text = t("desk.done.closed", reference=case.reference, outcome=t(OUTCOMES[outcome]))
        return [self._done(session, actor, text)]

    def _reopen(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        if case.status != Status.CLOSED:
            return [self._already(case)]
        case.status, case.outcome, case.closed_at = Status.IN_PROGRESS, None, None
        append_log(session, case, actor, "reopened")
        text = t("desk.done.status", reference=case.reference, status=t(IN_PROGRESS))
        return [self._done(session, actor, text)]

    def _escalate(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        current = self.notifier.group_of(case)
        target = self.org.group(current.escalation)
        if target is None:
            return [Reply(t("desk.no_escalation", reference=case.reference))]
        case.group_id = target.id
        append_log(session, case, actor, "escalated", {"from": current.id, "to": target.id})
        self.notifier.alert(session, case, now, key=f"escalated:{now.isoformat()}")
        text = t("desk.done.escalated", reference=case.reference, group=target.name)
        return [self._done(session, actor, text)]

    def _log(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        hide_names = in_channel and self.notifier.detail != "full"
        return [Reply(self.log_text(session, case, hide_names=hide_names))]

    def _show(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        t = self.notifier.desk_tr.t
        fields = read_case(session, self.vault, case)
        title = t("desk.alert.title", reference=case.reference)
        if in_channel and self.notifier.detail != "full":
            # A summary channel shows no names: the whole report is read in private.
            content = self.notifier.content_text(fields, case, full=False)
            pointer = t("desk.show.whole_privately", reference=case.reference)
            return [Reply(f"{title}\n{content}\n{pointer}")]
        return [Reply(title + "\n" + self.notifier.content_text(fields, case, full=True))]

    # --- helpers -------------------------------------------------------------------------

    def named(self, session: Session, actor: str) -> str:
        """How a confirmation names the handler who acted (their pseudonym without a name)."""
        return name_of(session, self.vault, actor) or actor

    def _done(self, session: Session, actor: str, text: str) -> Reply:
        """A confirmation that says who acted ("… — Kari Nilsen")."""
        return Reply(self.notifier.desk_tr.t("desk.by", text=text, name=self.named(session, actor)))

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

    def log_text(self, session: Session, case: Case, *, hide_names: bool = False) -> str:
        """The case log, oldest first, with notes and minutes decrypted.

        With `hide_names` (for a channel at `summary`) the names of the people in the report and
        the reporter's are left out of every decrypted text.
        """
        tr = self.notifier.desk_tr
        entries = session.scalars(
            select(CaseLogEntry).where(CaseLogEntry.case_id == case.id).order_by(CaseLogEntry.seq)
        )
        key = self.vault.load(session, case.data_key_id)
        lines = [tr.t("desk.log.title", reference=case.reference)]
        hidden = names_in(read_case(session, self.vault, case)) if hide_names else ()
        handlers = handler_names(session, self.vault)
        for entry in entries:
            event = tr.t(EVENTS[entry.event]) if entry.event in EVENTS else entry.event
            facts = ", ".join(
                f"{k}={who(v, handlers) if isinstance(v, str) else v}"
                for k, v in entry.facts.items()
            )
            line = f"{tr.moment(entry.at)} · {who(entry.actor, handlers)} · {event}" + (
                f" ({facts})" if facts else ""
            )
            if entry.detail is not None:
                detail = key.decrypt(entry.detail, place("case_log", entry.id, "detail"))
                if entry.event == "minutes":
                    detail = minutes_text(json.loads(detail), tr)
                line += "\n    " + (redact(detail, hidden) if hide_names else detail)
            lines.append(line)
        return "\n".join(lines)

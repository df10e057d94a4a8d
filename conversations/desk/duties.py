"""What a handler owes a case beyond its status: an owner, feedback to the reporter, and a
legal hold that keeps it from the retention purge. A mixin of `Desk`; access is checked before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases import append_log, handler_names, name_tokens
from conversations.desk.actions import Actions
from conversations.desk.requests import Request
from conversations.messages import Reply
from conversations.states import Status
from storage.models import Case, CaseLogEntry


class Duties(Actions):
    """Owner, feedback and legal hold, beside the actions (its attributes are set by `Desk`)."""

    def _take(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        return self._hand_to(session, case, actor, actor)

    def _assign(
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
        found = self._handlers_named(session, case, req.text)
        if not found:
            return [Reply(t("desk.assign.unknown", reference=case.reference), only_asker=True)]
        if len(found) > 1:
            text = t("desk.assign.several", reference=case.reference, count=len(found))
            return [Reply(text, only_asker=True)]
        return self._hand_to(session, case, actor, found[0])

    def _hand_to(self, session: Session, case: Case, actor: str, owner: str) -> list[Reply]:
        """Make `owner` the case's owner; a change of owner is a hand-over, all logged."""
        t = self.notifier.desk_tr.t
        name = self.named(session, owner)
        if case.owner == owner:
            return [Reply(t("desk.owner.already", reference=case.reference, name=name))]
        if case.owner is None:
            event = "taken" if owner == actor else "assigned"
            append_log(session, case, actor, event, {"to": owner})
        else:
            append_log(session, case, actor, "handed_over", {"from": case.owner, "to": owner})
        case.owner = owner
        return [self._done(session, actor, t("desk.done.owner", reference=case.reference,
                                              owner=name))]  # fmt: skip

    def _handlers_named(self, session: Session, case: Case, typed: str) -> list[str]:
        """Handlers who have acted on a case of this group and whose name matches `typed`
        (every word typed is a word of the name, in any case and without accents)."""
        wanted = set(_words(typed))
        if not wanted:
            return []
        acted = set(
            session.scalars(
                select(CaseLogEntry.actor)
                .join(Case, Case.id == CaseLogEntry.case_id)
                .where(Case.group_id == case.group_id, CaseLogEntry.actor.like("handler:%"))
            )
        )
        names = handler_names(session, self.vault)
        return sorted(
            actor for actor in acted if actor in names and wanted <= set(_words(names[actor]))
        )

    def _feedback(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        """Feedback to the reporter: sent (if they may be contacted) and on the record; the
        first meets the feedback deadline, so its warnings stop."""
        t = self.notifier.desk_tr.t
        if case.status == Status.RECEIVED:
            return [Reply(t("desk.need_ack", reference=case.reference))]
        problem = self._text_problem(req, case)
        if problem:
            return [problem]
        on_time = case.feedback_due_at is None or now <= case.feedback_due_at
        entry = append_log(
            session,
            case,
            actor,
            "feedback",
            {"sent": case.contact_ok, "on_time": on_time},
            detail=req.text,
            vault=self.vault,
        )
        if case.feedback_given_at is None:
            case.feedback_given_at = now
        if case.contact_ok:
            rtr = self.notifier.reporter_tr(case)
            group = self.notifier.group_of(case).name
            head = rtr.t("reporter.feedback", reference=case.reference, group=group)
            self.notifier.to_reporter(
                session,
                case,
                "\n\n".join([head, req.text, rtr.t("reporter.how_to_answer")]),
                now,
                separator="\n\n",
                key=f"feedback:{entry.id}",
            )
            text = t("desk.done.feedback", reference=case.reference)
        else:
            text = t("desk.done.feedback_recorded", reference=case.reference)
        return [self._done(session, actor, text)]

    def _hold(
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
        if case.legal_hold:
            return [Reply(t("desk.hold.already", reference=case.reference))]
        case.legal_hold = True
        append_log(session, case, actor, "hold", detail=req.text, vault=self.vault)
        return [self._done(session, actor, t("desk.done.hold", reference=case.reference))]

    def _release(
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
        if not case.legal_hold:
            return [Reply(t("desk.hold.none", reference=case.reference))]
        case.legal_hold = False
        append_log(session, case, actor, "released")
        return [self._done(session, actor, t("desk.done.release", reference=case.reference))]


# Letters that Unicode does not decompose into a base letter, as people type them without.
_PLAIN = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "đ": "d", "ł": "l"})


def _words(name: str) -> tuple[str, ...]:
    """A name's comparable words ('Per Ødegård' and 'per odegard' are the same)."""
    return name_tokens(name.translate(_PLAIN))

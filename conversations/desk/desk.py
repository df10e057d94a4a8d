"""The handler desk: actions on a case from the group's channel, checked and audited."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases import (
    ALERT_BUTTONS,
    TEXT_ACTIONS,
    Notifier,
    Probes,
    audit,
    remember_name,
)
from conversations.cases.minutes import FIELDS as MINUTES
from conversations.channels import Channels
from conversations.desk.access import PROBE_LIMIT, PROBES, REFUSALS, Access, Answers
from conversations.desk.record import Record
from conversations.desk.requests import ACTIONS, BAD_REQUEST, READ_ONLY, REFERENCE, Request
from conversations.messages import Inbound, Reply
from conversations.org import Org
from storage.models import Case, DeskPrompt
from storage.vault import Vault, place

PROMPT_TTL = timedelta(hours=1)


class Desk(Access, Record):
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
        self.probes = Probes(PROBE_LIMIT)

    def handle(
        self,
        session: Session,
        inbound: Inbound,
        request: Request,
        answers: Mapping[str, bool] | None = None,
    ) -> list[Reply]:
        """Check who asks and about what, then act; refusals are answered and audited.

        `answers`: the platform's membership answers, asked beforehand (`questions`, `ask`);
        a question not answered there is refused. Without them, the platform is asked here.
        """
        t = self.notifier.desk_tr.t
        actor = self.actor(inbound)
        now = self.clock()
        self.probes.roll(session, now)
        if request.action == BAD_REQUEST:
            return self._probe(session, actor, "button", None, BAD_REQUEST, now)
        if request.action not in ACTIONS or request.action == "help":
            return [Reply(t("desk.help"))]
        if not REFERENCE.match(request.reference):
            return [Reply(t("desk.need_reference", action=request.action))]
        if inbound.private and request.action not in READ_ONLY:
            # Only reading is offered in private (asked before the case is looked up).
            private = REFUSALS["private"]
            text = t(private, reference=request.reference)
            return [Reply(text, only_asker=True)]
        case = session.scalar(select(Case).where(Case.reference == request.reference))
        if case is None:
            return self._probe(
                session, actor, request.action, request.reference, "unknown_case", now
            )
        acting = self.acting_groups(session, case)
        refusal = self._refusal(inbound, case, acting, request, answers)
        if refusal in PROBES:
            return self._probe(session, actor, request.action, case.reference, refusal, now)
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
            text = t(REFUSALS[refusal], reference=case.reference)
            return [Reply(text, only_asker=True)]
        here = self._here(inbound, acting)
        if here.id != case.group_id:  # an escalation group acting on a case it was told of
            audit(
                session, actor, request.action, now=now, case_ref=case.reference, as_group=here.id
            )
        else:
            audit(session, actor, request.action, now=now, case_ref=case.reference)
        remember_name(session, self.vault, actor, self._name(inbound, answers), now)
        if request.action in TEXT_ACTIONS and not request.text and not inbound.private:
            return [self._prompt(session, inbound, request, now)]
        case.last_activity_at = now
        act = getattr(self, f"_{request.action}")
        before = _shown(case)
        replies: list[Reply] = act(
            session, case, request, actor, now, in_channel=not inbound.private
        )
        if _shown(case) != before:
            self.notifier.edit_alerts(session, case, now)
        return replies

    def _name(self, inbound: Inbound, answers: Mapping[str, bool] | None) -> str | None:
        """The asker's display name: asked with the membership beforehand, or now."""
        if isinstance(answers, Answers):
            return answers.name
        if answers is None and not inbound.private:
            return self.channels.display_name(inbound.address, inbound.user_id)
        return None

    def _prompt(self, session: Session, inbound: Inbound, request: Request, now: datetime) -> Reply:
        """A button that needs a text: ask for it; the handler's next message here is the text."""
        key = prompt_key(self.vault, inbound)
        prompt = session.get(DeskPrompt, key)
        if prompt is None:
            prompt = DeskPrompt(key=key)
            session.add(prompt)
        if (prompt.action, prompt.reference) != (request.action, request.reference):
            prompt.step, prompt.partial = None, None  # a new question: forget an older form
        prompt.action, prompt.reference = request.action, request.reference
        prompt.expires_at = now + PROMPT_TTL
        t = self.notifier.desk_tr.t
        if request.action == "minutes":  # a form: asked field by field
            prompt.step = prompt.step or 0
            field = list(MINUTES)[prompt.step]
            text = t("desk.form.minutes", reference=request.reference, step=prompt.step + 1,
                     steps=len(MINUTES), question=t(MINUTES[field]))  # fmt: skip
            return Reply(text, wants_reply=True)
        label = t(ALERT_BUTTONS[request.action]) if request.action in ALERT_BUTTONS else ""
        text = t("desk.prompt", action=label or request.action, reference=request.reference)
        return Reply(text, wants_reply=True)

    def answered(self, session: Session, inbound: Inbound, now: datetime) -> Request | None:
        """The request a handler's plain message completes (the text a button asked for)."""
        prompt = session.get(DeskPrompt, prompt_key(self.vault, inbound))
        if prompt is None:
            return None
        if prompt.expires_at < now or not inbound.text or not inbound.text.strip():
            session.delete(prompt)
            return None
        text = inbound.text.strip()
        if prompt.step is not None:
            return self._form_step(session, prompt, text, now)
        session.delete(prompt)
        return Request(prompt.action, prompt.reference, text)

    def _form_step(
        self, session: Session, prompt: DeskPrompt, text: str, now: datetime
    ) -> Request | None:
        """One field of a form asked field by field: kept (encrypted under the case's key)
        until the last, then the whole form is the request's text."""
        case = session.scalar(select(Case).where(Case.reference == prompt.reference))
        if case is None or case.data_key_id is None or prompt.step is None:
            session.delete(prompt)
            return None
        key = self.vault.load(session, case.data_key_id)
        where = place("desk_prompts", prompt.key, "partial")
        answers = json.loads(key.decrypt(prompt.partial, where)) if prompt.partial else {}
        fields = list(MINUTES)
        answers[fields[prompt.step]] = text
        if prompt.step + 1 < len(fields):
            prompt.step += 1
            prompt.partial = key.encrypt(json.dumps(answers, ensure_ascii=False), where)
            prompt.expires_at = now + PROMPT_TTL
            return Request(prompt.action, prompt.reference, "")  # asks the next field
        session.delete(prompt)
        return Request(prompt.action, prompt.reference, json.dumps(answers, ensure_ascii=False))


def _shown(case: Case) -> tuple[object, ...]:
    """What a case's alert shows of its state: when it changes, the alert is edited."""
    return (case.status, case.owner, case.group_id, case.feedback_given_at, case.legal_hold)


def prompt_key(vault: Vault, inbound: Inbound) -> str:
    """Which handler in which channel is being asked for a text (a keyed hash of both)."""
    return vault.keyring.pseudonym("prompt", f"{inbound.address}|{inbound.user_id}")

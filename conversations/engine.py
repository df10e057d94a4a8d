"""The engine: one inbound message in, the conversation advanced in one transaction, replies out."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from conversations import intake
from conversations.cases import reporter_cases, submit
from conversations.channels import Channels
from conversations.deadlines import on_submit
from conversations.desk import Desk, Request, parse
from conversations.followups import schedule
from conversations.i18n import Translator, negotiate
from conversations.intake import Context
from conversations.messages import Choice, Inbound, Outbound
from conversations.notify import Notifier
from conversations.org import Org
from conversations.relay import Relay
from conversations.turn import FOLLOWUP, IDLE, LANGUAGE, OVERLONG, WELCOME, Turn
from conversations.welcome import helplines_text, language_choices, welcome_choices, welcome_text
from storage.models import Conversation, ProcessedEvent
from storage.vault import Vault, place

log = logging.getLogger(__name__)

COMMANDS = ("/start", "/help", "/back", "/cancel", "/language", "/status", "/forget")


class Engine:
    """Advances conversations; never waits on a platform (it only returns replies)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: Vault,
        org: Org,
        channels: Channels,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.vault = vault
        self.org = org
        self.channels = channels
        self.clock = clock
        self.wake = wake
        self.notifier = Notifier(vault, org, channels)
        self.desk = Desk(vault, org, channels, self.notifier, clock)
        self.relay = Relay(vault, self.notifier, clock)

    # --- entry point ---------------------------------------------------------------------

    def handle(self, inbound: Inbound) -> list[Outbound]:
        """Apply one inbound message; a redelivered platform event is applied only once.

        Never raises: an unexpected failure is logged by its type only (never content) and
        the person gets a kind message; their earlier answers stay saved.
        """
        try:
            return self._handle_safely(inbound)
        except Exception as exc:  # noqa: BLE001 - the last line of defence for a person
            log.error("message could not be handled (%s)", type(exc).__name__)
            language = negotiate(inbound.locale, self.org.organisation.languages)
            return [Outbound(inbound.address, self._translator(language).t("problem.internal"))]

    def _handle_safely(self, inbound: Inbound) -> list[Outbound]:
        request = parse(inbound)
        at_desk = self.channels.group_at(inbound.address) is not None
        if not inbound.private and not at_desk:
            tr = self._translator(negotiate(inbound.locale, self.org.organisation.languages))
            return [Outbound(inbound.address, tr.t("group.write_privately"))]
        if at_desk and request is None:
            return []  # handlers talking among themselves: not for the bot
        for attempt in range(3):
            try:
                with self.sessions() as session, session.begin():
                    replies = self._handle(session, inbound, request)
                    queued = bool(session.info.pop("queued", False))
                if queued and self.wake is not None:
                    self.wake()
                return replies
            except StaleDataError:  # the same person wrote twice at once: apply in turn
                log.info("conversation changed concurrently; retrying (attempt %d)", attempt + 1)
            except IntegrityError:
                if not self._already_processed(inbound):
                    raise
                log.info("duplicate platform event skipped")
                return []
        raise RuntimeError("conversation kept changing; giving up on this message")

    def _already_processed(self, inbound: Inbound) -> bool:
        """Whether a concurrent delivery of the same platform event got there first."""
        if inbound.event_id is None:
            return False
        with self.sessions() as session:
            key = (inbound.platform, inbound.event_id)
            return session.get(ProcessedEvent, key) is not None

    def _handle(
        self, session: Session, inbound: Inbound, request: Request | None
    ) -> list[Outbound]:
        if inbound.event_id is not None:
            if session.get(ProcessedEvent, (inbound.platform, inbound.event_id)) is not None:
                log.info("duplicate platform event skipped")
                return []
            session.add(
                ProcessedEvent(
                    platform=inbound.platform, event_id=inbound.event_id, processed_at=self.clock()
                )
            )
            session.flush()
        if request is not None and (not inbound.private or _reads_a_case(request.action, inbound)):
            replies = self.desk.handle(session, inbound, request)
            return [Outbound(inbound.address, r.text, r.choices) for r in replies]
        turn = self._load(session, inbound)
        self._dispatch(turn, inbound, session)
        self._save(session, turn)
        address = inbound.address
        return [Outbound(address, r.text, r.choices) for r in turn.replies]

    # --- state ---------------------------------------------------------------------------

    def _translator(self, language: str) -> Translator:
        return Translator(language, self.org.organisation.timezone)

    def _load(self, session: Session, inbound: Inbound) -> Turn:
        user_ref = self.vault.keyring.pseudonym(inbound.platform, inbound.user_id)
        conversation = session.scalar(
            select(Conversation).where(
                Conversation.platform == inbound.platform, Conversation.user_ref == user_ref
            )
        )
        if conversation is None:
            language = negotiate(inbound.locale, self.org.organisation.languages)
            conversation = Conversation(
                platform=inbound.platform,
                user_ref=user_ref,
                step=IDLE,
                language=language,
                created_at=self.clock(),
            )
            session.add(conversation)
            session.flush()
        draft: dict[str, Any] = {}
        if conversation.draft is not None:
            key = self.vault.load(session, conversation.data_key_id)
            draft = json.loads(
                key.decrypt(conversation.draft, place("conversations", conversation.id, "draft"))
            )
        tr = self._translator(conversation.language)
        now = tr.local(self.clock())
        return Turn(conversation, draft, Context(tr, self.org, now, draft))

    def _save(self, session: Session, turn: Turn) -> None:
        conversation = turn.conversation
        conversation.updated_at = self.clock()
        if conversation.step == IDLE:
            self._drop_draft(session, conversation)
            return
        if conversation.data_key_id is None:
            conversation.data_key_id = self.vault.create(session).key_id
            session.flush()
        key = self.vault.load(session, conversation.data_key_id)
        conversation.draft = key.encrypt(
            json.dumps(turn.draft, ensure_ascii=False),
            place("conversations", conversation.id, "draft"),
        )

    def _drop_draft(self, session: Session, conversation: Conversation) -> None:
        key_id = conversation.data_key_id
        conversation.draft = None
        conversation.data_key_id = None
        session.flush()
        self.vault.destroy(session, key_id)

    # --- dispatch ------------------------------------------------------------------------

    def _dispatch(self, turn: Turn, inbound: Inbound, session: Session) -> None:
        text = inbound.text if inbound.content == "text" else None
        if text is not None and text.strip().startswith("/"):
            command = text.strip().split()[0].split("@", 1)[0].lower()  # "/help@TryggBot"
            self._command(turn, command, inbound, session)
            return
        if inbound.content == "edit":
            turn.say(turn.ctx.t("problem.edited"))
            self._reprompt(turn)
            return
        if inbound.content not in ("text", "choice"):
            turn.say(turn.ctx.t("problem.not_text"))
            if turn.state != IDLE:
                self._reprompt(turn)
                return
        if (
            turn.state in (IDLE, WELCOME)
            and inbound.choice is None
            and self._is_followup(turn, text, session)
        ):
            if self.relay.ask(turn, (text or "").strip(), session):
                self._reprompt(turn)
            return
        if turn.state == IDLE:
            self._welcome(turn, inbound)
            return
        go_on, choice = self._choice(turn, inbound)
        if not go_on:
            return
        if choice == "nav:back":
            self._back(turn)
        elif turn.state == WELCOME:
            self._on_welcome(turn, choice, inbound)
        elif turn.state == LANGUAGE:
            self._on_language(turn, choice)
        elif turn.state == OVERLONG:
            self._on_overlong(turn, choice, session)
        elif turn.state == FOLLOWUP:
            self._on_followup(turn, choice, inbound, session)
        elif turn.state == "review":
            self._on_review(turn, choice, inbound, session)
        else:
            self._on_answer(turn, text, choice, session)

    def _offered(self, turn: Turn) -> tuple[Choice, ...]:
        if turn.state == WELCOME:
            return welcome_choices(turn.ctx.tr)
        if turn.state == LANGUAGE:
            return language_choices(self.org)
        if turn.state == OVERLONG:
            return self._overlong_choices(turn)
        if turn.state == FOLLOWUP:
            return self.relay.choices(turn)
        return intake.choices_for(turn.state, turn.ctx)

    def _choice(self, turn: Turn, inbound: Inbound) -> tuple[bool, str | None]:
        """(go on?, the chosen button's value or None for an answer in words)."""
        offered = self._offered(turn)
        if inbound.choice is not None:
            if any(c.value == inbound.choice for c in offered):
                return True, inbound.choice
            turn.say(turn.ctx.t("problem.stale_button"))
            self._reprompt(turn)
            return False, None
        text = (inbound.text or "").strip()
        typed = next((c.value for c in offered if c.label.casefold() == text.casefold()), None)
        if typed is None and text.isdigit() and not intake.takes_text(turn.state):
            index = int(text) - 1
            typed = offered[index].value if 0 <= index < len(offered) else None
        if typed is not None:
            return True, typed
        if not intake.takes_text(turn.state):
            turn.say(turn.ctx.t("problem.pick_one"))
            self._reprompt(turn)
            return False, None
        if not text:
            turn.say(turn.ctx.t("problem.empty"))
            self._reprompt(turn)
            return False, None
        return True, None

    def _reprompt(self, turn: Turn) -> None:
        state = turn.state
        if state == IDLE:
            return
        if state == WELCOME:
            turn.say(turn.ctx.t("welcome.choose"), welcome_choices(turn.ctx.tr))
        elif state == LANGUAGE:
            turn.say(turn.ctx.t("ask.language"), language_choices(self.org))
        elif state == FOLLOWUP:
            turn.say(turn.ctx.t("followup.ask"), self._offered(turn))
        elif state == OVERLONG:
            pending = turn.draft["pending"]
            turn.say(
                turn.ctx.t("problem.too_long", limit=pending["limit"]), self._overlong_choices(turn)
            )
        else:
            reply = intake.prompt(state, turn.ctx)
            turn.say(reply.text, reply.choices)

    # --- commands ------------------------------------------------------------------------

    def _command(self, turn: Turn, command: str, inbound: Inbound, session: Session) -> None:
        t = turn.ctx.t
        if command == "/start":
            if turn.state == IDLE:
                self._welcome(turn, inbound)
            else:
                turn.say(t("command.continuing"))
                self._reprompt(turn)
        elif command == "/help":
            turn.say(t("command.help", commands=" ".join(COMMANDS)))
            self._reprompt(turn)
        elif command == "/cancel":
            had_draft = bool(turn.draft) or turn.state not in (IDLE, WELCOME, LANGUAGE)
            turn.draft.clear()
            turn.conversation.step = IDLE
            turn.say(t("command.cancelled") if had_draft else t("command.nothing_to_cancel"))
        elif command == "/back":
            self._back(turn)
        elif command == "/language":
            if turn.state != LANGUAGE:
                turn.draft["return_to"] = turn.state
            turn.conversation.step = LANGUAGE
            self._reprompt(turn)
        elif command == "/status":
            self._status(turn, inbound, session)
            self._reprompt(turn)
        elif command == "/forget":
            removed = self.channels.forget_chat(inbound.address)
            if removed is None:
                turn.say(t("forget.cannot"))
            else:
                turn.say(t("forget.done", count=removed))
        else:
            turn.say(t("command.unknown", commands=" ".join(COMMANDS)))
            self._reprompt(turn)

    def _back(self, turn: Turn) -> None:
        history = turn.draft.get("history", [])
        if not history:
            turn.say(turn.ctx.t("problem.nothing_before"))
        else:
            turn.conversation.step = history.pop()
        self._reprompt(turn)

    def _status(self, turn: Turn, inbound: Inbound, session: Session) -> None:
        tr = turn.ctx.tr
        cases = reporter_cases(session, turn.conversation.platform, turn.conversation.user_ref)
        if not cases:
            turn.say(tr.t("status.none"))
            return
        lines = [
            tr.t(
                "status.line",
                reference=c.reference,
                status=tr.t(intake.STATUS[c.status]),
                received=tr.date_text(tr.local(c.received_at).date()),
            )
            for c in cases
        ]
        turn.say(tr.t("status.intro") + "\n" + "\n".join(lines))

    # --- welcome, language, overlong --------------------------------------------------------

    def _welcome(self, turn: Turn, inbound: Inbound) -> None:
        turn.conversation.step = WELCOME
        text = welcome_text(turn.ctx.tr, self.org, inbound.platform)
        turn.say(text, welcome_choices(turn.ctx.tr))

    def _on_welcome(self, turn: Turn, choice: str | None, inbound: Inbound) -> None:
        if choice == "welcome:start":
            turn.draft.clear()
            turn.conversation.step = intake.first_state()
            self._reprompt(turn)
        elif choice == "welcome:language":
            turn.draft["return_to"] = WELCOME
            turn.conversation.step = LANGUAGE
            self._reprompt(turn)
        else:
            turn.conversation.step = IDLE
            turn.say(turn.ctx.t("welcome.later"))

    def _on_language(self, turn: Turn, choice: str | None) -> None:
        language = (choice or "").removeprefix("lang:")
        turn.conversation.language = language
        turn.ctx.tr = self._translator(language)
        turn.conversation.step = turn.draft.pop("return_to", IDLE)
        turn.say(turn.ctx.t("language.changed"))
        if turn.state == IDLE:
            turn.conversation.step = WELCOME
        self._reprompt(turn)

    def _overlong_choices(self, turn: Turn) -> tuple[Choice, ...]:
        t = turn.ctx.t
        return (
            Choice("overlong:keep", t("button.keep_first_part")),
            Choice("overlong:again", t("button.write_again")),
        )

    def _on_overlong(self, turn: Turn, choice: str | None, session: Session) -> None:
        pending = turn.draft.pop("pending")
        turn.conversation.step = pending["state"]
        if choice == "overlong:keep":
            self._apply(turn, pending["text"][: pending["limit"]], None, session)
        else:
            self._reprompt(turn)

    # --- messages about a submitted case -----------------------------------------------------

    def _is_followup(self, turn: Turn, text: str | None, session: Session) -> bool:
        """Free text from a reporter with open cases, outside a draft: about one of them?"""
        if not text or not text.strip():
            return False
        if turn.state == WELCOME and any(
            c.label.casefold() == text.strip().casefold() for c in welcome_choices(turn.ctx.tr)
        ):
            return False
        return bool(self.relay.open_cases(turn, session))

    def _on_followup(
        self, turn: Turn, choice: str | None, inbound: Inbound, session: Session
    ) -> None:
        reference = (choice or "").removeprefix("followup:")
        if reference == "new":
            turn.draft.clear()
            self._welcome(turn, inbound)
        else:
            self.relay.send(turn, reference, session)

    # --- answers and review ----------------------------------------------------------------

    def _on_answer(
        self, turn: Turn, text: str | None, choice: str | None, session: Session
    ) -> None:
        if choice is None and text is not None:
            text = text.strip()
            limit = intake.limit_for(turn.state)
            if turn.state == "what":
                used = sum(len(part) for part in turn.draft.get("what", []))
                if used >= intake.WHAT_TOTAL_LIMIT:
                    turn.say(turn.ctx.t("problem.what_full"))
                    self._reprompt(turn)
                    return
                limit = min(limit, intake.WHAT_TOTAL_LIMIT - used)
            if len(text) > limit:
                turn.draft["pending"] = {"state": turn.state, "text": text, "limit": limit}
                turn.conversation.step = OVERLONG
                self._reprompt(turn)
                return
        self._apply(turn, text, choice, session)

    def _apply(self, turn: Turn, text: str | None, choice: str | None, session: Session) -> None:
        value = choice.split(":", 1)[1] if choice else None
        outcome = intake.answer(turn.state, turn.ctx, text, value)
        if outcome.problem:
            turn.say(outcome.problem)
        elif turn.state == "what" and outcome.state == "what":
            turn.say(turn.ctx.t("what.noted"), intake.choices_for("what", turn.ctx))
            return
        turn.go(outcome.state)
        self._reprompt(turn)

    def _on_review(
        self, turn: Turn, choice: str | None, inbound: Inbound, session: Session
    ) -> None:
        value = (choice or "").removeprefix("review:")
        if value.startswith("edit:"):
            turn.go(intake.start_edit(value.removeprefix("edit:"), turn.ctx))
            self._reprompt(turn)
        elif value == "delete":
            turn.draft.clear()
            turn.conversation.step = IDLE
            turn.say(turn.ctx.t("command.cancelled"))
        else:
            self._submit(turn, inbound, session)

    def _submit(self, turn: Turn, inbound: Inbound, session: Session) -> None:
        tr, now = turn.ctx.tr, self.clock()
        receipt = submit(
            session,
            self.vault,
            self.org,
            turn.draft,
            platform=inbound.platform,
            reporter_ref=turn.conversation.user_ref,
            address=inbound.address,
            language=tr.language,
            unit_id=intake.unit_of(turn.ctx),
            now=now,
        )
        self.notifier.alert(session, receipt.case, now)
        rules, zone = self.org.deadlines, self.org.organisation.timezone
        schedule(session, receipt.case, on_submit(now, rules, zone), now)
        log.info("case submitted")
        turn.draft.clear()
        turn.conversation.step = IDLE
        rules = self.org.deadlines
        text = tr.t(
            "receipt",
            reference=receipt.case.reference,
            group=receipt.group_name,
            acknowledge_by=tr.local_day(receipt.acknowledge_by),
            acknowledge_days=rules.acknowledge_days,
            feedback_by=tr.local_day(receipt.feedback_by),
            feedback_months=rules.feedback_months,
        )
        if self.channels.can_forget(inbound.address):
            text += "\n\n" + tr.t("receipt.forget")
        if self.org.helplines:
            text += "\n\n" + tr.t("welcome.helplines") + "\n"
            text += helplines_text(self.org.helplines, tr.language)
        turn.say(text)


def _reads_a_case(action: str, inbound: Inbound) -> bool:
    """In a private chat only '/show K-…' and '/log K-…' go to the desk (handlers reading)."""
    return action in ("show", "log") and bool(inbound.text and " k-" in inbound.text.lower())

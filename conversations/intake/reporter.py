"""The reporter's side of a turn: their conversation loaded and saved (the draft encrypted),
commands, choices, welcome, language, over-long answers, messages about a sent report, the
answers themselves, the review and sending. `Engine` routes a reporter's message here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from conversations.cases import Notifier
from conversations.channels import Channels
from conversations.followups import on_submit, schedule
from conversations.i18n import N_, Translator
from conversations.intake import flow, sent
from conversations.intake.draft import clear
from conversations.intake.flow import Context
from conversations.intake.matching import (
    WORDS,
    fold,
    is_number,
    numbered_choice,
    typed_choice,
    words_for,
)
from conversations.intake.relay import FOLLOWUP_LIMIT, Relay
from conversations.intake.store import conversation_of, drop_draft, keep_draft, open_draft
from conversations.intake.submit import receipt_text, sent_today, store_case
from conversations.intake.turn import Turn
from conversations.intake.welcome import (
    about_text,
    help_now_text,
    language_choices,
    welcome_choices,
    welcome_text,
)
from conversations.messages import Choice, Inbound, Outbound, Reply
from conversations.org import Org
from conversations.states import Status, Step
from storage.vault import Vault

log = logging.getLogger(__name__)

# Typed at the review, this many words or fewer that name one button are that button.
SHORT = 4

COMMANDS = ("/start", "/help", "/back", "/cancel", "/language", "/status", "/forget")
# Questions whose answer is a name or a description: a number alone is a mistyped choice.
NAMES_ONLY = (Step.NAME, Step.AFFECTED, Step.WHO)
# A command typed as a word alone works too (Slack delivers no "/back" to an app); folded
# (no accents, no case), in every language offered.
COMMAND_WORDS = {
    "help": "/help",
    "hjelp": "/help",
    "hjalp": "/help",
    "back": "/back",
    "tilbake": "/back",
    "tillbaka": "/back",
    "cancel": "/cancel",
    "avbryt": "/cancel",
    "status": "/status",
    "language": "/language",
    "sprak": "/language",
    "forget": "/forget",
    "glem": "/forget",
    "glom": "/forget",
}


class Intake:
    """A reporter's conversation, advanced by one message inside the engine's transaction."""

    def __init__(
        self,
        vault: Vault,
        org: Org,
        channels: Channels,
        notifier: Notifier,
        relay: Relay,
        clock: Callable[[], datetime],
    ) -> None:
        self.vault = vault
        self.org = org
        self.channels = channels
        self.notifier = notifier
        self.relay = relay
        self.clock = clock

    def handle(self, session: Session, inbound: Inbound) -> list[Reply]:
        """Load the reporter's conversation, apply the message, save it; the replies."""
        turn = self._load(session, inbound)
        self._dispatch(turn, inbound, session)
        self._save(session, turn)
        return turn.replies

    def translator(self, language: str) -> Translator:
        return Translator(language, self.org.organisation.timezone)

    # --- state ---------------------------------------------------------------------------

    def _load(self, session: Session, inbound: Inbound) -> Turn:
        languages = self.org.organisation.languages
        conversation = conversation_of(session, self.vault, inbound, languages, self.clock)
        draft, lost = open_draft(session, self.vault, conversation)
        tr = self.translator(conversation.language)
        now = tr.local(self.clock())
        turn = Turn(conversation, draft, Context(tr, self.org, now, draft))
        if lost:
            turn.say(tr.t("problem.draft_unreadable"))
        return turn

    def _save(self, session: Session, turn: Turn) -> None:
        conversation = turn.conversation
        if conversation.step == Step.IDLE:
            drop_draft(session, self.vault, conversation, self.clock())
        else:
            keep_draft(session, self.vault, conversation, turn.draft, self.clock())

    # --- dispatch ------------------------------------------------------------------------

    def _dispatch(self, turn: Turn, inbound: Inbound, session: Session) -> None:
        text = inbound.text if inbound.content == "text" else None
        if turn.state == Step.STATUS:
            typed = self._typed_status_choice(turn, inbound) if text is not None else None
            turn.draft.pop("status_choices", None)
            turn.conversation.step = Step.IDLE
            if typed is not None:
                self._on_sent(turn, typed, session)
                return
        if text is not None and fold(text) in COMMAND_WORDS:
            text = COMMAND_WORDS[fold(text)]
        if text is not None and text.strip().startswith("/"):
            command = text.strip().split()[0].split("@", 1)[0].lower()  # "/help@TryggBot"
            command = COMMAND_WORDS.get(fold(command), command)  # "/hjelp" is /help
            self._command(turn, command, inbound, session)
            return
        if inbound.content == "edit":
            turn.say(turn.ctx.t("problem.edited"))
            self._reprompt(turn)
            return
        if inbound.choice is not None and inbound.choice.startswith("sent:"):
            self._on_sent(turn, inbound.choice, session)  # /status's buttons work anywhere
            return
        if turn.state == Step.ADDING and text is not None and text.strip():
            self._add(turn, text.strip(), session)
            return
        if inbound.content not in ("text", "choice"):
            turn.say(turn.ctx.t("problem.not_text"))
            if turn.state != Step.IDLE:
                self._reprompt(turn)
                return
        if (
            turn.state in (Step.IDLE, Step.WELCOME)
            and inbound.choice is None
            and self._is_followup(turn, text, session, inbound.numbered)
        ):
            if self.relay.ask(turn, (text or "").strip(), session):
                self._reprompt(turn)
            return
        if (
            turn.state == Step.IDLE
            and inbound.choice is None
            and self._names_a_welcome_choice(turn, text, inbound.numbered)
        ):
            turn.conversation.step = Step.WELCOME  # "1" after /cancel: the button shown
        if turn.state == Step.IDLE and inbound.choice is not None:
            if inbound.choice not in {c.value for c in welcome_choices(turn.ctx.tr)}:
                turn.say(turn.ctx.t("problem.stale_idle"))  # an old button: no restart
                return
            turn.conversation.step = Step.WELCOME  # the welcome's buttons work from idle
        if turn.state == Step.IDLE:
            self._welcome(turn, inbound)
            return
        go_on, choice = self._choice(turn, inbound)
        if not go_on:
            return
        if choice == "nav:back":
            self._back(turn)
        elif turn.state == Step.WELCOME:
            self._on_welcome(turn, choice, inbound)
        elif turn.state == Step.LANGUAGE:
            self._on_language(turn, choice, inbound.platform)
        elif turn.state == Step.OVERLONG:
            self._on_overlong(turn, choice, session)
        elif turn.state == Step.FOLLOWUP:
            self._on_followup(turn, choice, inbound, session)
        elif turn.state == Step.REVIEW and choice is None:
            self._on_answer(turn, text, None, session)  # words at the review: their wishes
        elif turn.state in (Step.REVIEW, Step.REVIEW_CHANGE, Step.REVIEW_DELETE):
            self._on_review(turn, choice, inbound, session)
        else:
            self._on_answer(turn, text, choice, session)

    def _names_a_welcome_choice(self, turn: Turn, text: str | None, numbered: bool) -> bool:
        """Whether typed text at idle picks one of the welcome's buttons (shown after /cancel,
        a receipt or "not now"): its label, or its number where choices are numbered."""
        typed = (text or "").strip()
        choices = welcome_choices(turn.ctx.tr)
        if numbered and is_number(typed):
            return numbered_choice(typed, choices) is not None
        return typed_choice(typed, choices, forgiving=False) is not None

    def _offered(self, turn: Turn) -> tuple[Choice, ...]:
        if turn.state == Step.WELCOME:
            return welcome_choices(turn.ctx.tr)
        if turn.state == Step.LANGUAGE:
            return language_choices(self.org)
        if turn.state == Step.OVERLONG:
            return self._overlong_choices(turn)
        if turn.state == Step.FOLLOWUP:
            return self.relay.choices(turn)
        return flow.choices_for(turn.state, turn.ctx)

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
        only_choices = not flow.takes_text(turn.state)
        typed = typed_choice(text, offered, forgiving=only_choices) or words_for(text, offered)
        if typed is None and turn.state == Step.REVIEW:
            typed = _review_button(text, offered)
        number = is_number(text)
        # Without buttons (inbound.numbered) a bare number is the choice shown with it.
        if typed is None and number and (inbound.numbered or not flow.takes_text(turn.state)):
            typed = numbered_choice(text, offered)
        if typed is not None:
            return True, typed
        if number and turn.state in NAMES_ONLY:
            turn.say(turn.ctx.t("problem.not_a_name"))
            self._reprompt(turn)
            return False, None
        if not flow.takes_text(turn.state):
            # Typed at the welcome, a sentence is someone's story, not a wrong button.
            story = turn.state == Step.WELCOME and len(text.split()) >= flow.SENTENCE_WORDS
            key = N_("problem.story_at_welcome") if story else N_("problem.pick_one")
            turn.say(turn.ctx.t(key))
            self._reprompt(turn)
            return False, None
        if not text:
            turn.say(turn.ctx.t("problem.empty"))
            self._reprompt(turn)
            return False, None
        return True, None

    def _reprompt(self, turn: Turn) -> None:
        state = turn.state
        if state in (Step.IDLE, Step.STATUS):
            return
        if state == Step.WELCOME:
            turn.say(turn.ctx.t("welcome.choose"), welcome_choices(turn.ctx.tr))
        elif state == Step.LANGUAGE:
            turn.say(turn.ctx.t("ask.language"), language_choices(self.org))
        elif state == Step.FOLLOWUP:
            turn.say(turn.ctx.t("followup.ask"), self._offered(turn))
        elif state == Step.ADDING:
            reference = turn.draft.get("adding_to", "")
            stop = Choice(f"sent:stop:{reference}", turn.ctx.t("button.add_stop"))
            turn.say(turn.ctx.t("sent.add_prompt", reference=reference), (stop,))
        elif state == Step.OVERLONG:
            pending = turn.draft["pending"]
            turn.say(
                turn.ctx.t("problem.too_long", limit=pending["limit"]), self._overlong_choices(turn)
            )
        else:
            reply = flow.prompt(state, turn.ctx)
            turn.say(reply.text, reply.choices)

    # --- commands ------------------------------------------------------------------------

    def _command(self, turn: Turn, command: str, inbound: Inbound, session: Session) -> None:
        t = turn.ctx.t
        if command == "/start":
            if turn.state in (Step.IDLE, Step.WELCOME):  # nothing begun yet: welcome again
                self._welcome(turn, inbound)
            else:
                turn.say(t("command.continuing"))
                self._reprompt(turn)
        elif command == "/help":  # someone asking for help may need a help line first
            turn.say(t("command.help") + "\n\n" + help_now_text(turn.ctx.tr, self.org))
            self._reprompt(turn)
        elif command == "/cancel" and turn.state == Step.REVIEW:
            turn.conversation.step = Step.REVIEW_DELETE  # a finished report: ask first
            self._reprompt(turn)
        elif command == "/cancel":
            had_draft = bool(turn.draft) or turn.state not in (
                Step.IDLE,
                Step.WELCOME,
                Step.LANGUAGE,
            )
            clear(turn.draft)
            turn.conversation.step = Step.IDLE  # nothing kept, not even an empty draft
            text = t("command.cancelled") if had_draft else t("command.nothing_to_cancel")
            turn.say(text, welcome_choices(turn.ctx.tr))  # a way on
        elif command == "/back":
            self._back(turn)
        elif command == "/language":
            if turn.state != Step.LANGUAGE:
                turn.draft["return_to"] = turn.state
            turn.conversation.step = Step.LANGUAGE
            self._reprompt(turn)
        elif command == "/status":
            self._status(turn, inbound, session)
            self._reprompt(turn)
        elif command == "/forget":
            if not self.channels.can_forget(inbound.address):
                turn.say(t("forget.cannot"))
            else:  # the platform deletes after the commit, never inside the transaction
                session.info["after_commit"] = lambda: self._forget(inbound, t)
        else:
            turn.say(t("command.unknown", commands=t("command.words")))
            self._reprompt(turn)

    def _forget(self, inbound: Inbound, t: Callable[..., str]) -> list[Outbound]:
        """Delete the conversation from the reporter's chat (after the commit); say how many."""
        removed = self.channels.forget_chat(inbound.address)
        text = t("forget.cannot") if removed is None else t("forget.done", count=removed)
        return [Outbound(inbound.address, text)]

    def _back(self, turn: Turn) -> None:
        history = turn.draft.get("history", [])
        if not history:
            turn.say(turn.ctx.t("problem.nothing_before"))
        else:
            turn.conversation.step = history.pop()
            flow.step_back(turn.state, turn.draft)
        self._reprompt(turn)

    def _status(self, turn: Turn, inbound: Inbound, session: Session) -> None:
        text, choices = sent.status_reply(turn, session)
        if choices and turn.state in (Step.IDLE, Step.WELCOME, Step.STATUS):
            # Outside a draft, "1" or "Les K-…" typed next is one of these buttons.
            turn.draft["status_choices"] = [[c.value, c.label] for c in choices]
            turn.conversation.step = Step.STATUS
        turn.say(text, choices)

    def _typed_status_choice(self, turn: Turn, inbound: Inbound) -> str | None:
        """The /status button a typed number or label names, when /status was the last word."""
        offered = tuple(Choice(v, label) for v, label in turn.draft.get("status_choices", []))
        text = (inbound.text or "").strip()
        if inbound.numbered and is_number(text):
            return numbered_choice(text, offered)
        return typed_choice(text, offered, forgiving=True)

    def _on_sent(self, turn: Turn, choice: str, session: Session) -> None:
        """Read a sent report back, or start adding to it (the buttons /status offers)."""
        t = turn.ctx.t
        _, action, reference = [*choice.split(":", 2), "", ""][:3]
        case = sent.find(turn, session, reference)
        if action == "stop" and turn.state == Step.ADDING:
            turn.conversation.step = turn.draft.pop("return_to", Step.IDLE)
            turn.draft.pop("adding_to", None)
            turn.say(t("sent.add_stopped"))
        elif case is None or action not in ("read", "add"):
            idle = turn.state in (Step.IDLE, Step.WELCOME)
            turn.say(t(N_("problem.stale_idle") if idle else N_("problem.stale_button")))
        elif action == "read":
            turn.say(sent.read_back(turn, session, self.vault, case))
        elif case.status == Status.CLOSED:
            turn.say(t("sent.closed", reference=reference))
        else:
            if turn.state != Step.ADDING:
                turn.draft["return_to"] = turn.state
            turn.draft["adding_to"] = reference
            turn.conversation.step = Step.ADDING
        self._reprompt(turn)

    def _add(self, turn: Turn, text: str, session: Session) -> None:
        if len(text) > FOLLOWUP_LIMIT:
            turn.say(turn.ctx.t("followup.too_long", limit=FOLLOWUP_LIMIT))
            self._reprompt(turn)
            return
        reference = turn.draft.pop("adding_to", "")
        turn.conversation.step = turn.draft.pop("return_to", Step.IDLE)
        self.relay.pass_on(turn, reference, text, session)
        self._reprompt(turn)

    # --- welcome, language, overlong --------------------------------------------------------

    def _welcome(self, turn: Turn, inbound: Inbound) -> None:
        turn.conversation.step = Step.WELCOME
        text = welcome_text(turn.ctx.tr, self.org, inbound.platform)
        turn.say(text, welcome_choices(turn.ctx.tr))

    def _on_welcome(self, turn: Turn, choice: str | None, inbound: Inbound) -> None:
        if choice in ("welcome:start", "welcome:sexual"):
            clear(turn.draft)
            if choice == "welcome:sexual":
                turn.draft["category"] = "sexual"
            turn.conversation.step = flow.first_state()
            self._reprompt(turn)
        elif choice == "welcome:about":
            turn.say(about_text(turn.ctx.tr, self.org, inbound.platform))
            self._reprompt(turn)
        elif choice == "welcome:language":
            turn.draft["return_to"] = Step.WELCOME
            turn.conversation.step = Step.LANGUAGE
            self._reprompt(turn)
        elif choice == "welcome:help":
            turn.say(help_now_text(turn.ctx.tr, self.org))
            self._reprompt(turn)
        else:
            turn.conversation.step = Step.IDLE
            turn.say(turn.ctx.t("welcome.later"))

    def _on_language(self, turn: Turn, choice: str | None, platform: str) -> None:
        language = (choice or "").removeprefix("lang:")
        turn.conversation.language = language
        turn.ctx.tr = self.translator(language)
        turn.conversation.step = turn.draft.pop("return_to", Step.IDLE)
        turn.say(turn.ctx.t("language.changed"))
        if turn.state in (Step.IDLE, Step.WELCOME):
            # The safety information again, now in a language the reporter reads.
            turn.conversation.step = Step.WELCOME
            turn.say(about_text(turn.ctx.tr, self.org, platform))
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

    def _is_followup(
        self, turn: Turn, text: str | None, session: Session, numbered: bool = False
    ) -> bool:
        """Free text from a reporter with open cases, outside a draft: about one of them?"""
        if not text or not text.strip():
            return False
        choices = welcome_choices(turn.ctx.tr)
        typed = text.strip()
        if turn.state == Step.WELCOME and any(
            c.label.casefold() == typed.casefold() for c in choices
        ):
            return False
        if is_number(typed):
            return False  # a number typed for a choice, never a message for the group
        return bool(self.relay.open_cases(turn, session))

    def _on_followup(
        self, turn: Turn, choice: str | None, inbound: Inbound, session: Session
    ) -> None:
        reference = (choice or "").removeprefix("followup:")
        if reference == "new":
            clear(turn.draft)
            self._welcome(turn, inbound)
        else:
            self.relay.send(turn, reference, session)

    # --- answers and review ----------------------------------------------------------------

    def _on_answer(
        self, turn: Turn, text: str | None, choice: str | None, session: Session
    ) -> None:
        if choice is not None:
            text = None  # a choice typed as its number or its label is the choice, not words
        if choice is None and text is not None:
            text = text.strip()
            limit = flow.limit_for(turn.state)
            if turn.state == Step.WHAT:
                limit = self.org.limits.answer_chars
                used = sum(len(part) for part in turn.draft.get("what", []))
                if used >= flow.WHAT_TOTAL_LIMIT:
                    turn.say(turn.ctx.t("problem.what_full"))
                    self._reprompt(turn)
                    return
                limit = min(limit, flow.WHAT_TOTAL_LIMIT - used)
            if len(text) > limit:
                # Only the part that could be kept is stored, never a huge paste as a whole.
                turn.draft["pending"] = {
                    "state": turn.state,
                    "text": text[:limit],
                    "limit": limit,
                }
                turn.conversation.step = Step.OVERLONG
                self._reprompt(turn)
                return
        self._apply(turn, text, choice, session)

    def _apply(self, turn: Turn, text: str | None, choice: str | None, session: Session) -> None:
        value = choice.split(":", 1)[1] if choice else None
        outcome = flow.answer(turn.state, turn.ctx, text, value)
        if outcome.problem:
            turn.say(outcome.problem)
        elif turn.state == Step.WHAT and outcome.state == Step.WHAT:
            turn.say(turn.ctx.t("what.noted"), flow.choices_for(Step.WHAT, turn.ctx))
            return
        turn.go(outcome.state)
        self._reprompt(turn)

    def _on_review(
        self, turn: Turn, choice: str | None, inbound: Inbound, session: Session
    ) -> None:
        value = (choice or "").split(":", 1)[-1]
        if turn.state == Step.REVIEW_DELETE and value == "yes":
            clear(turn.draft)
            turn.conversation.step = Step.IDLE
            turn.say(turn.ctx.t("command.cancelled"), welcome_choices(turn.ctx.tr))
            return
        if value.startswith("edit:"):
            turn.conversation.step = Step.REVIEW
            turn.go(flow.start_edit(value.removeprefix("edit:"), turn.ctx))
        elif value == "change":
            turn.conversation.step = Step.REVIEW_CHANGE
        elif value == "delete":
            turn.conversation.step = Step.REVIEW_DELETE
        elif value == "contact":
            turn.draft["contact"] = not turn.draft.get("contact", True)
        elif value == "help":
            turn.say(help_now_text(turn.ctx.tr, self.org))
        elif value == "send" and turn.state == Step.REVIEW:
            self._submit(turn, inbound, session)
            return
        else:  # "back to the review", or "no, keep it"
            turn.conversation.step = Step.REVIEW
        self._reprompt(turn)

    def _submit(self, turn: Turn, inbound: Inbound, session: Session) -> None:
        tr, now = turn.ctx.tr, self.clock()
        limit = self.org.limits.reports_per_day
        if (
            sent_today(session, turn.conversation.platform, turn.conversation.user_ref, now)
            >= limit
        ):
            turn.say(tr.t("problem.too_many_reports", limit=limit))
            self._reprompt(turn)
            return
        receipt = store_case(
            session,
            self.vault,
            self.org,
            turn.draft,
            platform=inbound.platform,
            reporter_ref=turn.conversation.user_ref,
            address=inbound.address,
            language=tr.language,
            unit_id=flow.unit_of(turn.ctx),
            now=now,
        )
        self.notifier.alert(session, receipt.case, now)
        rules, zone = self.org.deadlines, self.org.organisation.timezone
        schedule(session, receipt.case, on_submit(now, rules, zone), now)
        log.info("case submitted")
        clear(turn.draft)
        turn.conversation.step = Step.IDLE
        turn.say(
            receipt_text(tr, self.org, receipt, forget=self.channels.can_forget(inbound.address))
        )


def _review_button(text: str, offered: tuple[Choice, ...]) -> str | None:
    """A short message at the review that names a button ("send", "dont write to me") is
    that button, and one that starts "change …" opens the list; else None (a wish)."""
    words = fold(text).split()
    if words and words[0] in WORDS["change"]:
        return next((c.value for c in offered if c.value.endswith(":change")), None)
    if len(words) <= SHORT:
        return typed_choice(text, offered, forgiving=True)
    return None

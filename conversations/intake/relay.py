"""A reporter's messages after sending: relayed, with their consent, into the case thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from conversations.cases import Notifier, append_log, reporter_cases
from conversations.intake.draft import clear
from conversations.intake.turn import Turn
from conversations.messages import Choice
from conversations.states import Status, Step
from storage.models import Case
from storage.vault import Vault

FOLLOWUP_LIMIT = 4000


class Relay:
    """Asks which report a message is about, then passes it to that case's group."""

    def __init__(self, vault: Vault, notifier: Notifier, clock: Callable[[], datetime]) -> None:
        self.vault = vault
        self.notifier = notifier
        self.clock = clock

    def open_cases(self, turn: Turn, session: Session) -> list[Case]:
        conversation = turn.conversation
        cases = reporter_cases(session, conversation.platform, conversation.user_ref)
        return [c for c in cases if c.status != Status.CLOSED and c.data_key_id is not None]

    def ask(self, turn: Turn, text: str, session: Session) -> bool:
        """Keep the message (in the encrypted draft) and ask where it goes; False if too long."""
        t = turn.ctx.t
        if len(text) > FOLLOWUP_LIMIT:
            turn.say(t("followup.too_long", limit=FOLLOWUP_LIMIT))
            return False
        choices = [
            [f"followup:{c.reference}", t("followup.send_to", reference=c.reference)]
            for c in self.open_cases(turn, session)
        ]
        choices.append(["followup:new", t("button.start")])
        clear(turn.draft)
        turn.draft["followup_text"] = text
        turn.draft["followup_choices"] = choices
        turn.conversation.step = Step.FOLLOWUP
        return True

    @staticmethod
    def choices(turn: Turn) -> tuple[Choice, ...]:
        return tuple(Choice(value, label) for value, label in turn.draft["followup_choices"])

    def send(self, turn: Turn, reference: str, session: Session) -> None:
        """Relay the kept message to the case `reference` and tell the reporter it went."""
        text = turn.draft.get("followup_text", "")
        clear(turn.draft)
        turn.conversation.step = Step.IDLE
        self.pass_on(turn, reference, text, session)

    def pass_on(self, turn: Turn, reference: str, text: str, session: Session) -> None:
        """Add `text` to the reporter's open case `reference`: logged, and the group told."""
        case = next((c for c in self.open_cases(turn, session) if c.reference == reference), None)
        if case is None:
            turn.say(turn.ctx.t("problem.stale_button"))
            return
        now = self.clock()
        case.last_activity_at = now
        entry = append_log(
            session, case, "reporter", "reporter_message", detail=text, vault=self.vault
        )
        t = self.notifier.desk_tr.t
        shown = self.notifier.for_channel(session, case, text)
        if shown is None:  # minimal: no content in the channel, only where to read it
            post = t("desk.posted.reporter_message_minimal", reference=case.reference)
        else:
            post = t("desk.posted.reporter_message", reference=case.reference, text=shown)
        self.notifier.to_group(session, case, post, now, key=f"reporter_message:{entry.id}")
        group = self.notifier.group_of(case)
        turn.say(turn.ctx.t("followup.sent", reference=case.reference, group=group.name))

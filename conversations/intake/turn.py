"""One conversation while a message is handled: its row, its draft, and the replies so far."""

from __future__ import annotations

from conversations.intake.draft import Draft
from conversations.intake.flow import STEPS, SUBSTATES, Context
from conversations.intake.store import ConversationRow
from conversations.messages import Choice, Reply

# The steps that are questions of the intake (a move between them can be undone with /back).
QUESTIONS = frozenset(STEPS) | SUBSTATES.keys()


class Turn:
    """The state of one conversation while a message is handled."""

    def __init__(self, conversation: ConversationRow, draft: Draft, ctx: Context) -> None:
        self.conversation = conversation
        self.draft = draft
        self.ctx = ctx
        self.replies: list[Reply] = []

    @property
    def state(self) -> str:
        return self.conversation.step

    def say(self, text: str, choices: tuple[Choice, ...] = ()) -> None:
        self.replies.append(Reply(text, choices))

    def go(self, state: str) -> None:
        """Move to `state`, remembering where we were for /back."""
        if state != self.state and self.state in QUESTIONS:
            self.draft.setdefault("history", []).append(self.state)
        self.conversation.step = state

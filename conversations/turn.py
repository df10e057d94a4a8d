"""One conversation while a message is handled: its row, its draft, and the replies so far."""

from __future__ import annotations

from typing import Any

from conversations import intake
from conversations.intake import Context, Reply
from conversations.messages import Choice
from storage.models import Conversation

# States outside the intake steps (which are in conversations.intake).
IDLE, WELCOME, LANGUAGE, OVERLONG, FOLLOWUP = "idle", "welcome", "language", "overlong", "followup"


class Turn:
    """The state of one conversation while a message is handled."""

    def __init__(self, conversation: Conversation, draft: dict[str, Any], ctx: Context) -> None:
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
        if state != self.state and self.state in intake.SUBSTATES.keys() | set(intake.STEPS):
            self.draft.setdefault("history", []).append(self.state)
        self.conversation.step = state

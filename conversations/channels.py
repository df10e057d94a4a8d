"""Where handler groups live on the platforms, and who may act there (asked of the adapters)."""

from __future__ import annotations

from typing import Protocol

from conversations.org import Group


class Channels(Protocol):
    """Answers the desk's questions about group channels; bot/ builds it from the adapters."""

    def addresses(self, group: Group) -> list[str]:
        """The opaque addresses of the group's channels on the running platforms."""

    def group_at(self, address: str) -> Group | None:
        """The group whose channel `address` is, if any."""

    def is_member(self, address: str, user_id: str, *, fresh: bool = False) -> bool:
        """Whether the user is now a member of that channel (False when it cannot be checked).

        `fresh` asks the platform now, never a cached answer (for reading case content).
        """

    def display_name(self, address: str, user_id: str) -> str | None:
        """The user's display name on the platform of `address` (None when it cannot say)."""

    def can_forget(self, address: str) -> bool:
        """Whether the platform lets the bot delete its conversation from that chat."""

    def forget_chat(self, address: str) -> int | None:
        """Delete the bot's recent messages in that chat; how many, or None when it cannot."""

"""The adapter contract: what the engine may ask of a platform, and the optional extras."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from conversations.messages import Inbound, Outbound
from conversations.org import Group

Handler = Callable[[Inbound], list[Outbound]]


class Adapter(Protocol):
    """Required of every platform: start feeding inbound messages, stop, and deliver."""

    name: str

    def start(self, handler: Handler) -> None:
        """Begin turning platform events into Inbound values passed to `handler`."""

    def stop(self) -> None:
        """Stop receiving; delivery of what was queued resumes at the next start."""

    def deliver(self, outbound: Outbound) -> str:
        """Send one message; returns the platform's opaque message reference."""


@runtime_checkable
class CanThread(Protocol):
    """Optional: reply inside a thread. Without it, later case events are posted unthreaded."""

    def deliver_in_thread(self, outbound: Outbound, parent_ref: str) -> str: ...


@runtime_checkable
class CanCheckMembership(Protocol):
    """Optional: is a user a member of a group's channel? Without it, handler actions refuse."""

    def is_member(self, address: str, user_id: str) -> bool: ...


@runtime_checkable
class CanForgetChat(Protocol):
    """Optional: delete the conversation's messages from a private chat (the reporter's phone).

    Without it, /forget tells the reporter to delete the chat by hand.
    """

    def forget_chat(self, address: str) -> int: ...


@runtime_checkable
class HasGroupChannels(Protocol):
    """Optional: where a handler group lives on this platform. Without it, no alerts go here."""

    def group_address(self, group: Group) -> str | None: ...

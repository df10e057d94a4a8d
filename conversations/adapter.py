"""The adapter contract: what the engine may ask of a platform, and the optional extras."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from conversations.messages import Inbound, Outbound
from conversations.org import Group

# What an adapter calls with each inbound event. The engine stores the event's effects (and
# every reply, in the outbox) before it returns: an adapter may acknowledge the platform then.
Handler = Callable[[Inbound], object]


@dataclass(frozen=True, slots=True)
class Sent:
    """One part of a message, accepted by the platform."""

    ref: str  # the platform's opaque reference of the part just sent
    parts: int  # how many parts the whole message takes on this platform
    keep: bool = False  # kept (encrypted, 47 h) for /forget: a part in a private chat


class Adapter(Protocol):
    """Required of every platform: start feeding inbound messages, stop, and deliver."""

    name: str

    def start(self, handler: Handler) -> None:
        """Begin turning platform events into Inbound values passed to `handler`."""

    def stop(self) -> None:
        """Stop receiving; delivery of what was queued resumes at the next start."""

    def deliver(self, outbound: Outbound, part: int = 0) -> Sent:
        """Send part `part` (from 0) of `outbound`, under `outbound.reply_to` if it can thread.

        A message too long for one platform message is split by the adapter; the sweep calls
        again for the next part, so a failure resumes at the first part not yet sent. Raises
        `RateLimited` (wait), `PermanentDeliveryError` (never retried) or `DeliveryError`.
        """


@runtime_checkable
class HasPace(Protocol):
    """Optional: the least time between two messages to one address (the platform's limits).

    Without it, messages go as fast as the sweep sends them. Kept in the database, so the
    pace holds across replicas; a sweep never sleeps for it.
    """

    def pace(self, address: str) -> float: ...


@runtime_checkable
class HasOverallPace(Protocol):
    """Optional: the least time between any two messages the bot sends on the platform
    (Telegram: 30 a second for the whole bot). Slots are handed out by the database, so
    the pace holds across replicas; the sending thread waits for its slot."""

    def overall_interval(self) -> float: ...


@runtime_checkable
class CanCheckMembership(Protocol):
    """Optional: is a user a member of a group's channel? Without it, handler actions refuse."""

    def is_member(self, address: str, user_id: str, *, fresh: bool = False) -> bool: ...


@runtime_checkable
class CanForgetChat(Protocol):
    """Optional: delete the conversation's messages from a private chat (the reporter's phone).

    Without it, /forget tells the reporter to delete the chat by hand.
    """

    def forget_chat(self, address: str) -> int: ...


class ChatLogStore(Protocol):
    """Where the private chats' message references for /forget are kept (the database,
    encrypted: `conversations.chat_log.ChatLog`); `take` hands them back, once."""

    def take(self, address: str) -> list[str]: ...


@runtime_checkable
class KeepsChatLog(Protocol):
    """Optional: deletes the private chats' messages kept for /forget (`Inbound.message_ref`,
    `Sent.keep`) from the chat log it is given. Without one, /forget deletes nothing."""

    def keep_chat_log(self, chat_log: ChatLogStore) -> None: ...


@runtime_checkable
class HasGroupChannels(Protocol):
    """Optional: where a handler group lives on this platform. Without it, no alerts go here."""

    def group_address(self, group: Group) -> str | None: ...


@runtime_checkable
class CanNameUser(Protocol):
    """Optional: a handler's display name, as the platform shows it, read when they act.

    Asked before the desk's transaction opens, only of someone acting in (or reading from) a
    group's channel; the desk stores it encrypted. Without it (or when it answers None), the
    case log and the audit show the handler's pseudonym.
    """

    def display_name(self, address: str, user_id: str) -> str | None: ...


@runtime_checkable
class CanEditMessage(Protocol):
    """Optional: replace the text and buttons of a message the bot sent (`ref`, from `Sent`).

    Used to show a case alert's state ("Acknowledged by …", only the buttons that still make
    sense). The edit goes through the outbox like any message; without this capability (or
    for an alert too long for one platform message) it is skipped: the thread's confirmation
    already says who did what. Raises like `deliver`.
    """

    def edit(self, ref: str, outbound: Outbound) -> None: ...

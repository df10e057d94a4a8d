"""The platform-free values that cross the adapter boundary: Inbound, Outbound, Choice, Reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Choice:
    """One button: `value` comes back in Inbound.choice, `label` is shown."""

    value: str
    label: str
    # Pressing it needs a text too (a reply, a note): a platform that can collect text natively
    # (a modal) sends it with the press; elsewhere the engine asks in a follow-up message.
    asks_text: bool = False
    # What a person types instead of pressing it, where a platform has no buttons in a
    # channel (a handler's "/ack K-…"); None where a number picks it.
    command: str | None = None
    # A form: its fields (id, label). A platform that shows forms (a Slack modal) collects them
    # with the press and sends them as a JSON object {id: text}; elsewhere the engine asks for
    # each in turn.
    form: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did on a platform, decoded by its adapter.

    `content` is "text" for typed text, "choice" for a pressed button, or what else arrived
    ("photo", "sticker", "file", ...), which the engine declines kindly and never stores.
    """

    platform: str
    user_id: str
    address: str
    text: str | None = None
    choice: str | None = None
    locale: str | None = None
    private: bool = True
    event_id: str | None = None
    content: str = "text"
    # The opaque reference of the message to answer under (a group's thread), if any.
    thread: str | None = None
    # The platform shows choices as a numbered list (no buttons): a bare number typed is the
    # choice with that number in the last question (the engine knows which choices it offered).
    numbered: bool = False
    # This message's own opaque reference, when /forget may delete it later (a private chat on
    # a platform that can): the turn keeps it, encrypted, for 47 hours.
    message_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message to show: text, optional buttons, and the opaque address it goes to."""

    address: str
    text: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    # Shown only to this platform user where the platform can (a Slack ephemeral message);
    # elsewhere it is posted as usual. Used for refusals, which only the person refused sees.
    only_for: str | None = None
    # The opaque reference of a message to answer under (a thread), built by the adapter.
    reply_to: str | None = None
    # The engine asks for a text: where it can, the platform invites a reply (forced reply).
    wants_reply: bool = False


@dataclass(slots=True)
class Reply:
    """One message of the engine's answer before it gets an address (intake and desk alike)."""

    text: str
    choices: tuple[Choice, ...] = ()
    # Meant only for the person who asked (a refusal): shown to them alone where possible.
    only_asker: bool = False
    # A question whose answer is the asker's next message (a forced reply where possible).
    wants_reply: bool = False


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Parts of at most `limit` (as the platform `measure`s length), cut at a paragraph or line
    break where possible, else at a space; nothing is lost but the spaces at a cut."""
    parts: list[str] = []
    while measure(text) > limit:
        room = _fit(text, limit, measure)
        cut = max(text.rfind("\n\n", 0, room), text.rfind("\n", 0, room))
        if cut <= room // 2:
            cut = text.rfind(" ", 0, room)
        if cut <= 0:
            cut = room
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts


def _fit(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """The most characters from the start of `text` whose measure is at most `limit`."""
    low, high = 0, min(len(text), limit)
    if measure(text[:high]) <= limit:
        return high
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low

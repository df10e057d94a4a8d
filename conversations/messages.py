"""The platform-free values that cross the adapter boundary: Inbound, Outbound, Choice."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Choice:
    """One button: `value` comes back in Inbound.choice, `label` is shown."""

    value: str
    label: str


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


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message to show: text, optional buttons, and the opaque address it goes to."""

    address: str
    text: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)

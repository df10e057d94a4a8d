"""A handler's request: a desk button ('desk:ack:K-…') or a command ('/note K-… text'), parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conversations.messages import Inbound

ACTIONS = (
    "ack",
    "reply",
    "note",
    "minutes",
    "progress",
    "close",
    "reopen",
    "escalate",
    "log",
    "show",
    "help",
    "take",
    "assign",
    "feedback",
    "hold",
    "release",
    "audit",
    "export",
)

# Actions that change nothing may be used on a closed case.
READ_ONLY = ("log", "show", "audit", "export")

# Reading that shows no report content: allowed in a channel at every detail level.
NO_CONTENT = ("audit",)

# Asked of the bot in a private chat only (a whole case file is never posted in a channel).
PRIVATE_ONLY = ("export",)

REFERENCE = re.compile(r"^k-[a-z0-9]{6}$", re.IGNORECASE)

# A desk button's value is exactly "desk:<action>:<K-ref>"; anything else is not ours.
BUTTON = re.compile(r"^desk:([a-z]{2,12}):(K-[A-Z0-9]{6})$")

BAD_REQUEST = "bad_request"


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed handler request: the action, the case reference and any free text."""

    action: str
    reference: str
    text: str


def parse(inbound: Inbound) -> Request | None:
    """A desk request from a button ('desk:ack:K-…') or a command ('/note K-… text'); else None.

    A button value of any other shape is a request for `bad_request` (refused and audited).
    """
    if inbound.choice and inbound.choice.startswith("desk:"):
        match = BUTTON.match(inbound.choice)
        if match is None or match.group(1) not in ACTIONS:
            return Request(BAD_REQUEST, "", "")
        return Request(match.group(1), match.group(2), (inbound.text or "").strip())
    text = (inbound.text or "").strip()
    if not text.startswith("/"):
        return None
    command, _, rest = text.partition(" ")
    action = command[1:].split("@", 1)[0].lower()  # "/ack@TryggBot" in Telegram groups
    reference, _, body = rest.strip().partition(" ")
    return Request(action, reference.upper(), body.strip())

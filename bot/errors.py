"""Start-up errors of the bot, each with a stable code and a message an operator can act on."""

from __future__ import annotations


class StartupError(Exception):
    """Trygg cannot start as configured; the message says what to change."""

    code = "startup"

    def __init__(self, message: str, code: str = "startup") -> None:
        super().__init__(message)
        self.code = code

"""The console adapter: a local chat in the terminal, also driven by scripts through stdin."""

from __future__ import annotations

import itertools
import sys
from typing import TextIO

from conversations.adapter import Handler
from conversations.messages import Inbound, Outbound

ADDRESS = "console:local"
PROMPT = "> "


class ConsoleAdapter:
    """Reads one line per message; a number picks the numbered choice shown last."""

    name = "console"

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        user_id: str = "local",
        locale: str | None = None,
    ) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.user_id = user_id
        self.locale = locale
        self._choices: list[str] = []
        self._running = False
        self._refs = itertools.count(1)

    def deliver(self, outbound: Outbound) -> str:
        """Print a message with its choices numbered from 1."""
        lines = [outbound.text]
        for number, choice in enumerate(outbound.choices, start=1):
            lines.append(f"  {number}) {choice.label}")
        self.stdout.write("\n" + "\n".join(lines) + "\n")
        self.stdout.flush()
        if outbound.address == ADDRESS:
            self._choices = [c.value for c in outbound.choices]
        return f"console:{next(self._refs)}"

    def inbound(self, line: str) -> Inbound:
        """Turn one typed line into an Inbound: a shown number becomes that choice."""
        text = line.rstrip("\r\n")
        stripped = text.strip()
        if stripped.isdigit() and 0 < int(stripped) <= len(self._choices):
            choice = self._choices[int(stripped) - 1]
            return Inbound("console", self.user_id, ADDRESS, choice=choice, content="choice",
                           locale=self.locale)  # fmt: skip
        return Inbound("console", self.user_id, ADDRESS, text=text, locale=self.locale)

    def start(self, handler: Handler) -> None:
        """Run the chat until end of input or /quit."""
        self._running = True
        interactive = self.stdin.isatty()
        for outbound in handler(Inbound("console", self.user_id, ADDRESS, text="/start",
                                        locale=self.locale)):  # fmt: skip
            self.deliver(outbound)
        while self._running:
            if interactive:
                self.stdout.write(PROMPT)
                self.stdout.flush()
            line = self.stdin.readline()
            if not line or line.strip() == "/quit":
                break
            for outbound in handler(self.inbound(line)):
                self.deliver(outbound)
        self._running = False

    def stop(self) -> None:
        self._running = False

"""The console adapter: a local chat in the terminal, also driven by scripts through stdin.

One terminal plays both sides: plain lines are the reporter's private chat; a line
`@<group-id> <text>` is written in that handler group's channel by the console's handler.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from typing import TextIO

from conversations.adapter import Handler, Sent
from conversations.errors import NotStored
from conversations.i18n import Translator, negotiate
from conversations.messages import Inbound, Outbound
from conversations.org import LANGUAGES, Group

ADDRESS = "console:local"
GROUP_PREFIX = "console:group:"
HANDLER_ID = "handler"
HANDLER_NAME = "Console handler"
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
        handler_ids: frozenset[str] = frozenset({HANDLER_ID}),
        handler_names: dict[str, str] | None = None,
    ) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.user_id = user_id
        self.locale = locale
        self.handler_ids = handler_ids
        self.handler_names = {HANDLER_ID: HANDLER_NAME} if handler_names is None else handler_names
        self.after_each: Callable[[], object] | None = None
        self._groups: dict[str, str] = {}
        self._running = False
        self._refs = itertools.count(1)

    # --- capabilities --------------------------------------------------------------------

    def group_address(self, group: Group) -> str:
        """Every handler group has a channel in the console."""
        self._groups[group.id] = group.name
        return f"{GROUP_PREFIX}{group.id}"

    def is_member(self, address: str, user_id: str, *, fresh: bool = False) -> bool:
        """The console's handler is a member of every group channel; nobody else is."""
        return address.startswith(GROUP_PREFIX) and user_id in self.handler_ids

    def display_name(self, address: str, user_id: str) -> str | None:
        """The console's handler has a name of its own (a handler desk's log shows it)."""
        return self.handler_names.get(user_id)

    def deliver(self, outbound: Outbound, part: int = 0) -> Sent:
        """Print a message (one part, whatever its length) with its choices numbered from 1."""
        return Sent(self._print(outbound, thread=outbound.reply_to), 1)

    def edit(self, ref: str, outbound: Outbound) -> None:
        """Show an edited message again, marked as the new version of `ref`."""
        lines = [f"── ✎ {ref} ──", outbound.text]
        lines += [f"  {n}) {c.label}: {c.command}" for n, c in enumerate(outbound.choices, 1)]
        self.stdout.write("\n" + "\n".join(lines) + "\n")
        self.stdout.flush()

    def _print(self, outbound: Outbound, thread: str | None) -> str:
        ref = f"console:{next(self._refs)}"
        lines = []
        if outbound.address.startswith(GROUP_PREFIX):
            group_id = outbound.address.removeprefix(GROUP_PREFIX)
            where = self._groups.get(group_id, group_id)
            lines.append(f"── #{group_id} ({where}){' ↳ ' + thread if thread else ''} [{ref}] ──")
        lines.append(outbound.text)
        for number, choice in enumerate(outbound.choices, start=1):
            typed = (
                f": {choice.command}{' …' if choice.asks_text else ''}" if choice.command else ""
            )
            lines.append(f"  {number}) {choice.label}{typed}")
        self.stdout.write("\n" + "\n".join(lines) + "\n")
        self.stdout.flush()
        return ref

    # --- input ---------------------------------------------------------------------------

    def inbound(self, line: str) -> Inbound:
        """Turn one typed line into an Inbound. The console has no buttons: a number typed in
        the private chat is the engine's to read as the choice with that number."""
        text = line.rstrip("\r\n")
        address, user_id, private = ADDRESS, self.user_id, True
        if text.startswith("@"):
            group_id, _, text = text[1:].partition(" ")
            address, user_id, private = f"{GROUP_PREFIX}{group_id}", HANDLER_ID, False
        return Inbound(
            "console",
            user_id,
            address,
            text=text,
            locale=self.locale,
            private=private,
            numbered=private,
        )

    def start(self, handler: Handler) -> None:
        """Run the chat until end of input or /quit."""
        self._running = True
        interactive = self.stdin.isatty()
        self._answer(
            handler, Inbound("console", self.user_id, ADDRESS, text="/start", locale=self.locale)
        )
        while self._running:
            if interactive:
                self.stdout.write(PROMPT)
                self.stdout.flush()
            line = self.stdin.readline()
            if not line or line.strip() == "/quit":
                break
            self._answer(handler, self.inbound(line))
        self._running = False

    def _answer(self, handler: Handler, inbound: Inbound) -> None:
        try:
            handler(inbound)  # the replies are queued in the outbox with everything else
        except NotStored:
            tr = Translator(negotiate(self.locale, LANGUAGES), "UTC")
            self.stdout.write("\n" + tr.t("problem.internal") + "\n")
            self.stdout.flush()
        if self.after_each is not None:
            self.after_each()  # deliver what the turn queued, in order

    def stop(self) -> None:
        self._running = False

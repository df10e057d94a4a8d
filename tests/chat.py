"""A test driver that talks to the real engine through the real console adapter."""

from __future__ import annotations

import io
import itertools
import json

from sqlalchemy import delete, func, select

from adapters.console import ADDRESS, ConsoleAdapter
from conversations.engine import Engine
from conversations.messages import Inbound, Outbound
from storage.models import Case, Conversation, DataKeyRow, OutboxMessage
from storage.vault import place

_events = itertools.count(1)


class Chat:
    """Types lines into the console adapter and keeps every message the engine answered."""

    def __init__(self, engine: Engine, user_id: str = "reporter-1", locale: str | None = None):
        self.engine = engine
        self.screen = io.StringIO()
        self.console = ConsoleAdapter(io.StringIO(), self.screen, user_id, locale)
        self.user_id = user_id
        self.replies: list[Outbound] = []

    def send(self, line: str) -> list[Outbound]:
        """Type one line, as a person at the console would."""
        return self._deliver(self.engine.handle(self.console.inbound(line)))

    def press(self, label: str) -> list[Outbound]:
        """Press the button whose label contains `label` in the last message with buttons."""
        last = next(r for r in reversed(self.replies) if r.choices)
        exact = [c for c in last.choices if label.casefold() == c.label.casefold()]
        chosen = (
            exact[0]
            if exact
            else next(c for c in last.choices if label.casefold() in c.label.casefold())
        )
        return self.raw(Inbound("console", self.user_id, ADDRESS, choice=chosen.value,
                                content="choice"))  # fmt: skip

    def raw(self, inbound: Inbound) -> list[Outbound]:
        return self._deliver(self.engine.handle(inbound))

    def _deliver(self, outbound: list[Outbound]) -> list[Outbound]:
        """Show the replies, as the delivery sweep would, and forget their outbox rows."""
        for message in outbound:
            self.console.deliver(message)
        self.replies.extend(outbound)
        delivered(self.engine)
        return outbound

    @property
    def last(self) -> str:
        return self.replies[-1].text

    def labels(self) -> list[str]:
        return [c.label for c in self.replies[-1].choices]

    @staticmethod
    def event_id() -> str:
        return f"evt-{next(_events)}"


def count(engine: Engine, model: type) -> int:
    """How many rows of `model` the engine's database holds."""
    with engine.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def record_keys(engine: Engine) -> int:
    """How many data keys the database holds for records (not the replies' shared key)."""
    with engine.sessions() as session:
        mine = select(func.count()).select_from(DataKeyRow).where(DataKeyRow.purpose.is_(None))
        return session.scalar(mine) or 0


def the_case(engine: Engine) -> Case:
    """The one case in the database (fails if there is none or more than one)."""
    with engine.sessions() as session:
        return session.scalars(select(Case)).one()


def delivered(engine: Engine) -> None:
    """Treat the engine's direct replies as delivered: their outbox rows go (the shared reply
    key stays until the sweep finds it spent, as in a running bot)."""
    with engine.sessions() as session, session.begin():
        session.execute(delete(OutboxMessage).where(OutboxMessage.kind == "reply"))


def draft(engine: Engine) -> dict:
    """The only conversation's draft, decrypted."""
    with engine.sessions() as session:
        conversation = session.scalars(select(Conversation)).one()
        key = engine.vault.load(session, conversation.data_key_id)
        return json.loads(
            key.decrypt(conversation.draft, place("conversations", conversation.id, "draft"))
        )

"""The engine never holds its write transaction while a platform answers."""

from __future__ import annotations

import threading
import time

from adapters.console import GROUP_PREFIX
from bot.channels import AdapterChannels
from conversations.engine import Engine
from conversations.messages import Inbound
from storage.db import session_factory
from storage.models import Conversation
from storage.vault import Vault
from tests.chat import Chat, count, the_case
from tests.conftest import RecordingConsole
from tests.conversations.test_intake import file_report

REGION = f"{GROUP_PREFIX}region"


class SlowPlatform(RecordingConsole):
    """A platform whose membership check takes seconds — and meanwhile someone else writes."""

    def __init__(self) -> None:
        super().__init__()
        self.during: list[float] = []
        self.engine: Engine | None = None

    def is_member(self, address: str, user_id: str, *, fresh: bool = False) -> bool:
        assert self.engine is not None
        started = time.monotonic()
        # Another reporter's turn, while the platform "thinks": with a write transaction open
        # on SQLite this would wait for the lock (up to the 10 s busy timeout) and fail.
        other = Inbound("console", f"other-{len(self.during)}", "console:other", text="/start")
        done = threading.Thread(target=self.engine.handle, args=(other,))
        done.start()
        done.join(timeout=5)
        self.during.append(time.monotonic() - started)
        time.sleep(3)
        return super().is_member(address, user_id, fresh=fresh)

    def forget_chat(self, address: str) -> int:
        assert self.engine is not None
        self.engine.handle(Inbound("console", "other-forget", "console:other", text="/start"))
        return 3


def test_a_slow_membership_check_delays_no_one_else(db, keyring, org, clock):
    """A 3-second getChatMember: another reporter's turn during it goes through at once."""
    platform = SlowPlatform()
    engine = Engine(
        session_factory(db),
        Vault(keyring),
        org,
        AdapterChannels(org, [platform]),
        clock=lambda: clock[0],
    )
    platform.engine = engine
    file_report(Chat(engine, locale="en"), "en")
    reference = the_case(engine).reference
    engine.handle(Inbound("console", "handler", REGION, text=f"/ack {reference}", private=False))
    assert the_case(engine).status == "acknowledged"
    assert platform.during and platform.during[0] < 2.0  # the other turn did not wait
    assert count(engine, Conversation) == 2  # the reporter, and the other reporter


def test_forget_deletes_after_the_commit(engine, console):
    """/forget: the platform deletes with no transaction open, then the count is told."""
    platform = SlowPlatform()
    engine.channels = AdapterChannels(engine.org, [platform])
    platform.engine = engine
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    replies = chat.send("/forget")
    assert "3" in replies[-1].text
    assert count(engine, Conversation) == 2

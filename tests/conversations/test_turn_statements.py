"""A reporter's turn costs one read (the conversation with its key), writes, and one commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from adapters.console import ADDRESS
from conversations.engine import Engine
from conversations.messages import Inbound
from tests.chat import Chat
from tests.conversations.test_intake import file_report_until_review


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine's database runs inside the block, in order."""
    seen: list[str] = []
    bind = engine.sessions.kw["bind"]

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(bind, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", record)


def reads_of(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if s.startswith("SELECT") and f"FROM {table}" in s]


def test_an_answer_reads_the_conversation_and_its_key_in_one_statement(engine, chat: Chat):
    """Guards the joined key and the turn's key cache: a second read of the key (or of the
    conversation) in one turn fails this."""
    chat.send("/start")
    for line in ("1", "1", "1", "1"):
        chat.send(line)
    with statements(engine) as seen:
        chat.engine.handle(chat.console.inbound("He would not stop."))
    selects = [s for s in seen if s.startswith("SELECT")]
    assert len(selects) == 1, selects
    assert "JOIN data_keys" in selects[0]
    # The conversation is written once (no autoflush half-way), with its new draft.
    updates = [s for s in seen if s.startswith("UPDATE conversations")]
    assert len(updates) == 1, updates
    assert "draft=" in updates[0]
    # The reply, under the key replies share for a minute: one insert; nothing else.
    assert len(seen) == 3, seen


def test_submitting_reads_no_data_key_again(engine):
    """Guards the submit turn: the case's and the conversation's keys come from the turn's
    cache, however many parts (case, log, alert, receipt) use them."""
    chat = Chat(engine, locale="en")
    file_report_until_review(chat)
    send = next(c for c in chat.replies[-1].choices if c.label == "Send the report")
    press = Inbound("console", chat.user_id, ADDRESS, choice=send.value, content="choice")
    with statements(engine) as seen:
        replies = engine.handle(press)
    assert "Your reference" in replies[-1].text
    assert reads_of(seen, "data_keys") == []
    assert len([s for s in seen if s.startswith("UPDATE conversations")]) == 1

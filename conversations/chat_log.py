"""What /forget may delete from a reporter's private chat: message references, encrypted, 47 h.

Kept in the database (not in an adapter's memory), so a restart or another replica still
finds them; each chat's references are encrypted under a data key of that chat, and a row
goes once the platform would no longer let the bot delete its message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from storage.crypto import DataKey, WrappedKey
from storage.models import Base, ChatMessage, DataKeyRow, new_id
from storage.vault import Vault, place

_REFS = Base.metadata.tables[ChatMessage.__tablename__]
_KEYS = Base.metadata.tables[DataKeyRow.__tablename__]
_KEEP_REF = insert(_REFS)
# The chat's key, read with its wrapped material in the same statement.
_CHAT_KEY = (
    select(_KEYS.c.id, _KEYS.c.master_id, _KEYS.c.wrapped)
    .select_from(_REFS.join(_KEYS, _REFS.c.data_key_id == _KEYS.c.id))
    .where(_REFS.c.chat == bindparam("chat"))
    .limit(1)
)
# Telegram lets a bot delete messages in a private chat for 48 hours; an hour is kept spare.
KEEP = timedelta(hours=47)


class ChatLog:
    """Remembers message references per private chat until they can no longer be deleted."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: Vault,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions = sessions
        self.vault = vault
        self.clock = clock

    def _chat(self, address: str) -> str:
        return self.vault.keyring.pseudonym("chat", address)

    def add(self, session: Session, address: str, ref: str) -> None:
        """Keep `ref` (a message in the chat at `address`) for /forget, in the caller's
        transaction (the turn that handled it, or the delivery that sent it): one SELECT (the
        chat's key with it) and one INSERT, since every message in a private chat comes here."""
        chat = self._chat(address)
        # To the hour only, earlier rather than later: no timestamp joins a chat to a case.
        until = (self.clock() + KEEP).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        key = self._key(session, chat)
        row_id = new_id()
        encrypted = key.encrypt(ref, place("chat_messages", row_id, "ref"))
        row = {
            "id": row_id,
            "chat": chat,
            "data_key_id": key.key_id,
            "ref": encrypted,
            "expires_at": until,
        }
        session.connection().execute(_KEEP_REF, row)

    def _key(self, session: Session, chat: str) -> DataKey:
        found = session.connection().execute(_CHAT_KEY, {"chat": chat}).first()
        if found is not None:
            return self.vault.adopt(session, WrappedKey(found.id, found.master_id, found.wrapped))
        return self.vault.create(session)

    def take(self, address: str) -> list[str]:
        """The references still deletable in that chat, oldest first; the rows and their keys
        are gone when this returns (what /forget could not delete stays deleted here too)."""
        chat = self._chat(address)
        now = self.clock()
        with self.sessions() as session, session.begin():
            rows = session.scalars(
                select(ChatMessage).where(ChatMessage.chat == chat).order_by(ChatMessage.expires_at)
            ).all()
            refs: list[str] = []
            keys = {row.data_key_id for row in rows}
            for row in rows:
                if row.expires_at > now:
                    key = self.vault.load(session, row.data_key_id)
                    refs.append(key.decrypt(row.ref, place("chat_messages", row.id, "ref")))
            session.execute(delete(ChatMessage).where(ChatMessage.chat == chat))
            for key_id in keys:
                self.vault.destroy(session, key_id)
        return refs


def purge_chat_messages(session: Session, vault: Vault, now: datetime) -> int:
    """Delete expired references, and each chat key that no longer encrypts any; how many."""
    keys = set(
        session.scalars(
            select(ChatMessage.data_key_id).where(ChatMessage.expires_at <= now).distinct()
        )
    )
    if not keys:
        return 0
    gone = session.execute(delete(ChatMessage).where(ChatMessage.expires_at <= now))
    still_used = set(
        session.scalars(
            select(ChatMessage.data_key_id).where(ChatMessage.data_key_id.in_(keys)).distinct()
        )
    )
    for key_id in keys - still_used:
        vault.destroy(session, key_id)
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]

"""A reporter's conversation row and its draft, encrypted under its own data key.

A turn reads the row and its wrapped key in one SELECT and writes it back in one UPDATE that
checks the version, with prepared Core statements: this is every reporter's every message,
and the ORM's unit of work cost more than the rest of the turn's writing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from conversations.i18n import negotiate
from conversations.intake.draft import Draft
from conversations.messages import Inbound
from conversations.states import Step
from storage.crypto import DataKey, WrappedKey
from storage.errors import StorageError
from storage.models import Base, Conversation, DataKeyRow, new_id
from storage.vault import Vault, place

log = logging.getLogger(__name__)

_ROWS = Base.metadata.tables[Conversation.__tablename__]
_KEYS = Base.metadata.tables[DataKeyRow.__tablename__]
_FIND = (
    select(
        _ROWS.c.id,
        _ROWS.c.step,
        _ROWS.c.language,
        _ROWS.c.data_key_id,
        _ROWS.c.draft,
        _ROWS.c.version,
        _KEYS.c.master_id,
        _KEYS.c.wrapped,
    )
    .select_from(_ROWS.outerjoin(_KEYS, _ROWS.c.data_key_id == _KEYS.c.id))
    .where(_ROWS.c.platform == bindparam("platform"), _ROWS.c.user_ref == bindparam("user_ref"))
)
_START = insert(_ROWS)
_SAVE = (
    update(_ROWS)
    .where(_ROWS.c.id == bindparam("row_id"), _ROWS.c.version == bindparam("was"))
    .values(
        step=bindparam("new_step"),
        language=bindparam("new_language"),
        data_key_id=bindparam("new_key"),
        draft=bindparam("new_draft"),
        version=bindparam("new_version"),
        updated_at=bindparam("now"),
    )
)


@dataclass(slots=True)
class ConversationRow:
    """The conversation as a turn reads and changes it; `save` writes it back."""

    id: str
    platform: str
    user_ref: str
    step: str
    language: str
    data_key_id: str | None
    draft: bytes | None
    version: int
    # The conversation's data key as read with it (wrapped), so the turn needs no second read.
    wrapped_key: WrappedKey | None = None


def conversation_of(
    session: Session,
    vault: Vault,
    inbound: Inbound,
    languages: tuple[str, ...],
    clock: Callable[[], datetime],
) -> ConversationRow:
    """The sender's conversation (found by pseudonym), started idle if there is none."""
    user_ref = vault.keyring.pseudonym(inbound.platform, inbound.user_id)
    where = {"platform": inbound.platform, "user_ref": user_ref}
    found = session.connection().execute(_FIND, where).first()
    if found is not None:
        wrapped = None
        if found.data_key_id is not None and found.wrapped is not None:
            wrapped = WrappedKey(found.data_key_id, found.master_id, found.wrapped)
        return ConversationRow(
            found.id,
            inbound.platform,
            user_ref,
            found.step,
            found.language,
            found.data_key_id,
            found.draft,
            found.version,
            wrapped,
        )
    now = clock()
    row = ConversationRow(
        new_id(),
        inbound.platform,
        user_ref,
        Step.IDLE,
        negotiate(inbound.locale, languages),
        None,
        None,
        1,
    )
    session.connection().execute(
        _START,
        {
            "id": row.id,
            "platform": row.platform,
            "user_ref": user_ref,
            "step": row.step,
            "language": row.language,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        },
    )
    return row


def save(session: Session, conversation: ConversationRow, now: datetime) -> None:
    """Write the turn's changes in one UPDATE; StaleDataError when another turn of the same
    person wrote first (the engine then applies this message again, in turn)."""
    written = session.connection().execute(
        _SAVE,
        {
            "row_id": conversation.id,
            "was": conversation.version,
            "new_step": conversation.step,
            "new_language": conversation.language,
            "new_key": conversation.data_key_id,
            "new_draft": conversation.draft,
            "new_version": conversation.version + 1,
            "now": now,
        },
    )
    if written.rowcount != 1:
        raise StaleDataError("the conversation changed while this message was handled")
    conversation.version += 1


def _key(session: Session, vault: Vault, conversation: ConversationRow) -> DataKey:
    if conversation.wrapped_key is not None:
        return vault.adopt(session, conversation.wrapped_key)
    return vault.load(session, conversation.data_key_id)


def open_draft(session: Session, vault: Vault, conversation: ConversationRow) -> tuple[Draft, bool]:
    """The decrypted draft (empty if none), and whether one was there but could not be read."""
    if conversation.draft is None:
        return {}, False
    try:
        key = _key(session, vault, conversation)
        draft: Draft = json.loads(
            key.decrypt(conversation.draft, place("conversations", conversation.id, "draft"))
        )
    except StorageError as exc:
        # Its master key is gone (or the key was erased): the person must not be
        # trapped. They are told, and start again from the welcome.
        log.warning("a draft could not be read (%s); starting afresh", exc.code)
        conversation.draft, conversation.data_key_id = None, None
        conversation.step = Step.IDLE
        return {}, True
    return draft, False


def keep_draft(
    session: Session, vault: Vault, conversation: ConversationRow, draft: Draft, now: datetime
) -> None:
    """Store the draft encrypted under the conversation's data key (made on first use)."""
    if conversation.data_key_id is None:
        key = vault.create(session, now=now)
        conversation.data_key_id = key.key_id
    else:
        key = _key(session, vault, conversation)
    conversation.draft = key.encrypt(
        json.dumps(draft, ensure_ascii=False),
        place("conversations", conversation.id, "draft"),
    )
    save(session, conversation, now)


def drop_draft(
    session: Session, vault: Vault, conversation: ConversationRow, now: datetime
) -> None:
    """Delete the draft and destroy its data key."""
    key_id = conversation.data_key_id
    conversation.draft = None
    conversation.data_key_id = None
    save(session, conversation, now)
    vault.destroy(session, key_id)

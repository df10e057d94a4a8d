"""A reporter's conversation row and its draft, encrypted under its own data key."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.i18n import negotiate
from conversations.intake.draft import Draft
from conversations.messages import Inbound
from conversations.states import Step
from storage.errors import StorageError
from storage.models import Conversation
from storage.vault import Vault, place

log = logging.getLogger(__name__)


def conversation_of(
    session: Session,
    vault: Vault,
    inbound: Inbound,
    languages: tuple[str, ...],
    clock: Callable[[], datetime],
) -> Conversation:
    """The sender's conversation (found by pseudonym), started idle if there is none."""
    user_ref = vault.keyring.pseudonym(inbound.platform, inbound.user_id)
    conversation = session.scalar(
        select(Conversation).where(
            Conversation.platform == inbound.platform, Conversation.user_ref == user_ref
        )
    )
    if conversation is None:
        conversation = Conversation(
            platform=inbound.platform,
            user_ref=user_ref,
            step=Step.IDLE,
            language=negotiate(inbound.locale, languages),
            created_at=clock(),
        )
        session.add(conversation)
        session.flush()
    return conversation


def open_draft(session: Session, vault: Vault, conversation: Conversation) -> tuple[Draft, bool]:
    """The decrypted draft (empty if none), and whether one was there but could not be read."""
    if conversation.draft is None:
        return {}, False
    try:
        key = vault.load(session, conversation.data_key_id)
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


def keep_draft(session: Session, vault: Vault, conversation: Conversation, draft: Draft) -> None:
    """Store the draft encrypted under the conversation's data key (made on first use)."""
    if conversation.data_key_id is None:
        conversation.data_key_id = vault.create(session).key_id
        session.flush()
    key = vault.load(session, conversation.data_key_id)
    conversation.draft = key.encrypt(
        json.dumps(draft, ensure_ascii=False),
        place("conversations", conversation.id, "draft"),
    )


def drop_draft(session: Session, vault: Vault, conversation: Conversation) -> None:
    """Delete the draft and destroy its data key."""
    key_id = conversation.data_key_id
    conversation.draft = None
    conversation.data_key_id = None
    session.flush()
    vault.destroy(session, key_id)

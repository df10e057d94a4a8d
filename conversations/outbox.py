"""Queueing messages that must arrive: encrypted outbox rows written in the caller's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from conversations.messages import Choice, Outbound
from storage.crypto import DataKey
from storage.models import Case, OutboxMessage, new_id
from storage.vault import Vault, place


@dataclass(frozen=True, slots=True)
class Queued:
    """A decrypted outbox row, ready for an adapter."""

    row_id: str
    outbound: Outbound
    thread_of: str | None


def platform_of(address: str) -> str:
    """The platform an opaque address belongs to: the part before the first colon."""
    return address.split(":", 1)[0]


def enqueue(
    session: Session,
    vault: Vault,
    case: Case,
    outbound: Outbound,
    *,
    kind: str,
    key: str,
    now: datetime,
    thread_of: str | None = None,
    thread_key: str | None = None,
) -> OutboxMessage:
    """Queue `outbound` for delivery; `key` makes the same logical message queue only once."""
    data_key = vault.load(session, case.data_key_id)
    row = OutboxMessage(
        id=new_id(),
        idempotency_key=f"{case.id}:{key}",
        case_id=case.id,
        kind=kind,
        platform=platform_of(outbound.address),
        thread_of=thread_of,
        thread_key=thread_key,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    body = json.dumps(
        {"text": outbound.text, "choices": [[c.value, c.label] for c in outbound.choices]},
        ensure_ascii=False,
    )
    row.address = data_key.encrypt(outbound.address, place("outbox", row.id, "address"))
    row.body = data_key.encrypt(body, place("outbox", row.id, "body"))
    session.add(row)
    session.info["queued"] = True  # the engine wakes the delivery sweep after the commit
    return row


def decrypt(row: OutboxMessage, data_key: DataKey) -> Queued:
    address = data_key.decrypt(row.address, place("outbox", row.id, "address"))
    body = json.loads(data_key.decrypt(row.body, place("outbox", row.id, "body")))
    choices = tuple(Choice(value, label) for value, label in body["choices"])
    return Queued(row.id, Outbound(address, body["text"], choices), row.thread_of)

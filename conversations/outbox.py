"""Queueing messages that must arrive: encrypted outbox rows written in the caller's transaction.

Every message to a person goes through here — alerts, posts in a case thread, nudges, and the
engine's own immediate replies — so a crash or an outage delays a message, never loses it.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from conversations.messages import Choice, Outbound
from storage.crypto import DataKey
from storage.models import Base, Case, OutboxMessage, new_id
from storage.vault import Vault, place

_QUEUE = insert(Base.metadata.tables[OutboxMessage.__tablename__])
_seq_lock = threading.Lock()
_seq_state = [0]


def next_seq() -> int:
    """A number that grows with every queued message in this process (microseconds, bumped).

    It orders messages to one destination; across replicas the clock keeps them in order.
    """
    with _seq_lock:
        value = max(time.time_ns() // 1000, _seq_state[0] + 1)
        _seq_state[0] = value
        return value


@dataclass(frozen=True, slots=True)
class Queued:
    """A decrypted outbox row, ready for an adapter."""

    row_id: str
    outbound: Outbound
    thread_of: str | None
    parts_sent: int
    # What the row is ("alert", "post", …); an "alert_edit" replaces the alert it threads under.
    kind: str = ""


# The kind of an outbox row that edits the alert it threads under (`thread_of`) in place.
ALERT_EDIT = "alert_edit"


def platform_of(address: str) -> str:
    """The platform an opaque address belongs to: the part before the first colon."""
    return address.split(":", 1)[0]


def destination_of(vault: Vault, address: str) -> str:
    """The keyed hash that stands for an address in plain-text columns (never the address)."""
    return vault.keyring.pseudonym("destination", address)


def enqueue(
    session: Session,
    vault: Vault,
    case: Case | None,
    outbound: Outbound,
    *,
    kind: str,
    key: str,
    now: datetime,
    thread_of: str | None = None,
    thread_key: str | None = None,
    data_key: DataKey | None = None,
) -> OutboxMessage:
    """Queue `outbound`; `key` makes the same logical message queue only once per destination
    (the destination goes into the stored key as its hash, never as an address).

    A case's messages are encrypted under the case's key; a message that belongs to no case
    (a direct reply) under `data_key`, which the sweep destroys once nothing uses it.
    """
    if case is not None:
        data_key = vault.load(session, case.data_key_id)
    if data_key is None:
        raise ValueError("a message without a case needs a data key")
    owner = case.id if case is not None else data_key.key_id
    row = OutboxMessage(
        **_row(
            vault,
            outbound,
            data_key,
            owner=owner,
            key=key,
            kind=kind,
            now=now,
            case_id=case.id if case is not None else None,
            thread_of=thread_of,
            thread_key=thread_key,
        )
    )
    session.add(row)
    session.info["queued"] = True  # the engine wakes the delivery sweep after the commit
    return row


def queue_replies(
    session: Session,
    vault: Vault,
    replies: list[Outbound],
    *,
    data_key: DataKey,
    turn: str,
    now: datetime,
) -> None:
    """Queue a turn's direct replies under `data_key` in one INSERT (no unit of work: this
    runs on every message); `turn` makes each row's idempotency key its own."""
    rows = [
        _row(vault, reply, data_key, owner=turn, key=f"reply:{number}", kind="reply", now=now)
        for number, reply in enumerate(replies)
    ]
    session.connection().execute(_QUEUE, rows)
    session.info["queued"] = True


def _row(
    vault: Vault,
    outbound: Outbound,
    data_key: DataKey,
    *,
    owner: str,
    key: str,
    kind: str,
    now: datetime,
    case_id: str | None = None,
    thread_of: str | None = None,
    thread_key: str | None = None,
) -> dict[str, Any]:
    """An outbox row's columns, its address and body sealed under `data_key` (a case's
    rows name the case; a direct reply names its key, destroyed once nothing uses it)."""
    row_id = new_id()
    destination = destination_of(vault, outbound.address)
    address, body = _sealed(row_id, outbound, data_key)
    return {
        "id": row_id,
        "idempotency_key": f"{owner}:{destination[:16]}:{key}"[:120],
        "case_id": case_id,
        "data_key_id": None if case_id is not None else data_key.key_id,
        "kind": kind,
        "platform": platform_of(outbound.address),
        "destination": destination,
        "seq": next_seq(),
        "thread_of": thread_of,
        "thread_key": thread_key,
        "address": address,
        "body": body,
        "status": "pending",
        "attempts": 0,
        "parts_sent": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _sealed(row_id: str, outbound: Outbound, data_key: DataKey) -> tuple[bytes, bytes]:
    """The row's encrypted address and body."""
    body = json.dumps(
        {
            "text": outbound.text,
            "choices": [
                [c.value, c.label, c.asks_text, c.command, [list(f) for f in c.form]]
                for c in outbound.choices
            ],
            "reply_to": outbound.reply_to,
            "only_for": outbound.only_for,
            "wants_reply": outbound.wants_reply,
        },
        ensure_ascii=False,
    )
    return (
        data_key.encrypt(outbound.address, place("outbox", row_id, "address")),
        data_key.encrypt(body, place("outbox", row_id, "body")),
    )


def decrypt(row: OutboxMessage, data_key: DataKey) -> Queued:
    address = data_key.decrypt(row.address, place("outbox", row.id, "address"))
    body = json.loads(data_key.decrypt(row.body, place("outbox", row.id, "body")))
    choices = tuple(_choice(choice) for choice in body["choices"])
    outbound = Outbound(
        address,
        body["text"],
        choices,
        only_for=body.get("only_for"),
        reply_to=body.get("reply_to"),
        wants_reply=bool(body.get("wants_reply")),
    )
    return Queued(row.id, outbound, row.thread_of, row.parts_sent, row.kind)


def _choice(stored: list[Any]) -> Choice:
    """A stored choice: [value, label, asks_text, command] and, since forms, [..., form]."""
    value, label, asks_text, command = stored[:4]
    form = tuple((str(i), str(text)) for i, text in (stored[4] if len(stored) > 4 else ()))
    return Choice(value, label, asks_text, command, form)


def encrypt_ref(row: OutboxMessage, data_key: DataKey, ref: str) -> bytes:
    return data_key.encrypt(ref, place("outbox", row.id, "platform_ref"))


def decrypt_ref(row: OutboxMessage, data_key: DataKey) -> str | None:
    if row.platform_ref is None:
        return None
    return data_key.decrypt(row.platform_ref, place("outbox", row.id, "platform_ref"))

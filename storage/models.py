"""SQLAlchemy models: data keys, conversations, cases, case log, outbox, follow-ups, audit log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DataKeyRow(Base):
    """A record's data key, wrapped by a master key. Deleting the row erases the record."""

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    master_id: Mapped[str] = mapped_column(String(64))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "reply" for a key that direct replies share for a minute; None for one record's key.
    purpose: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Conversation(Base):
    """One reporter's place in the intake conversation; the draft is encrypted."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "user_ref", name="uq_conversations_user"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    platform: Mapped[str] = mapped_column(String(32))
    user_ref: Mapped[str] = mapped_column(String(64))  # HMAC pseudonym, never the raw id
    step: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    data_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), nullable=True
    )
    draft: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # For the ORM's readers (the retention purge); a turn reads the conversation and its key
    # with one Core SELECT (`conversations.intake.store`). Read-only: `data_key_id` is written.
    data_key: Mapped[DataKeyRow | None] = relationship(lazy="joined", viewonly=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict


class Case(Base):
    """A submitted report. Every content field is ciphertext under the case's data key."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    data_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), nullable=True
    )
    platform: Mapped[str] = mapped_column(String(32))
    reporter_ref: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8))
    anonymity: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(24), nullable=True)
    unit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    group_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    about_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    feedback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The handler who holds the case (their pseudonym, as in the case log); None: the group.
    owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    feedback_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A legal hold keeps a closed case from the retention purge until it is released.
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # How a report that a handler recorded came in ("phone", "meeting", "email"); None: the bot.
    received_via: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Encrypted fields (AAD "cases:<id>:<field>").
    what: Mapped[bytes] = mapped_column(LargeBinary)
    when_words: Mapped[bytes] = mapped_column(LargeBinary)
    when_reading: Mapped[bytes] = mapped_column(LargeBinary)
    place: Mapped[bytes] = mapped_column(LargeBinary)
    people: Mapped[bytes] = mapped_column(LargeBinary)
    witnesses: Mapped[bytes] = mapped_column(LargeBinary)
    wishes: Mapped[bytes] = mapped_column(LargeBinary)
    reporter_name: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    affected: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # who it hit
    reporter_address: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict


class CaseLogEntry(Base):
    """Append-only minutes of a case: who did what and when; any free text is encrypted."""

    __tablename__ = "case_log"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_log_seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    event: Mapped[str] = mapped_column(String(40))
    facts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)  # never content
    detail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Leased:
    """Columns of a row that replicas claim with a lease: status, attempts, holder, expiry."""

    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OutboxMessage(Leased, Base):
    """A message that must arrive; delivered by the sweep, retried until it does.

    Messages to one destination go in `seq` order: a later one waits while an earlier one is
    pending. A message of several platform parts records how many went (`parts_sent`), so a
    retry resumes at the first part not yet sent. Nothing here names a person or a chat in
    plain text: the address, the body and the platform's message reference are encrypted, and
    `destination` is a keyed hash of the address.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_destination", "destination", "status", "seq"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    case_id: Mapped[str | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # The key of a message that belongs to no case (a direct reply); a case's rows use its key.
    data_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(32))
    destination: Mapped[str] = mapped_column(String(64))  # keyed hash of the address
    seq: Mapped[int] = mapped_column(BigInteger)  # order within the destination
    address: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted
    body: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted Outbound (text, choices, …)
    thread_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Which case thread a post belongs to ("group:<group id>:<destination>"); never a raw id.
    thread_key: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    platform_ref: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # encrypted
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(80), nullable=True)  # a code only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DestinationPace(Base):
    """When the next message may go to one destination (a chat, a channel), for every replica.

    A platform's pace (Telegram: about one a second per chat) and a 429's wait are kept here,
    so pacing holds across replicas and no sweep ever sleeps for it.
    """

    __tablename__ = "outbox_pace"

    destination: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUp(Leased, Base):
    """A durable reminder or escalation, due at a fixed time, claimed with a lease."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_due", "status", "due_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEntry(Base):
    """Append-only record of every view, action and export; kept after a case is purged."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    case_ref: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    facts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)  # never content


class ProcessedEvent(Base):
    """Platform events already applied, so a redelivered event is processed once.

    `event_id` is a keyed hash of the platform's event id (which may hold a user id), and
    `processed_at` is kept to the day only, so it cannot be joined to a case's receipt time.
    """

    __tablename__ = "processed_events"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class DeskPrompt(Base):
    """A handler pressed a button that needs text (reply, note, minutes): their next message
    in that channel is the text. Keyed by a hash of channel and handler; never content."""

    __tablename__ = "desk_prompts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A form asked field by field (minutes): the field asked now, and the answers so far,
    # encrypted under the case's key (AAD "desk_prompts:<key>:partial").
    step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    partial: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class HandlerName(Base):
    """A handler's display name as the platform gave it, encrypted under its own data key.

    Keyed by the handler's pseudonym (the `actor` of the case log and the audit log), so a log
    row names a person only through this table; erasing the key erases the name.
    """

    __tablename__ = "handler_names"

    actor: Mapped[str] = mapped_column(String(80), primary_key=True)
    data_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted (AAD "handler_names:<actor>:name")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatMessage(Base):
    """A message in a reporter's private chat that /forget may still delete from their phone.

    The platform's reference is encrypted under a data key of that chat (the key row's
    deletion erases it); the chat is named by a keyed hash; the row expires, to the hour,
    when the platform no longer lets the bot delete the message.
    """

    __tablename__ = "chat_messages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    chat: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of the address
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id", ondelete="CASCADE"))
    ref: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted message reference
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

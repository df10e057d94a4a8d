"""The delivery sweep: claims due outbox rows and hands them to the right adapter."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from conversations.adapter import Adapter, CanThread
from conversations.errors import RecipientGone
from conversations.outbox import Queued, decrypt, platform_of
from storage.db import transaction
from storage.errors import StorageError
from storage.models import Case, OutboxMessage
from storage.queue import claim, held, release
from storage.vault import Vault

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=30)
WAIT_FOR_PARENT = timedelta(seconds=2)
MAX_ATTEMPTS = 12  # about a day of retries with the delays above


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with jitter; a platform's own retry-after wins when longer."""
    delay: timedelta = min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    delay = delay * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not cryptography
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


class DeliverySweep:
    """One replica's outbox worker; safe to run on several replicas at once."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: Vault,
        adapters: Mapping[str, Adapter],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        owner: str | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.sessions = sessions
        self.vault = vault
        self.adapters = adapters
        self.clock = clock
        self.owner = owner or f"replica-{uuid.uuid4().hex[:8]}"
        self.max_attempts = max_attempts
        # Told when a reporter blocked the bot, so the group learns they cannot be reached.
        self.on_recipient_gone: Callable[[Session, str], None] | None = None

    def run_once(self, limit: int = 20) -> int:
        """Deliver what is due now; returns how many messages were delivered."""
        with transaction(self.sessions) as session:
            claimed = claim(
                session,
                OutboxMessage,
                OutboxMessage.next_attempt_at,
                self.owner,
                self.clock(),
                LEASE,
                limit,
            )
        return sum(self._deliver(row_id) for row_id in claimed)

    def _prepare(self, row_id: str) -> tuple[Queued, str | None] | None:
        """Decrypt a claimed row; None when it must wait (or cannot go) instead."""
        with transaction(self.sessions) as session:
            row = held(session, OutboxMessage, row_id, self.owner)
            if row is None:
                return None
            parent_ref = None
            if row.thread_of is not None:
                parent = session.get(OutboxMessage, row.thread_of)
                parent_ref = parent.platform_ref if parent is not None else None
                if parent is not None and parent.status != "dead" and parent_ref is None:
                    self._postpone(row, WAIT_FOR_PARENT, "waiting_for_parent", count=False)
                    return None
            if row.platform not in self.adapters:
                self._postpone(row, backoff(row.attempts + 1), "no_adapter")
                return None
            case = session.get(Case, row.case_id) if row.case_id else None
            try:
                key = self.vault.load(session, case.data_key_id if case else None)
                return decrypt(row, key), parent_ref
            except StorageError as exc:
                log.error("outbox row cannot be decrypted (%s); moved to dead letters", exc.code)
                row.last_error = exc.code
                release(row, "dead")
                return None

    def _deliver(self, row_id: str) -> bool:
        """Deliver one claimed row; a failure stays queued for a later try, isolated to its row."""
        prepared = self._prepare(row_id)
        if prepared is None:
            return False
        queued, parent_ref = prepared
        adapter = self.adapters[platform_of(queued.outbound.address)]
        try:
            if parent_ref is not None and isinstance(adapter, CanThread):
                ref = adapter.deliver_in_thread(queued.outbound, parent_ref)
            else:
                ref = adapter.deliver(queued.outbound)
        except RecipientGone:
            with transaction(self.sessions) as session:
                row = held(session, OutboxMessage, row_id, self.owner)
                if row is not None:
                    row.last_error = RecipientGone.code
                    release(row, "dead")
                    if (
                        self.on_recipient_gone is not None
                        and row.case_id
                        and row.kind == "reporter"
                    ):
                        self.on_recipient_gone(session, row.case_id)
            log.warning("recipient can no longer be reached; message moved to dead letters")
            return False
        except Exception as exc:  # noqa: BLE001 - any platform failure is retried, never lost
            with transaction(self.sessions) as session:
                row = held(session, OutboxMessage, row_id, self.owner)
                if row is not None:
                    retry_after = getattr(exc, "retry_after", None)
                    code = str(getattr(exc, "code", type(exc).__name__))
                    self._postpone(row, backoff(row.attempts + 1, retry_after), code)
            log.warning("delivery failed (%s); it stays queued", type(exc).__name__)
            return False
        with transaction(self.sessions) as session:
            row = session.get(OutboxMessage, row_id)
            if row is not None:
                row.platform_ref, row.sent_at = ref, self.clock()
                row.attempts += 1
                release(row, "sent")
        return True

    def _postpone(
        self, row: OutboxMessage, delay: timedelta, code: str, count: bool = True
    ) -> None:
        row.attempts += 1 if count else 0
        row.last_error = code[:80]
        if row.attempts >= self.max_attempts:
            log.error(
                "delivery gave up after %d attempts (%s); moved to dead letters",
                row.attempts,
                row.last_error,
            )
            release(row, "dead")
            return
        row.next_attempt_at = self.clock() + delay
        release(row, "pending")

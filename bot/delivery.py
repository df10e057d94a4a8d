"""The delivery sweep: claims due outbox rows and hands them to the right adapter."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from conversations.adapter import Adapter, CanThread
from conversations.outbox import decrypt
from storage.db import transaction
from storage.errors import StorageError
from storage.models import Case, OutboxMessage
from storage.queue import claim_outbox
from storage.vault import Vault

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=30)
WAIT_FOR_PARENT = timedelta(seconds=2)


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
    ) -> None:
        self.sessions = sessions
        self.vault = vault
        self.adapters = adapters
        self.clock = clock
        self.owner = owner or f"replica-{uuid.uuid4().hex[:8]}"

    def run_once(self, limit: int = 20) -> int:
        """Deliver what is due now; returns how many messages were delivered."""
        with transaction(self.sessions) as session:
            claimed = claim_outbox(session, self.owner, self.clock(), LEASE, limit)
        return sum(self._deliver(row_id) for row_id in claimed)

    def _deliver(self, row_id: str) -> bool:
        """Deliver one claimed row; a failure stays queued for a later try, isolated to its row."""
        with transaction(self.sessions) as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.lease_owner != self.owner or row.status != "sending":
                return False
            adapter = self.adapters.get(row.platform)
            parent_ref = None
            if row.thread_of is not None:
                parent = session.get(OutboxMessage, row.thread_of)
                parent_ref = parent.platform_ref if parent is not None else None
                if parent is not None and parent_ref is None:
                    self._postpone(row, WAIT_FOR_PARENT, "waiting_for_parent", count=False)
                    return False
            if adapter is None:
                self._postpone(row, backoff(row.attempts + 1), "no_adapter")
                return False
            case = session.get(Case, row.case_id) if row.case_id else None
            try:
                queued = decrypt(row, self.vault.load(session, case.data_key_id if case else None))
            except StorageError as exc:
                log.error("outbox row cannot be decrypted (%s); parked", exc.code)
                row.status, row.last_error = "dead", exc.code
                return False
        try:
            if parent_ref is not None and isinstance(adapter, CanThread):
                ref = adapter.deliver_in_thread(queued.outbound, parent_ref)
            else:
                ref = adapter.deliver(queued.outbound)
        except Exception as exc:  # noqa: BLE001 - any platform failure is retried, never lost
            retry_after = getattr(exc, "retry_after", None)
            with transaction(self.sessions) as session:
                row = session.get(OutboxMessage, row_id)
                if row is not None:
                    self._postpone(
                        row,
                        backoff(row.attempts + 1, retry_after),
                        getattr(exc, "code", type(exc).__name__),
                    )
            log.warning("delivery failed (%s); will retry", type(exc).__name__)
            return False
        with transaction(self.sessions) as session:
            row = session.get(OutboxMessage, row_id)
            if row is not None:
                row.status, row.platform_ref, row.sent_at = "sent", ref, self.clock()
                row.attempts += 1
                row.lease_owner = row.lease_expires_at = None
        return True

    def _postpone(
        self, row: OutboxMessage, delay: timedelta, code: str, count: bool = True
    ) -> None:
        row.status = "pending"
        row.attempts += 1 if count else 0
        row.next_attempt_at = self.clock() + delay
        row.last_error = code[:80]
        row.lease_owner = row.lease_expires_at = None

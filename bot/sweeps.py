"""The follow-up and purge sweeps that every replica runs, and their scheduler."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot.replica import replica_name, take_back
from conversations.cases import Purged, purge
from conversations.chat_log import purge_chat_messages
from conversations.followups import FollowUpActor
from conversations.org import Org
from storage.db import checkpoint, transaction
from storage.models import FollowUp
from storage.queue import claim, forget_paces, held
from storage.vault import Vault

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
DELIVER_SECONDS = 10  # the delivery worker's safety-net interval
FOLLOW_UP_SECONDS = 60
PURGE_SECONDS = 3600


class FollowUpSweep:
    """Claims due follow-ups with a lease and acts on them in one transaction per sweep."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        actor: FollowUpActor,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        owner: str | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self.sessions = sessions
        self.actor = actor
        self.clock = clock
        self.owner = owner or replica_name()
        self.lease = lease
        self._took_back = False

    def run_once(self, limit: int = 200) -> int:
        """Act on every follow-up due now; returns how many fired (the rest no longer applied)."""
        now = self.clock()
        with transaction(self.sessions) as session:
            if not self._took_back:  # what a killed process of this host held is due again
                take_back(session, FollowUp, self.owner)
                self._took_back = True
            claimed = claim(session, FollowUp, FollowUp.due_at, self.owner, now, self.lease, limit)
        if not claimed:
            return 0
        with transaction(self.sessions) as session:
            rows = [
                row
                for row_id in claimed
                if (row := held(session, FollowUp, row_id, self.owner)) is not None
            ]
            return self.actor.act(session, rows, now, sweep_id=uuid.uuid4().hex[:12])


class PurgeSweep:
    """Deletes expired drafts, closed cases past retention, and old event ids."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: Vault,
        org: Org,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions, self.vault, self.org, self.clock = sessions, vault, org, clock

    def run_once(self) -> Purged:
        with transaction(self.sessions) as session:
            purged = purge(session, self.vault, self.org, self.clock())
            purge_chat_messages(session, self.vault, self.clock())
            forget_paces(session, self.clock())
        if purged.drafts or purged.cases:
            checkpoint(self.sessions)  # erased keys leave the write-ahead log at once
        return purged


def start_scheduler(follow_ups: FollowUpSweep, purger: PurgeSweep) -> BackgroundScheduler:
    """Interval jobs in memory (nothing shared through a job store: the rows are the truth).

    Delivery runs in its own worker thread (bot.delivery.DeliveryWorker), woken at once
    after a change, so a slow platform never holds up the follow-ups, nor they it.
    """
    scheduler = BackgroundScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    )
    now = datetime.now(UTC)
    scheduler.add_job(
        _guarded(follow_ups.run_once),
        "interval",
        seconds=FOLLOW_UP_SECONDS,
        id="follow_ups",
        next_run_time=now,
    )
    scheduler.add_job(
        _guarded(purger.run_once), "interval", seconds=PURGE_SECONDS, id="purge", next_run_time=now
    )
    scheduler.start()
    return scheduler


def _guarded(job: Callable[[], object]) -> Callable[[], None]:
    """A sweep that fails is logged by type and tried again at its next interval."""

    def run() -> None:
        try:
            job()
        except Exception as exc:  # noqa: BLE001 - a sweep must never stop the scheduler
            log.error("sweep failed (%s); it runs again at its next interval", type(exc).__name__)

    return run

"""The delivery sweep: claims due outbox rows and hands them, one part at a time, to adapters.

Nothing is ever dropped as "dead" for being slow: a transient failure is retried with capped
backoff for `give_up_after` (the acknowledge deadline, 7 days by default); only then, or at
once for a permanent error (a bad address, a chat that is gone), is a row a dead letter —
kept, counted by `trygg doctor`, re-queued by `trygg outbox retry`, and the group's
escalation channel is told.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.replica import replica_name, take_back
from conversations.adapter import Adapter, CanEditMessage, HasOverallPace, HasPace, Sent
from conversations.chat_log import ChatLog
from conversations.errors import PermanentDeliveryError, RecipientGone
from conversations.outbox import (
    ALERT_EDIT,
    Queued,
    decrypt,
    decrypt_ref,
    encrypt_ref,
    platform_of,
)
from storage.crypto import DataKey
from storage.db import transaction
from storage.errors import ErasedError, StorageError
from storage.models import Case, OutboxMessage
from storage.queue import claim_outbox, due_exists, held, pace, release, reserve
from storage.vault import Vault

log = logging.getLogger(__name__)

# One part's send: the lease is renewed just before each send (so a batch never outlives
# it), and the platforms' HTTP timeouts are far shorter.
LEASE = timedelta(seconds=60)
# Destinations a running bot sends to at once: a platform answers in tens of milliseconds, so
# one at a time would stay far below Telegram's 30 messages a second. Each destination stays
# in order (one of its messages is claimed at a time); the default, for tools and tests, is 1.
PARALLEL = 8
# The next claim is made when no more than this many sends per thread are left to do.
REFILL = 2
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(days=7)
TIDY_EVERY = timedelta(minutes=1)

# Told about a dead letter: (session, row) inside the transaction that marks it dead.
DeadLetterHook = Callable[[Session, OutboxMessage], None]


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with jitter, capped; a platform's own retry-after wins when longer."""
    delay: timedelta = min(BASE_DELAY * (2 ** min(max(attempts - 1, 0), 20)), MAX_DELAY)
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
        give_up_after: timedelta = GIVE_UP_AFTER,
        parallel: int = 1,
    ) -> None:
        self.sessions = sessions
        self.parallel = parallel
        self.chat_log = ChatLog(sessions, vault, clock)
        self._pool: ThreadPoolExecutor | None = None
        self.vault = vault
        self.adapters = adapters
        self.clock = clock
        self.owner = owner or replica_name()
        self.give_up_after = give_up_after
        self._took_back = False
        self._tidied_at: datetime | None = None
        self.sleep: Callable[[float], None] = time.sleep  # waiting for an overall pace slot
        # Told when a reporter blocked the bot, so the group learns they cannot be reached.
        self.on_recipient_gone: Callable[[Session, str], None] | None = None
        # Told when a message to a group is a dead letter, so another group learns of it.
        self.on_dead_letter: DeadLetterHook | None = None

    def run_once(self, limit: int = 100, rounds: int = 20) -> int:
        """Send what may go now; returns how many parts went.

        A claim takes the first due message of each destination whose pace allows; one part
        of each is sent, several destinations at once; claims repeat (at most `rounds` that
        find something) while something may have become due (a destination's next message,
        the next part) — what must wait for its pace waits for a later run.
        """
        if not self._took_back:
            self.take_back()
        self._destroy_spent_keys()
        if self.parallel > 1:
            return self._pipeline(limit, rounds)
        total = 0
        for _ in range(rounds):
            with transaction(self.sessions) as session:
                claimed = claim_outbox(session, self.owner, self.clock(), LEASE, limit)
            sent = sum(self._deliver(row_id) for row_id in claimed)
            total += sent
            if not sent:
                break
        return total

    def _pipeline(self, limit: int, rounds: int) -> int:
        """Send with `parallel` threads and claim again while the last sends are in flight.

        Claiming only after a whole batch was sent left the threads idle for the batch's last
        round trips and the claim (bench/delivery_rate.py); here the next claim is made once
        no more than `REFILL` sends per thread are left, so the threads always have a part to
        send. The guarantees are the claim's and the row's, not the loop's: a destination's
        next message is not claimed while one of its messages is claimed (order), each row's
        lease is renewed just before its send, and a row this run still holds is never handed
        to a second thread (it is sent again, if claimed again, only after its send is done).
        """
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.parallel, "trygg-send")
        pool = self._pool
        flight: dict[Future[int], str] = {}  # each send under way (or queued) → its row
        again: set[str] = set()  # claimed anew while its previous send was finishing
        total = claims = 0
        may_claim = True  # false after a claim found nothing, until a send is done
        failure: BaseException | None = None
        while True:
            refill = len(flight) <= REFILL * self.parallel
            if refill and may_claim and failure is None and claims < rounds:
                with transaction(self.sessions) as session:
                    claimed = claim_outbox(session, self.owner, self.clock(), LEASE, limit)
                claims += 1 if claimed else 0
                may_claim = bool(claimed)
                busy = set(flight.values())
                for row_id in claimed:
                    if row_id in busy:
                        again.add(row_id)
                    else:
                        flight[pool.submit(self._deliver, row_id)] = row_id
            if not flight:
                break
            done, _ = wait(flight, return_when=FIRST_COMPLETED)
            for future in done:
                row_id = flight.pop(future)
                may_claim = True
                try:
                    total += future.result()
                except Exception as exc:  # noqa: BLE001 - raised once the others are done
                    failure = failure or exc
                if row_id in again:
                    again.discard(row_id)
                    flight[pool.submit(self._deliver, row_id)] = row_id
        if failure is not None:
            raise failure
        return total

    def _destroy_spent_keys(self) -> None:
        """Now and then, destroy the shared reply keys whose last reply has arrived."""
        now = self.clock()
        if self._tidied_at is not None and timedelta(0) <= now - self._tidied_at < TIDY_EVERY:
            return
        self._tidied_at = now
        with transaction(self.sessions) as session:
            self.vault.destroy_spent(session, now)

    def close(self) -> None:
        """Let the sending threads go (a part being sent finishes first)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def take_back(self) -> int:
        """Put back what a process of this host held when it was killed, so a restarted bot
        answers at once instead of after the lease; returns how many rows."""
        with transaction(self.sessions) as session:
            taken = take_back(session, OutboxMessage, self.owner)
        self._took_back = True
        if taken:
            log.info("took back %d outbox rows a stopped process had claimed", taken)
        return taken

    def drain(self, runs: int = 100) -> int:
        """Run until nothing more goes now (the console, tests); returns how many parts went."""
        total = 0
        for _ in range(runs):
            sent = self.run_once()
            if not sent:
                break
            total += sent
        return total

    def has_due(self) -> bool:
        with transaction(self.sessions) as session:
            return due_exists(session, self.clock())

    # --- one row ---------------------------------------------------------------------------

    def _key(self, session: Session, row: OutboxMessage) -> DataKey:
        if row.case_id is not None:
            case = session.get(Case, row.case_id)
            return self.vault.load(session, case.data_key_id if case else None)
        return self.vault.load(session, row.data_key_id)

    def _prepare(self, row_id: str) -> tuple[Queued, DataKey, datetime | None] | None:
        """Decrypt a claimed row (with its thread's parent reference) and keep its key for
        recording what was sent, and its slot in the platform's overall pace (None: none);
        None when it cannot go."""
        with transaction(self.sessions) as session:
            row = held(session, OutboxMessage, row_id, self.owner)
            if row is None:
                return None
            # Held now: the lease starts again, so no replica can take the row while its
            # part is being sent, however long the batch before it took.
            row.lease_expires_at = self.clock() + LEASE
            if row.platform not in self.adapters:
                self._postpone(session, row, backoff(row.attempts + 1), "no_adapter")
                return None
            try:
                key = self._key(session, row)
                queued = decrypt(row, key)
            except ErasedError:
                # The case was erased (or the reply's key destroyed): there is nothing to send.
                log.warning("outbox row's key is erased; the message is dropped with its case")
                session.delete(row)
                return None
            except StorageError as exc:
                # An unknown master key may come back (a restored environment): keep trying.
                log.error("outbox row cannot be decrypted (%s); it stays queued", exc.code)
                self._postpone(session, row, backoff(row.attempts + 1), exc.code)
                return None
            if row.thread_of is not None:
                parent = session.get(OutboxMessage, row.thread_of)
                parent_ref = decrypt_ref(parent, key) if parent is not None else None
                if parent_ref is not None:
                    queued = replace(queued, outbound=replace(queued.outbound, reply_to=parent_ref))
            return queued, key, self._slot(session, row.platform)

    def _slot(self, session: Session, platform: str) -> datetime | None:
        """This send's slot in the platform's overall pace, taken now (None without one)."""
        adapter = self.adapters[platform]
        if not isinstance(adapter, HasOverallPace) or adapter.overall_interval() <= 0:
            return None
        return reserve(session, f"{platform}:*", self.clock(), adapter.overall_interval())

    def _deliver(self, row_id: str) -> int:
        """Send the next part of one claimed row; a failure stays queued, isolated to its row."""
        prepared = self._prepare(row_id)
        if prepared is None:
            return 0
        queued, key, slot = prepared
        if slot is not None:  # a few slots ahead at most: well within the lease, renewed now
            delay = (slot - self.clock()).total_seconds()
            if delay > 0:
                self.sleep(delay)
        adapter = self.adapters[platform_of(queued.outbound.address)]
        try:
            if queued.kind == ALERT_EDIT:
                sent = self._edit(adapter, queued)
            else:
                sent = adapter.deliver(queued.outbound, part=queued.parts_sent)
        except PermanentDeliveryError as exc:
            if queued.kind == ALERT_EDIT:  # best effort: the alert stays as it was
                self._skip_edit(row_id, exc.code)
                return 0
            self._dead(row_id, exc.code, gone=isinstance(exc, RecipientGone))
            return 0
        except Exception as exc:  # noqa: BLE001 - any platform failure is retried, never lost
            retry_after = getattr(exc, "retry_after", None)  # RateLimited, or a library's own
            code = str(getattr(exc, "code", type(exc).__name__))
            self._failed(row_id, code, retry_after)
            log.warning("delivery failed (%s); it stays queued", code)
            return 0
        self._sent(row_id, queued, key, adapter, sent)
        return 1

    @staticmethod
    def _edit(adapter: Adapter, queued: Queued) -> Sent:
        """Edit the alert in place where the platform can; else there is nothing to do."""
        ref = queued.outbound.reply_to  # the alert's reference (its row is `thread_of`)
        if ref is not None and isinstance(adapter, CanEditMessage):
            adapter.edit(ref, replace(queued.outbound, reply_to=None))
        return Sent(ref or "", 1)

    def _skip_edit(self, row_id: str, code: str) -> None:
        """An alert that cannot be edited (too long, too old, gone) keeps its old state: the
        edit is done with, not a dead letter (the thread says what happened)."""
        with transaction(self.sessions) as session:
            row = held(session, OutboxMessage, row_id, self.owner)
            if row is not None:
                row.attempts += 1
                row.last_error = code[:80]
                row.sent_at = self.clock()
                release(row, "sent")
        log.info("an alert could not be edited (%s); it keeps its old state", code)

    def _sent(
        self, row_id: str, queued: Queued, key: DataKey, adapter: Adapter, sent: Sent
    ) -> None:
        now = self.clock()
        with transaction(self.sessions) as session:
            row = held(session, OutboxMessage, row_id, self.owner)
            if row is None:  # the lease ran out and another replica took the row over
                log.warning("a part was sent after its claim ran out; it may be sent twice")
                return
            if isinstance(adapter, HasPace):
                gap = adapter.pace(queued.outbound.address)
                if gap > 0:
                    pace(session, row.destination, now + timedelta(seconds=gap))
            if sent.keep:  # in a private chat: /forget may delete it within 47 hours
                self.chat_log.add(session, queued.outbound.address, sent.ref)
            if row.parts_sent == 0:
                row.platform_ref = encrypt_ref(row, key, sent.ref)
            row.parts_sent += 1
            if row.parts_sent < sent.parts:
                row.next_attempt_at = now
                release(row, "pending")  # the next part goes when the destination's pace allows
                return
            row.attempts += 1
            if row.case_id is None:
                self._forget(session, row)  # a direct reply: once it arrived, nothing is kept
                return
            row.sent_at = now
            release(row, "sent")

    def _forget(self, session: Session, row: OutboxMessage) -> None:
        key_id = row.data_key_id
        session.delete(row)
        session.flush()
        if key_id:
            self.vault.destroy_spent(session, self.clock(), key_id)

    def _failed(self, row_id: str, code: str, retry_after: float | None) -> None:
        now = self.clock()
        with transaction(self.sessions) as session:
            row = held(session, OutboxMessage, row_id, self.owner)
            if row is None:
                return
            if retry_after is not None:  # the platform paused this destination, not the order
                pace(session, row.destination, now + timedelta(seconds=retry_after))
            if now - row.created_at >= self.give_up_after:
                row.attempts += 1
                self._bury(session, row, code)
                return
            self._postpone(session, row, backoff(row.attempts + 1, retry_after), code)

    def _postpone(self, session: Session, row: OutboxMessage, delay: timedelta, code: str) -> None:
        row.attempts += 1
        row.last_error = code[:80]
        row.next_attempt_at = self.clock() + delay
        release(row, "pending")

    def _dead(self, row_id: str, code: str, *, gone: bool) -> None:
        with transaction(self.sessions) as session:
            row = held(session, OutboxMessage, row_id, self.owner)
            if row is None:
                return
            row.attempts += 1
            self._bury(session, row, code)
            reporter = row.kind == "reporter" and row.case_id is not None
            if gone and reporter and self.on_recipient_gone is not None:
                self.on_recipient_gone(session, str(row.case_id))

    def _bury(self, session: Session, row: OutboxMessage, code: str) -> None:
        """A dead letter: kept, counted by doctor, re-queued on command; another group is told."""
        row.last_error = code[:80]
        release(row, "dead")
        log.error("a message could not be delivered (%s); it is kept as a dead letter", code)
        if self.on_dead_letter is not None and row.kind in ("alert", "post", "nudge"):
            try:
                with session.begin_nested():
                    self.on_dead_letter(session, row)
            except Exception as exc:  # noqa: BLE001 - the dead letter itself must be kept
                log.error("could not report a dead letter (%s)", type(exc).__name__)


def requeue(session: Session, now: datetime, case_id: str | None = None) -> int:
    """Dead letters (of one case, or all) become due again now; returns how many."""
    query = select(OutboxMessage).where(OutboxMessage.status == "dead")
    if case_id is not None:
        query = query.where(OutboxMessage.case_id == case_id)
    count = 0
    for row in session.scalars(query):
        row.status, row.next_attempt_at, row.created_at = "pending", now, now
        row.last_error = None
        count += 1
    return count


class DeliveryWorker:
    """Runs the delivery sweep in a thread of its own: at once when woken, else every interval.

    While something is due but waiting for a destination's pace, it looks again shortly.
    """

    def __init__(self, sweep: DeliverySweep, interval: float = 10.0, busy: float = 0.25) -> None:
        self.sweep = sweep
        self.interval = interval
        self.busy = busy
        self._event = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="trygg-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._event.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the part being sent (its claim is released or expires), then stop."""
        self._stopping = True
        self._event.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if not self._thread.is_alive():
            self.sweep.close()

    def _run(self) -> None:
        while not self._stopping:
            wait = self.interval
            try:
                if self.sweep.run_once():
                    continue
                if self.sweep.has_due():
                    wait = self.busy
            except Exception as exc:  # noqa: BLE001 - a failed sweep must not stop delivery
                log.error("delivery sweep failed (%s); it runs again shortly", type(exc).__name__)
            self._event.wait(wait)
            self._event.clear()

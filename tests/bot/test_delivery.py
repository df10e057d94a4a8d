"""The delivery sweep: order per destination, parts that resume, pace, retries, dead letters."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm.exc import StaleDataError

from adapters.console import GROUP_PREFIX
from bot.delivery import LEASE, TIDY_EVERY, DeliverySweep, backoff, requeue
from bot.sweeps import PurgeSweep
from conversations.adapter import Sent
from conversations.errors import PermanentDeliveryError, RateLimited
from conversations.fairness import Fairness
from conversations.messages import Outbound
from conversations.outbox import destination_of, enqueue
from storage.health import health
from storage.models import DataKeyRow, DestinationPace, OutboxMessage
from storage.queue import claim_outbox, pace
from storage.vault import REPLY_KEY_KEPT
from tests.chat import Chat, the_case
from tests.conftest import RecordingConsole
from tests.conversations.test_intake import file_report

REGION = f"{GROUP_PREFIX}region"


class RetryAfter(Exception):
    """A platform's flood-control error, as the platform libraries raise it."""

    def __init__(self, seconds: float) -> None:
        super().__init__("flood control")
        self.retry_after = seconds


class PartsConsole(RecordingConsole):
    """The console, but a message is sent in parts (split at '|'), paced like a platform."""

    def __init__(self, gap: float = 0.0) -> None:
        super().__init__()
        self.gap = gap
        self.parts_sent: list[str] = []

    def deliver(self, outbound: Outbound, part: int = 0) -> Sent:
        pieces = outbound.text.split("|")
        if self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                raise failure
        self.parts_sent.append(pieces[part])
        return Sent(f"console:{len(self.parts_sent)}", len(pieces))

    def pace(self, address: str) -> float:
        return self.gap


def queue(engine, clock, text: str, address: str = REGION) -> None:
    """Queue one message to a group channel under the only case (as a desk post would be)."""
    from tests.chat import the_case

    case = the_case(engine)
    with engine.sessions() as session, session.begin():
        case = session.merge(case)
        engine.notifier.to_channel(session, case, "region", text, clock[0], key=text[:40])


def statuses(engine) -> list[str]:
    with engine.sessions() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.seq)))


def test_backoff_grows_is_capped_and_honours_retry_after():
    """Each attempt waits longer (with jitter), at most 30 minutes, never less than asked."""
    assert backoff(1) <= timedelta(seconds=5) < backoff(6)
    assert backoff(500) <= timedelta(minutes=30)
    assert backoff(1, retry_after=120) >= timedelta(seconds=120)


def test_platform_retry_after_is_honoured(engine, sweep, console, clock):
    """A 'retry after 90 s' keeps the message queued for at least 90 s, then it goes."""
    file_report(Chat(engine, locale="en"), "en")
    console.failures.append(RetryAfter(90))
    assert sweep.run_once() == 0
    clock[0] += timedelta(seconds=89)
    assert sweep.run_once() == 0
    clock[0] += timedelta(seconds=2)
    assert sweep.run_once() == 1


def test_an_outage_of_three_days_loses_nothing_and_sends_once(engine, sweep, console, clock):
    """Every try fails for three days; when the platform is back, the alert goes exactly once."""
    file_report(Chat(engine, locale="en"), "en")
    end = clock[0] + timedelta(days=3)
    tries = 0
    while clock[0] < end:
        console.failures.append(ConnectionError("down"))
        tries += 1 if sweep.run_once() == 0 and not console.failures else 0
        clock[0] += timedelta(minutes=31)
    console.failures.clear()
    sweep.drain()
    assert tries > 12  # more than the old limit of twelve tries
    assert statuses(engine) == ["sent"]
    assert len([o for o in console.sent if o.address == REGION]) == 1


def test_after_the_acknowledge_deadline_it_is_a_dead_letter_and_others_are_told(
    engine, console, clock
):
    """Only after `give_up_after` is it dead: kept, counted by doctor, the escalation told."""
    file_report(Chat(engine, locale="en"), "en")
    sweep = DeliverySweep(
        engine.sessions,
        engine.vault,
        {"console": console},
        clock=lambda: clock[0],
        give_up_after=timedelta(hours=2),
    )
    sweep.on_dead_letter = lambda s, row: engine.notifier.undeliverable(
        s, row.case_id, row.kind, clock[0]
    )
    for _ in range(6):
        console.failures.append(ConnectionError("down"))
        sweep.run_once()
        clock[0] += timedelta(minutes=31)
    with engine.sessions() as session:
        found = health(session, clock[0], engine.vault.keyring.current)
    assert "dead" in statuses(engine)
    assert found.outbox_dead == 1
    sweep.drain()
    notice = [o for o in console.sent if o.address == f"{GROUP_PREFIX}sentral"]
    assert notice and "kunne ikke leveres" in notice[-1].text  # the desk speaks Norwegian
    with engine.sessions() as session, session.begin():
        assert requeue(session, clock[0]) == 1
    sweep.drain()
    assert any(o.address == REGION for o in console.sent)
    assert "dead" not in statuses(engine)


def test_a_permanent_error_is_a_dead_letter_at_once(engine, sweep, console, clock):
    """A chat that is gone is not retried for days: dead now, and reported."""
    file_report(Chat(engine, locale="en"), "en")
    console.failures.append(PermanentDeliveryError("chat not found"))
    assert sweep.run_once() == 0
    with engine.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert")).one()
    assert (row.status, row.last_error) == ("dead", "permanent")


def test_a_429_on_part_two_sends_part_two_next(engine, clock):
    """Parts already sent are never posted again: the retry resumes at the first part not sent."""
    console = PartsConsole()
    sweep = DeliverySweep(
        engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0]
    )
    file_report(Chat(engine, locale="en"), "en")
    sweep.drain()
    queue(engine, clock, "one|two|three")
    console.failures.append(None)  # type: ignore[arg-type]  # part one goes
    console.failures.append(RateLimited(30))  # part two is refused
    assert sweep.run_once() == 1
    assert console.parts_sent[-1] == "one"
    clock[0] += timedelta(seconds=31)
    sweep.drain()
    assert console.parts_sent[-3:] == ["one", "two", "three"]
    assert console.parts_sent.count("one") == 1


def test_messages_to_one_destination_keep_their_order(engine, sweep, console, clock):
    """A failed first message holds back the second to the same place, not other places."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    console.failures.append(ConnectionError("down"))
    assert sweep.run_once() == 0  # the alert fails and backs off
    queue(engine, clock, "second")
    assert sweep.run_once() == 0  # waits behind the alert
    clock[0] += timedelta(minutes=10)
    assert sweep.drain() == 2
    texts = [o.text for o in console.sent if o.address == REGION]
    assert texts[-1] == "second" and "K-" in texts[-2]


def test_pace_is_kept_in_the_database_across_replicas(engine, clock):
    """With a pace of 2 s, a second replica does not send to the same place sooner."""
    console = PartsConsole(gap=2.0)
    one, two = (
        DeliverySweep(
            engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0], owner=name
        )
        for name in ("one", "two")
    )
    file_report(Chat(engine, locale="en"), "en")
    one.drain()
    queue(engine, clock, "a")
    queue(engine, clock, "b")
    clock[0] += timedelta(seconds=2)
    assert one.run_once() == 1
    assert two.run_once() == 0  # paced
    clock[0] += timedelta(seconds=2)
    assert two.run_once() == 1
    assert console.parts_sent[-2:] == ["a", "b"]


def test_a_crashed_replicas_claim_is_taken_over_after_the_lease(engine, console, clock):
    """A claim whose holder died is taken over once its lease expires (on SQLite too)."""
    file_report(Chat(engine, locale="en"), "en")
    dead = DeliverySweep(engine.sessions, engine.vault, {}, clock=lambda: clock[0], owner="dead")
    from storage.queue import claim_outbox

    with engine.sessions() as session, session.begin():
        assert claim_outbox(session, dead.owner, clock[0], LEASE, 10)
    alive = DeliverySweep(
        engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0], owner="b"
    )
    assert alive.run_once() == 0  # still leased
    clock[0] += LEASE + timedelta(seconds=1)
    assert alive.run_once() == 1
    assert statuses(engine) == ["sent"]


def test_a_direct_reply_leaves_nothing_behind_once_delivered(engine, sweep, console, clock):
    """The engine's replies are queued durably; once delivered their rows are gone, and the key
    the replies of that minute shared is destroyed once it is past its time."""
    replies = engine.handle(Chat(engine).console.inbound("hei"))
    assert replies
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        keys = session.scalar(select(func.count()).select_from(DataKeyRow))
    sweep.drain()
    assert console.sent[-1].text == replies[0].text
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    clock[0] += REPLY_KEY_KEPT + TIDY_EVERY
    sweep.run_once()
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DataKeyRow)) == keys - 1


def test_replies_share_a_key_for_a_minute_and_a_key_in_use_is_never_destroyed(
    engine, sweep, console, clock
):
    """Guards the shared reply key: turns within a minute insert no key; the sweep, run
    between them, leaves the key the engine still uses; after a minute a new key is made."""
    chat = Chat(engine)

    def reply_keys() -> set[str]:
        with engine.sessions() as session:
            return set(session.scalars(select(DataKeyRow.id).where(DataKeyRow.purpose == "reply")))

    engine.handle(chat.console.inbound("hei"))
    first = reply_keys()
    for seconds in (20, 20, 15):
        sweep.drain()  # every reply delivered: no row uses the key any more
        clock[0] += timedelta(seconds=seconds)
        assert engine.handle(chat.console.inbound("hei"))  # fails if its key had gone
        assert reply_keys() == first
    clock[0] += timedelta(seconds=10)  # 65 s after the key was made
    engine.handle(chat.console.inbound("hei"))
    assert len(reply_keys()) == 2
    sweep.drain()
    clock[0] += REPLY_KEY_KEPT + TIDY_EVERY
    sweep.run_once()
    assert reply_keys() == set()


def destroy_reply_keys(engine) -> None:
    """Destroy the replies' shared keys behind the engine's back (as a replica far ahead would)."""
    with engine.sessions() as session, session.begin():
        session.execute(delete(DataKeyRow).where(DataKeyRow.purpose == "reply"))


def test_a_reply_key_destroyed_under_the_engine_costs_no_message(engine, sweep, console):
    """Guards the retry: when the shared reply key is gone (another replica destroyed it,
    its clock far ahead), the turn is applied with a new key — the answer is kept and the
    person gets the reply."""
    chat = Chat(engine)
    engine.handle(chat.console.inbound("/start"))
    sweep.drain()
    destroy_reply_keys(engine)
    replies = engine.handle(chat.console.inbound("/help"))
    assert replies and "problem" not in replies[0].text
    sweep.drain()
    assert console.sent[-1].text == replies[-1].text


def test_a_gone_reply_key_is_replaced_on_any_try_and_for_replies_sent_alone(
    engine, sweep, console, monkeypatch
):
    """Guards the retry on every path: a turn that first meets a concurrent write and then
    the gone key is still applied, and the too-fast warning (queued on its own) still goes."""
    chat = Chat(engine)
    engine.handle(chat.console.inbound("/start"))
    sweep.drain()

    destroy_reply_keys(engine)
    handle = engine._handle
    tries = [0]

    def concurrent_once(*args, **kwargs):
        tries[0] += 1
        if tries[0] == 1:
            raise StaleDataError("another turn of the same person wrote first")
        return handle(*args, **kwargs)

    monkeypatch.setattr(engine, "_handle", concurrent_once)
    replies = engine.handle(chat.console.inbound("/help"))
    assert tries[0] == 3 and replies  # concurrent write, gone key, then applied
    monkeypatch.setattr(engine, "_handle", handle)
    sweep.drain()
    destroy_reply_keys(engine)
    engine.fairness = Fairness(burst=0, per_minute=1, clock=lambda: 0.0)
    warned = engine.handle(chat.console.inbound("hei"))
    assert warned and warned[0].text == engine.intake.translator("nb").t("problem.too_fast")


def test_a_restarted_process_takes_back_what_its_killed_self_held(engine, console, clock):
    """Guards DeliverySweep.take_back: a claim whose process on this host has ended is due at
    once (a bot restarted after SIGKILL answers without waiting out the lease); a claim held
    by a live process, or by a process on another host, still waits for its lease."""
    import os
    import socket
    import subprocess

    from bot.replica import replica_name
    from storage.queue import claim_outbox

    file_report(Chat(engine, locale="en"), "en")
    host = socket.gethostname()[:40]
    child = subprocess.Popen(["sleep", "0"])  # noqa: S607 - its pid is surely gone after wait
    child.wait()
    owners = {
        "elsewhere": f"another-host/{child.pid}/aaaaaaaa",
        "alive": f"{host}/{os.getppid()}/bbbbbbbb",
    }
    for owner in owners.values():
        with engine.sessions() as session, session.begin():
            assert claim_outbox(session, owner, clock[0], LEASE, 10)
        alive = DeliverySweep(
            engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0]
        )
        assert alive.run_once() == 0  # still leased
        with engine.sessions() as session, session.begin():
            session.execute(OutboxMessage.__table__.update().values(status="pending"))
    with engine.sessions() as session, session.begin():
        assert claim_outbox(session, f"{host}/{child.pid}/cccccccc", clock[0], LEASE, 10)
    restarted = DeliverySweep(
        engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0]
    )
    assert restarted.owner.startswith(f"{host}/{os.getpid()}/")
    assert replica_name() != restarted.owner
    assert restarted.run_once() == 1
    assert statuses(engine) == ["sent"]


class SlowConsole(PartsConsole):
    """Each send takes longer than a lease; while it is in flight another replica claims."""

    def __init__(self, engine, clock) -> None:
        super().__init__()
        self.engine, self.clock = engine, clock
        self.taken: list[str] = []

    def deliver(self, outbound: Outbound, part: int = 0) -> Sent:
        with self.engine.sessions() as session, session.begin():
            self.taken += claim_outbox(session, "other", self.clock[0], LEASE, 10)
        self.clock[0] += LEASE + timedelta(seconds=1)
        return super().deliver(outbound, part)


def test_a_batch_never_outlives_its_lease(engine, clock):
    """Guards the lease renewal before each send: when the sends before it took longer than
    the lease, a claimed row is still not taken over (and sent twice) while it is sent."""
    file_report(Chat(engine, locale="en"), "en")
    queue(engine, clock, "to the group")
    with engine.sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage).values(destination=func.substr(OutboxMessage.id, 1, 8))
        )  # every row its own destination: all claimed in one batch
    slow = SlowConsole(engine, clock)
    sweep = DeliverySweep(
        engine.sessions, engine.vault, {"console": slow}, clock=lambda: clock[0], owner="a",
        parallel=1,
    )  # fmt: skip
    assert sweep.run_once(rounds=1) >= 2
    assert slow.taken == []
    assert set(statuses(engine)) == {"sent"}


def test_several_destinations_are_sent_to_at_once_each_in_order(engine, clock):
    """Parallel sending: every destination's messages still arrive in their order."""
    file_report(Chat(engine, locale="en"), "en")
    console = PartsConsole()
    sweep = DeliverySweep(
        engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0], parallel=4
    )
    sweep.drain()
    case = the_case(engine)
    with engine.sessions() as session, session.begin():
        case = session.merge(case)
        for number in range(6):
            for group in ("region", "sentral"):
                text = f"{group}-{number}"
                engine.notifier.to_channel(session, case, group, text, clock[0], key=text)
    assert sweep.drain() == 12
    for place in ("region", "sentral"):
        sent = [text for text in console.parts_sent if text.startswith(place)]
        assert sent == [f"{place}-{number}" for number in range(6)]


def test_paces_that_hold_nothing_back_are_purged(engine, org, clock):
    """Guards the bound on paces: a destination's pace row goes an hour after it ran out, so
    the table does not keep one row per destination ever written to."""
    with engine.sessions() as session, session.begin():
        pace(session, "old", clock[0] - timedelta(hours=2))
        pace(session, "recent", clock[0] + timedelta(seconds=3))
    PurgeSweep(engine.sessions, engine.vault, org, clock=lambda: clock[0]).run_once()
    with engine.sessions() as session:
        assert list(session.scalars(select(DestinationPace.destination))) == ["recent"]


class OverlapConsole(PartsConsole):
    """Checks, at each send, what the pipelined sweep must guarantee: no second send to the
    same place at once, and the row being sent leased to the sweep since after the sending
    thread's previous send (renewed just before, not left with its claim's lease). Each send
    takes real time (so the threads overlap) and moves the clock a twentieth of a lease, so
    claimed rows that wait behind twenty sends would otherwise be sent without a lease."""

    def __init__(self, engine, clock, owner: str, addresses: list[str]) -> None:
        super().__init__()
        self.engine, self.clock, self.owner = engine, clock, owner
        self.destination = {a: destination_of(engine.vault, a) for a in addresses}
        self.lock = threading.Lock()
        self.in_flight: set[str] = set()
        self.thread = threading.local()  # the clock when this thread's previous send was done
        self.faults: list[str] = []
        self.by_address: dict[str, list[str]] = {a: [] for a in addresses}

    def deliver(self, outbound: Outbound, part: int = 0) -> Sent:
        address = outbound.address
        with self.lock:
            if address in self.in_flight:
                self.faults.append(f"two sends at once to {address}")
            self.in_flight.add(address)
        previous = getattr(self.thread, "done_at", None)
        with self.engine.sessions() as session:
            leases = session.scalars(
                select(OutboxMessage.lease_expires_at).where(
                    OutboxMessage.destination == self.destination[address],
                    OutboxMessage.status == "claimed",
                    OutboxMessage.lease_owner == self.owner,
                )
            ).all()
        if len(leases) != 1 or (previous is not None and leases[0] < previous + LEASE):
            self.faults.append(f"{address}: sent without a lease renewed ({leases})")
        time.sleep(0.001)
        try:
            sent = super().deliver(outbound, part)
            with self.lock:
                self.by_address[address].append(outbound.text.split("|")[part])
                self.clock[0] += LEASE / 20
                self.thread.done_at = self.clock[0]
            return sent
        finally:
            with self.lock:
                self.in_flight.discard(address)


def test_the_pipelined_sweep_keeps_order_and_each_send_under_a_lease(engine, clock):
    """Guards the claim-while-sending loop (parallel > 1): a destination gets one part at a
    time, in order, each exactly once, each under a lease renewed just before it, though claims
    overlap sends and claimed rows wait longer than the lease they were claimed with."""
    addresses = [f"console:place{number}" for number in range(40)]
    console = OverlapConsole(engine, clock, "a", addresses)
    with engine.sessions() as session, session.begin():
        key = engine.vault.create(session)
        for number in range(3):
            for address in addresses:
                text = f"{number}a|{number}b" if number == 1 else f"{number}"
                enqueue(
                    session, engine.vault, None, Outbound(address, text), kind="reply",
                    key=f"m{number}", now=clock[0], data_key=key,
                )  # fmt: skip
    sweep = DeliverySweep(
        engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0], owner="a",
        parallel=3,
    )  # fmt: skip
    try:
        assert sweep.drain() == 160
    finally:
        sweep.close()
    assert console.faults == []
    assert console.by_address == {a: ["0", "1a", "1b", "2"] for a in addresses}


class PacedConsole(RecordingConsole):
    """A console whose platform allows two messages a second for the whole bot."""

    def overall_interval(self) -> float:
        return 0.5


def test_the_overall_pace_holds_across_replicas(engine, clock):
    """Guards the overall slots in the database: two replicas sending to six people at the
    same frozen moment get slots half a second apart, shared, none twice, and each waits
    for its own slot before it sends."""
    console = PacedConsole()
    waits: list[float] = []
    sweeps = []
    for name in ("replica-a", "replica-b"):
        sweep = DeliverySweep(
            engine.sessions, engine.vault, {"console": console}, clock=lambda: clock[0], owner=name
        )
        sweep.sleep = waits.append
        sweeps.append(sweep)
    for number in range(6):
        engine.handle(Chat(engine, user_id=f"person-{number}").console.inbound("hei"))
    sent = sweeps[0].run_once(limit=3) + sweeps[1].run_once(limit=3)
    sent += sweeps[0].run_once() + sweeps[1].run_once()
    assert sent == len(console.sent) == 6
    assert sorted(waits) == [0.5, 1.0, 1.5, 2.0, 2.5]  # the first slot is now: no wait

"""Several replicas on one PostgreSQL database: every row is worked exactly once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlalchemy import select

from bot.channels import AdapterChannels
from bot.delivery import DeliverySweep
from bot.sweeps import FollowUpSweep
from conversations.engine import Engine
from conversations.followups import FollowUpActor
from storage.db import session_factory, transaction
from storage.models import Conversation, FollowUp, OutboxMessage
from storage.queue import claim
from storage.vault import Vault, place
from tests.chat import Chat
from tests.conftest import NOW
from tests.conversations.test_bad_input import start_what_step
from tests.conversations.test_intake import file_report

REPORTS = 6


def pg_engine(pg, keyring, org, clock, console) -> Engine:
    channels = AdapterChannels(org, [console])
    engine = Engine(session_factory(pg), Vault(keyring), org, channels, clock=lambda: clock[0])
    for n in range(REPORTS):
        file_report(Chat(engine, user_id=f"reporter-{n}", locale="en"), "en")
    return engine


def in_parallel(*jobs):
    """Start the jobs together and return their results."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index, job):
        barrier.wait()
        results[index] = job()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def one_at_a_time(sweeper) -> int:
    """Many small claims, so the two replicas' claims interleave as much as possible."""
    return sum(sweeper.run_once(limit=1) for _ in range(REPORTS + 2))


def test_two_follow_up_sweepers_fire_each_follow_up_once(pg, keyring, org, clock, console):
    """Two replicas sweeping at the same moment fire every due follow-up exactly once."""
    engine = pg_engine(pg, keyring, org, clock, console)
    clock[0] = NOW + timedelta(hours=24)
    sweepers = [
        FollowUpSweep(
            engine.sessions,
            FollowUpActor(engine.notifier),
            clock=lambda: clock[0],
            owner=f"replica-{n}",
        )
        for n in (1, 2)
    ]
    fired = in_parallel(*(lambda s=s: one_at_a_time(s) for s in sweepers))
    assert sum(fired) == REPORTS
    with engine.sessions() as session:
        done = session.scalars(
            select(FollowUp).where(FollowUp.kind == "ack_nudge", FollowUp.status == "done")
        ).all()
    assert len(done) == REPORTS
    assert all(row.attempts == 1 for row in done)


def test_two_delivery_sweepers_send_each_message_once(pg, keyring, org, clock, console):
    """Two replicas delivering at once send every alert exactly once."""
    engine = pg_engine(pg, keyring, org, clock, console)
    sweepers = [
        DeliverySweep(
            engine.sessions,
            engine.vault,
            {"console": console},
            clock=lambda: clock[0],
            owner=f"replica-{n}",
        )
        for n in (1, 2)
    ]
    delivered = in_parallel(*(lambda s=s: one_at_a_time(s) for s in sweepers))
    assert sum(delivered) == REPORTS
    texts = [o.text for o in console.sent]
    assert len(texts) == len(set(texts)) == REPORTS


def test_rows_of_a_crashed_sweeper_are_taken_over_after_its_lease(pg, keyring, org, clock, console):
    """A replica that claimed rows and died holds them only until its lease expires."""
    engine = pg_engine(pg, keyring, org, clock, console)
    clock[0] = NOW + timedelta(hours=24)
    lease = timedelta(minutes=5)
    with transaction(engine.sessions) as session:
        taken = claim(session, FollowUp, FollowUp.due_at, "crashed-replica", clock[0], lease)
    assert len(taken) >= REPORTS
    survivor = FollowUpSweep(
        engine.sessions,
        FollowUpActor(engine.notifier),
        clock=lambda: clock[0],
        owner="survivor",
        lease=lease,
    )
    assert survivor.run_once() == 0
    clock[0] += lease + timedelta(seconds=1)
    assert survivor.run_once() == REPORTS


def test_two_messages_from_one_person_at_once_are_both_kept(pg, keyring, org, clock, console):
    """Two messages from the same reporter handled at the same moment both land in the draft:
    one as what happened, the other as the answer to the question after it (each answered)."""
    channels = AdapterChannels(org, [console])
    engine = Engine(session_factory(pg), Vault(keyring), org, channels, clock=lambda: clock[0])
    chat = Chat(engine, user_id="hurried")
    start_what_step(chat)
    first, second = chat.console.inbound("first part"), chat.console.inbound("second part")
    answers = in_parallel(lambda: engine.handle(first), lambda: engine.handle(second))
    assert all(answers)  # each got an answer
    with engine.sessions() as session:
        conversation = session.scalars(select(Conversation)).one()
        key = engine.vault.load(session, conversation.data_key_id)
        assert conversation.draft is not None
        draft = json.loads(
            key.decrypt(conversation.draft, place("conversations", conversation.id, "draft"))
        )
    kept = [*draft["what"], draft.get("when", {}).get("words")]
    assert sorted(k for k in kept if k) == ["first part", "second part"]


def test_a_reply_key_is_not_destroyed_under_a_turn_that_has_not_committed(
    pg, keyring, org, clock, console
):
    """Guards the lock in Vault.destroy_spent: a replica whose clock is far ahead finds the
    replies' shared key old and unused, but a turn is writing replies under it right now;
    the key is left alone (the replies keep their key and arrive), not deleted under them."""
    channels = AdapterChannels(org, [console])
    engine = Engine(session_factory(pg), Vault(keyring), org, channels, clock=lambda: clock[0])
    chat = Chat(engine)  # its replies count as delivered: the shared key is used by none
    chat.send("/start")
    writing, sweeping = threading.Event(), threading.Event()
    queue = engine._queue

    def queue_then_wait(session, inbound, replies):
        queue(session, inbound, replies)
        session.flush()
        writing.set()
        sweeping.wait(10)  # the other replica sweeps while this turn is not committed

    engine._queue = queue_then_wait  # type: ignore[method-assign]
    turn = threading.Thread(target=lambda: engine.handle(chat.console.inbound("/help")))
    turn.start()
    assert writing.wait(10)
    vault = Vault(keyring)
    with transaction(session_factory(pg)) as session:
        destroyed = vault.destroy_spent(session, NOW + timedelta(hours=1))
    sweeping.set()
    turn.join(10)
    assert destroyed == 0
    with pg.connect() as conn:
        keys = conn.execute(select(OutboxMessage.data_key_id)).scalars().all()
    assert keys and all(key is not None for key in keys)

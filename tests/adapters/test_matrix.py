"""The Matrix adapter against a real Synapse on loopback, driving the real engine and sweep.

People (reporter, handler, stranger) are separate accounts speaking the client-server API
with plain HTTP requests; the bot is the adapter's `serve` on its own event loop in a
background thread, with the engine storing each turn and the delivery sweep sending.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from adapters.matrix import (
    ADAPTER,
    MAX_PART,
    MatrixAdapter,
    delivery_error,
    parse_address,
    parse_ref,
    render,
    split_text,
)
from bot.channels import AdapterChannels
from bot.delivery import DeliverySweep
from conversations.engine import Engine
from conversations.errors import (
    AdapterConfigError,
    PermanentDeliveryError,
    RateLimited,
    RecipientGone,
)
from conversations.messages import Choice, Outbound
from storage.db import session_factory
from storage.models import AuditEntry, Case, Conversation, OutboxMessage
from storage.vault import Vault
from tests.adapters.synapse import Person, Synapse
from tests.chat import count, the_case

WAIT = 15.0
CHOICE = re.compile(r"^(\d+)\) (.+?)(: /\w+ K-[A-Z0-9]{6}( …)?)?$")


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory):
    reason = Synapse.unavailable()
    if reason:
        pytest.skip(reason)
    server = Synapse(Path(tmp_path_factory.mktemp("synapse")))
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"Synapse could not be started: {exc}")
    yield server
    server.stop()


class Rig:
    """Synapse, the bot (adapter + engine + sweep, restartable) and the people in its rooms."""

    def __init__(self, server: Synapse, db, keyring, org, clock, *, encrypted_desk=False):
        self.server = server
        self.db, self.keyring, self.clock = db, keyring, clock
        self.bot = server.register("trygg")
        self.handler = server.register("handler")
        self.desk = self.handler.create_room(
            (self.bot.user_id,), encrypted=encrypted_desk, name="Varslingsgruppen"
        )
        groups = (
            org.groups[0].model_copy(update={"channels": {"matrix": self.desk}}),
            org.groups[1].model_copy(update={"channels": {}}),
        )
        self.org = org.model_copy(update={"groups": groups})
        self.handled: set[str] = set()
        self.changed = threading.Condition()
        self.thread: threading.Thread | None = None
        self.build()

    def build(self) -> None:
        """A new adapter, engine and sweep over the same database (as after a restart)."""
        self.adapter = MatrixAdapter(
            self.server.url,
            self.bot.user_id,
            access_token=self.bot.token,
            language=self.org.default_language,
            pace_seconds=0.0,
            sync_timeout_ms=5000,
        )
        channels = AdapterChannels(self.org, [self.adapter])
        clock = self.clock
        self.engine = Engine(
            session_factory(self.db),
            Vault(self.keyring),
            self.org,
            channels,
            clock=lambda: clock[0],
        )
        self.sweep = DeliverySweep(
            self.engine.sessions,
            self.engine.vault,
            {"matrix": self.adapter},
            clock=lambda: clock[0],
        )
        self.sweep.on_recipient_gone = lambda s, case_id: self.engine.notifier.reporter_unreachable(
            s, case_id, clock[0]
        )
        self.adapter.start(self.handle)

    def handle(self, inbound):
        """The engine stores the turn; its replies are delivered, as the worker would."""
        try:
            replies = self.engine.handle(inbound)
            self.sweep.drain()
            return replies
        finally:
            with self.changed:
                self.handled.add(inbound.event_id)
                self.changed.notify_all()

    # --- the bot's life ------------------------------------------------------------------

    def run(self) -> None:
        ready = threading.Event()
        holder: dict[str, Any] = {}

        def main() -> None:
            async def serve() -> None:
                holder["loop"] = asyncio.get_running_loop()
                holder["stop"] = asyncio.Event()
                ready.set()
                await self.adapter.serve(holder["stop"])

            try:
                asyncio.run(serve())
            except BaseException as exc:  # noqa: BLE001 - shown by halt() and by the waits
                holder["error"] = exc
                ready.set()

        self.holder = holder
        self.thread = threading.Thread(target=main, name="matrix-serve", daemon=True)
        self.thread.start()
        ready.wait(WAIT)
        if not self.adapter.ready.wait(WAIT):
            raise AssertionError(f"the adapter did not sync: {holder.get('error')!r}")

    def halt(self) -> None:
        if self.thread is None:
            return
        loop, stop = self.holder.get("loop"), self.holder.get("stop")
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "serve did not stop"
        self.adapter.stop()
        self.thread = None
        assert "error" not in self.holder, self.holder.get("error")

    # --- people --------------------------------------------------------------------------

    def person(self, prefix: str) -> Person:
        return self.server.register(prefix)

    def direct_room(self, person: Person, *, encrypted: bool = False) -> str:
        """The person invites the bot to a direct room; wait until the bot is in it."""
        room = person.create_room((self.bot.user_id,), direct=True, encrypted=encrypted)
        until(lambda: self.bot.user_id in person.members(room), "the bot joined")
        return room

    def say(self, person: Person, room: str, text: str, **relates: Any) -> str:
        """Send a message and wait until the engine handled it and its replies went out."""
        event = person.send(room, text, relates or None)
        with self.changed:
            if not self.changed.wait_for(lambda: event in self.handled, WAIT):
                raise AssertionError(f"the bot did not handle {text!r}: {self.holder}")
        return event

    def bot_texts(self, person: Person, room: str) -> list[str]:
        return [
            e["content"].get("body", "")
            for e in person.messages(room)
            if e["sender"] == self.bot.user_id
        ]

    def bot_events(self, person: Person, room: str) -> list[dict[str, Any]]:
        return [e for e in person.messages(room) if e["sender"] == self.bot.user_id]

    def choices(self, person: Person, room: str) -> list[str]:
        """The labels of the last numbered list the bot showed in `room`."""
        for body in reversed(self.bot_texts(person, room)):
            found = [m[2] for line in body.splitlines() if (m := CHOICE.match(line))]
            if found:
                return found
        raise AssertionError("no choices shown")

    def choose(self, person: Person, room: str, which: int | str) -> str:
        """Type a shown choice's label (the engine matches labels typed in full)."""
        labels = self.choices(person, room)
        if isinstance(which, int):
            label = labels[which]
        else:
            label = next(lbl for lbl in labels if which.casefold() in lbl.casefold())
        return self.say(person, room, label)

    def count(self, model) -> int:
        return count(self.engine, model)

    def case(self) -> Case:
        return the_case(self.engine)


def until(check, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.fixture
def rig(synapse, db, keyring, org, clock):
    rig = Rig(synapse, db, keyring, org, clock)
    rig.run()
    yield rig
    rig.halt()


def start_report(rig: Rig, person: Person, room: str) -> None:
    """From the welcome to the description (nb, the organisation's first language)."""
    rig.say(person, room, "/start")
    for _ in range(3):  # sexual harassment; anonymous; it happened to me
        rig.choose(person, room, 0)
    rig.say(person, room, "He would not stop. <b>&</b> @room")


def finish_report(rig: Rig, person: Person, room: str) -> None:
    rig.say(person, room, "sist torsdag")
    rig.choose(person, room, 0)  # the reading is right
    for words in ("At the office party", "Ola Nordmann, Board member"):
        rig.say(person, room, words)
    for index in (1, 0, 0):  # not a leader; skip witnesses; first unit
        rig.choose(person, room, index)
    rig.say(person, room, "I want it to stop")
    rig.choose(person, room, "Send varselet")


def file_report(rig: Rig) -> tuple[Person, str]:
    reporter = rig.person("reporter")
    room = rig.direct_room(reporter)
    start_report(rig, reporter, room)
    finish_report(rig, reporter, room)
    return reporter, room


# --- against Synapse ----------------------------------------------------------------------


def test_a_report_in_a_direct_room_reaches_the_handler_room(rig):
    """(1) Typed choices all the way; the alert arrives in the handler room, as plain text."""
    reporter, room = file_report(rig)
    case = rig.case()
    assert case.platform == "matrix"
    assert "Referansen din" in rig.bot_texts(reporter, room)[-1]
    alerts = [
        e for e in rig.bot_events(rig.handler, rig.desk) if case.reference in e["content"]["body"]
    ]
    assert len(alerts) == 1
    content = alerts[0]["content"]
    assert set(content) == {"msgtype", "body", "m.mentions"}  # no format, no formatted_body
    assert content["msgtype"] == "m.text" and content["m.mentions"] == {}
    assert f"/ack {case.reference}" in content["body"]  # a handler's choices say what to type
    assert reporter.user_id not in "\n".join(rig.bot_texts(rig.handler, rig.desk))
    every = [e["content"] for e in rig.bot_events(reporter, room)]
    assert all("formatted_body" not in c and "format" not in c for c in every)


def test_an_ack_in_the_handler_room_reaches_the_reporter(rig):
    """(2) `/ack K-…` typed in the alert's thread; the reporter is told, the answer is threaded."""
    reporter, room = file_report(rig)
    case = rig.case()
    alert = next(
        e for e in rig.bot_events(rig.handler, rig.desk) if case.reference in e["content"]["body"]
    )
    rig.say(
        rig.handler,
        rig.desk,
        f"/ack {case.reference}",
        rel_type="m.thread",
        event_id=alert["event_id"],
    )
    assert rig.case().status == "acknowledged"
    told = rig.bot_texts(reporter, room)[-1]
    assert "har mottatt varselet ditt" in told and case.reference in told
    answers = rig.bot_events(rig.handler, rig.desk)[-1]["content"]
    assert answers["m.relates_to"]["rel_type"] == "m.thread"
    assert answers["m.relates_to"]["event_id"] == alert["event_id"]
    # `!ack`, the usual Matrix bot command, works too (already acknowledged: no second receipt)
    before = len(rig.bot_texts(reporter, room))
    rig.say(rig.handler, rig.desk, f"!note {case.reference} spoke to HR")
    assert len(rig.bot_texts(reporter, room)) == before
    with rig.engine.sessions() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.allowed.is_(True)))
        assert {"ack", "note"} <= set(actions)


def test_a_stranger_is_refused_and_told_once_to_write_privately_in_a_group(rig):
    """(3) A non-member's /ack or /show is refused and audited; a group is told only once."""
    file_report(rig)
    reference = rig.case().reference
    stranger = rig.person("stranger")
    room = rig.direct_room(stranger)
    rig.say(stranger, room, f"/show {reference}")
    rig.say(stranger, room, f"/ack {reference}")
    assert rig.case().status == "received"
    texts = rig.bot_texts(stranger, room)
    assert all("Ola Nordmann" not in t and "office party" not in t for t in texts)
    with rig.engine.sessions() as session:
        refused = session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False))).all()
    assert {"reason": "not_member"} in [r.facts for r in refused]
    # a room that is neither a direct room nor a handler room: told once, nothing stored
    friend = rig.person("friend")
    group = stranger.create_room((rig.bot.user_id, friend.user_id))
    friend.join(group)
    until(lambda: rig.bot.user_id in stranger.members(group), "the bot joined the group")
    before = rig.count(Conversation)
    rig.say(stranger, group, "I want to report something")
    event = stranger.send(group, "Hello?")
    time.sleep(1.0)  # the second message is skipped without reaching the engine
    assert event not in rig.handled
    told = rig.bot_texts(stranger, group)
    assert len(told) == 1 and "privat" in told[0]
    assert rig.count(Conversation) == before


def test_a_restart_mid_report_continues_where_it_stopped(rig):
    """(4) Stop the bot halfway; a message written while it is down is answered after."""
    reporter = rig.person("reporter")
    room = rig.direct_room(reporter)
    start_report(rig, reporter, room)
    rig.halt()
    event = reporter.send(room, "sist torsdag")  # written while the bot is away
    rig.build()  # a new adapter and a new Engine over the same database
    rig.run()
    with rig.changed:
        assert rig.changed.wait_for(lambda: event in rig.handled, WAIT)
    assert "torsdag 12. november" in rig.bot_texts(reporter, room)[-1]  # the next step, in order
    rig.choose(reporter, room, 0)
    for words in ("At the office party", "Ola Nordmann, Board member"):
        rig.say(reporter, room, words)
    for index in (1, 0, 0):
        rig.choose(reporter, room, index)
    rig.say(reporter, room, "I want it to stop")
    review = rig.bot_texts(reporter, room)[-1]
    assert "He would not stop." in review  # written before the restart, kept in the draft
    rig.choose(reporter, room, "Send varselet")
    case = rig.case()
    assert any(case.reference in t for t in rig.bot_texts(rig.handler, rig.desk))
    assert rig.count(Conversation) == 1


def test_an_encrypted_handler_room_gets_no_case_content_and_a_clear_notice(
    synapse, db, keyring, org, clock
):
    """(5) An encrypted handler room: one notice, no alert (a dead letter), never content."""
    rig = Rig(synapse, db, keyring, org, clock, encrypted_desk=True)
    rig.run()
    try:
        until(lambda: rig.bot_texts(rig.handler, rig.desk), "the room was told")
        file_report(rig)
        rig.sweep.drain()
        reference = rig.case().reference
        texts = rig.bot_texts(rig.handler, rig.desk)
        assert len(texts) == 1 and "krypterte rom" in texts[0]
        assert reference not in texts[0] and "Ola" not in texts[0]
        with rig.engine.sessions() as session:
            dead = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead"))
            assert [d.last_error for d in dead] == ["permanent"]
        # an encrypted direct room: told once, its (unreadable) messages are never handled
        secret = rig.person("reporter")
        hidden = rig.direct_room(secret, encrypted=True)
        until(lambda: rig.bot_texts(secret, hidden), "the direct room was told")
        cipher = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgA", "sender_key": "x"}
        cipher |= {"session_id": "s", "device_id": "D"}
        secret.send_content(hidden, cipher, kind="m.room.encrypted")
        secret.send(hidden, "plain words in an encrypted room")
        time.sleep(1.0)
        told = rig.bot_texts(secret, hidden)
        assert len(told) == 1 and "kryptert" in told[0]
    finally:
        rig.halt()


def test_a_handler_room_made_public_gets_no_case_content(rig):
    """A handler room anyone may join (or a space may join) is refused, like an encrypted one."""
    path = f"/_matrix/client/v3/rooms/{quote(rig.desk, safe='')}/state/m.room.join_rules/"
    rig.handler.call("PUT", path, {"join_rule": "public"})
    file_report(rig)
    rig.sweep.drain()
    assert all(rig.case().reference not in t for t in rig.bot_texts(rig.handler, rig.desk))
    with rig.engine.sessions() as session:
        dead = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead"))
        assert [d.last_error for d in dead] == ["permanent"]


def test_forget_redacts_the_bots_messages_in_the_direct_room(rig):
    """/forget after the receipt redacts what the bot wrote in the reporter's room."""
    reporter, room = file_report(rig)
    before = len(rig.bot_events(reporter, room))
    rig.say(reporter, room, "/forget")
    events = rig.bot_events(reporter, room)
    redacted = [e for e in events if not e["content"]]
    assert len(redacted) >= before
    assert "slettet" in events[-1]["content"]["body"]
    assert rig.count(Case) == 1


def test_a_reporter_who_left_is_unreachable_and_the_group_told(rig):
    """The reporter left their room: the next message to them is RecipientGone, not lost."""
    reporter, room = file_report(rig)
    reporter.leave(room)
    time.sleep(0.5)
    rig.adapter._facts.clear()  # what the homeserver says now, not a minute ago
    rig.say(rig.handler, rig.desk, f"/ack {rig.case().reference}")
    with rig.engine.sessions() as session:
        dead = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
    assert [d.last_error for d in dead] == ["recipient_gone"]
    assert "kan ikke lenger nås" in rig.bot_texts(rig.handler, rig.desk)[-1]


# --- without a server ---------------------------------------------------------------------


def test_from_env_nothing_set_half_set_and_set(org):
    assert MatrixAdapter.from_env({}, org) is None
    assert ADAPTER is MatrixAdapter and MatrixAdapter.name == "matrix"
    with pytest.raises(AdapterConfigError) as missing:
        MatrixAdapter.from_env({"MATRIX_USER_ID": "@trygg:example.org"}, org)
    assert missing.value.variable == "MATRIX_HOMESERVER"
    env = {"MATRIX_HOMESERVER": "https://example.org", "MATRIX_USER_ID": "@trygg:example.org"}
    with pytest.raises(AdapterConfigError) as token:
        MatrixAdapter.from_env(env, org)
    assert token.value.variable == "MATRIX_ACCESS_TOKEN"
    with pytest.raises(AdapterConfigError) as user:
        MatrixAdapter.from_env({**env, "MATRIX_USER_ID": "trygg", "MATRIX_PASSWORD": "x"}, org)
    assert user.value.variable == "MATRIX_USER_ID"
    adapter = MatrixAdapter.from_env({**env, "MATRIX_ACCESS_TOKEN": "syt_x"}, org)
    assert adapter is not None and adapter.language == "nb"
    assert adapter.timezone == "Europe/Oslo" and adapter.routes() == []


def test_group_address_is_validated(org):
    adapter = MatrixAdapter("https://example.org", "@t:example.org", access_token="x")
    group = org.groups[0]
    assert adapter.group_address(group.model_copy(update={"channels": {}})) is None
    ok = group.model_copy(update={"channels": {"matrix": "!abc:example.org"}})
    assert adapter.group_address(ok) == "matrix:!abc:example.org"
    v12 = group.model_copy(update={"channels": {"matrix": "!HBkqAHoDf0SFHC6vBkO0JTVemZYU-Vg"}})
    assert adapter.group_address(v12) == "matrix:!HBkqAHoDf0SFHC6vBkO0JTVemZYU-Vg"
    for wrong in ("#varsling:example.org", "Varslingsgruppen", "!a b:example.org"):
        bad = group.model_copy(update={"channels": {"matrix": wrong}})
        with pytest.raises(AdapterConfigError) as error:
            adapter.group_address(bad)
        assert error.value.variable == "groups.channels.matrix"


def test_addresses_references_parts_and_choices():
    assert parse_address("matrix:!a:example.org:8448") == "!a:example.org:8448"
    assert parse_ref("matrix:!a:example.org:8448:$ev/+=_-") == ("!a:example.org:8448", "$ev/+=_-")
    for wrong in ("telegram:1", "matrix:#alias:x", "matrix:"):
        with pytest.raises(ValueError):
            parse_address(wrong)
    with pytest.raises(ValueError):
        parse_ref("matrix:!a:example.org")
    text = "a" * 12_000 + "\n\n" + "b" * 12_000
    assert split_text(text) == ["a" * 12_000, "b" * 12_000]
    assert all(len(p) <= MAX_PART for p in split_text("x" * 50_000))
    shown = render(
        Outbound(
            "matrix:!a:x",
            "Hva vil du?",
            (
                Choice("start", "Start et varsel"),
                Choice("desk:reply:K-ABC123", "Svar", asks_text=True, command="/reply K-ABC123"),
            ),
        )
    )
    assert shown == "Hva vil du?\n\n1) Start et varsel\n2) Svar: /reply K-ABC123 …"


def test_homeserver_refusals_become_delivery_errors():
    from nio import RoomSendError

    limited = delivery_error(RoomSendError("slow down", "M_LIMIT_EXCEEDED", 2500), reporter=True)
    assert isinstance(limited, RateLimited) and limited.retry_after == 2.5
    gone = delivery_error(RoomSendError("no", "M_FORBIDDEN"), reporter=True)
    assert isinstance(gone, RecipientGone)
    desk = delivery_error(RoomSendError("no", "M_FORBIDDEN"), reporter=False)
    assert isinstance(desk, PermanentDeliveryError) and not isinstance(desk, RecipientGone)
    later = delivery_error(RoomSendError("bad gateway", "502"), reporter=False)
    assert not isinstance(later, PermanentDeliveryError)


def test_deliver_before_serve_is_a_retried_error_and_a_bad_address_is_permanent():
    adapter = MatrixAdapter("https://example.org", "@t:example.org", access_token="x")
    from conversations.errors import BadAddress, DeliveryError

    with pytest.raises(BadAddress):
        adapter.deliver(Outbound("matrix:not-a-room", "hi"))
    with pytest.raises(DeliveryError) as error:
        adapter.deliver(Outbound("matrix:!a:example.org", "hi"))
    assert not isinstance(error.value, PermanentDeliveryError)
    assert adapter.is_member("matrix:!a:example.org", "@h:example.org") is False

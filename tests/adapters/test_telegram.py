"""The Telegram adapter on the real python-telegram-bot Application, with a recorded Bot API."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from telegram import Update

from adapters.telegram import SECRET_HEADER, TelegramAdapter, split_text
from adapters.telegram import WEBHOOK_PATH as TELEGRAM_PATH
from adapters.telegram import webhook_route as telegram_route
from bot.channels import AdapterChannels
from bot.delivery import DeliverySweep
from bot.http import build_app
from conversations.chat_log import ChatLog, purge_chat_messages
from conversations.engine import Engine
from storage.db import session_factory
from storage.models import AuditEntry, Case, ChatMessage, Conversation, DataKeyRow, OutboxMessage
from storage.vault import Vault
from tests.adapters.telegram_api import FakeBotApi, Updates
from tests.chat import count, the_case

GROUP = -1001
CENTRAL = -1002
REPORTER = 1001
HANDLER = 555
WORDS = {
    "nb": ("sist torsdag", "Ferdig", "Send varselet", "Referansen din"),
    "sv": ("i torsdags", "Klar", "Skicka anmälan", "Din referens"),
    "en": ("last Thursday", "Done", "Send the report", "Your reference"),
}


class Rig:
    """The real Application and engine, a fake Bot API, and helpers that speak in updates."""

    def __init__(self, db, keyring, org, clock) -> None:
        groups = (
            org.groups[0].model_copy(
                update={
                    "channels": {"telegram": org.groups[0].channels.get("telegram", str(GROUP))}
                }
            ),
            org.groups[1].model_copy(update={"channels": {"telegram": str(CENTRAL)}}),
        )
        self.org = org.model_copy(update={"groups": groups})
        self.api = FakeBotApi()
        self.api.members[HANDLER] = "member"
        self.adapter = TelegramAdapter("123:TEST", request=self.api, rate_limit=False)
        channels = AdapterChannels(self.org, [self.adapter])
        self.engine = Engine(
            session_factory(db), Vault(keyring), self.org, channels, clock=lambda: clock[0]
        )
        self.sweep = DeliverySweep(
            self.engine.sessions,
            self.engine.vault,
            {"telegram": self.adapter},
            clock=lambda: clock[0],
        )
        self.adapter.keep_chat_log(
            ChatLog(self.engine.sessions, self.engine.vault, clock=lambda: clock[0])
        )
        self.adapter.start(self.handle)
        self.sweep.on_recipient_gone = lambda s, case_id: self.engine.notifier.reporter_unreachable(
            s, case_id, clock[0]
        )
        self.updates = Updates()
        self.presses = 0

    def handle(self, inbound):
        """The engine stores the turn; then its replies are delivered, as the worker would."""
        replies = self.engine.handle(inbound)
        self.sweep.drain()
        return replies

    async def feed(self, data: dict[str, Any]) -> None:
        bot = self.adapter.application.bot
        await self.adapter.application.process_update(Update.de_json(data, bot))

    async def say(
        self,
        text: str,
        user: int = REPORTER,
        chat: int | None = None,
        language: str = "nb",
        **extra: Any,
    ) -> None:
        await self.feed(self.updates.message(user, chat or user, text, language, **extra))

    async def press(
        self, label: str, user: int = REPORTER, chat: int | None = None, language: str = "nb"
    ) -> None:
        chat = chat or user
        data = next(d for lbl, d in self.api.buttons(chat) if label.casefold() in lbl.casefold())
        self.presses += 1
        await self.feed(self.updates.callback(user, chat, data, language))

    async def deliver(self) -> int:
        return await asyncio.to_thread(self.sweep.run_once)

    def texts(self, chat: int) -> list[str]:
        return [p["text"] for p in self.api.sent(chat)]

    def count(self, model) -> int:
        return count(self.engine, model)

    def case(self) -> Case:
        return the_case(self.engine)


@pytest.fixture
def rig(db, keyring, org, clock) -> Rig:
    return Rig(db, keyring, org, clock)


def run(rig: Rig, scenario) -> None:
    async def main() -> None:
        await rig.adapter.initialize()
        await scenario()
        await rig.adapter.settle()
        await rig.adapter.application.shutdown()

    asyncio.run(main())


async def file_report(rig: Rig, language: str, user: int = REPORTER, send_it: bool = True) -> None:
    when, _, send, _ = WORDS[language]
    lang = {"nb": "nb", "sv": "sv", "en": "en"}[language]
    await rig.say("/start", user, language=lang)
    for _ in range(3):  # sexual harassment; anonymous; it happened to me
        await rig.press(rig.api.buttons(user)[0][0], user, language=lang)
    await rig.say("He would not stop. <b>&</b> @channel", user, language=lang)
    await rig.say(when, user, language=lang)
    await rig.press(rig.api.buttons(user)[0][0], user, language=lang)  # the reading is right
    for text in ("At the office party", "Ola Nordmann, Board member"):
        await rig.say(text, user, language=lang)
    for index in (1, 0, 0):  # not a leader; skip witnesses; first unit
        await rig.press(rig.api.buttons(user)[index][0], user, language=lang)
    await rig.say("I want it to stop", user, language=lang)
    if send_it:
        await rig.press(send, user, language=lang)


@pytest.mark.parametrize("language", ["nb", "sv", "en"])
def test_full_report_in_a_private_chat_in_each_language(rig, language):
    """Inline keyboards all the way to the receipt; every callback query is answered."""

    async def scenario() -> None:
        await file_report(rig, language)
        assert WORDS[language][3] in rig.texts(REPORTER)[-1]

    run(rig, scenario)
    case = rig.case()
    assert case.language == language and case.platform == "telegram"
    alert = rig.texts(GROUP)[-1]
    assert case.reference in alert
    assert "<b>&</b> @channel" in alert  # sent as plain text: nothing is interpreted
    assert all("parse_mode" not in p or p["parse_mode"] is None for p in rig.api.sent())
    answered = sum(1 for name, _ in rig.api.calls if name == "answerCallbackQuery")
    assert answered == rig.presses > 6


def test_handler_acknowledges_and_replies_through_a_forced_reply(rig):
    """Buttons in the group: acknowledge, then a reply prompt answered with a forced reply."""

    async def scenario() -> None:
        await file_report(rig, "en")
        await rig.deliver()
        await rig.press("Bekreft mottatt", HANDLER, GROUP)
        await rig.press("Svar varsleren", HANDLER, GROUP)
        prompt = rig.api.sent(GROUP)[-1]
        assert "force_reply" in str(prompt["reply_markup"])
        prompt_message = {
            "message_id": 999,
            "date": 1,
            "chat": rig.updates.chat(GROUP),
            "from": {"id": 4242, "is_bot": True, "first_name": "Trygg"},
            "text": prompt["text"],
        }
        await rig.say("Who else was there?", HANDLER, GROUP, reply_to_message=prompt_message)
        await rig.deliver()

    run(rig, scenario)
    reporter = rig.texts(REPORTER)
    assert "Who else was there?" in reporter[-1]
    assert reporter[-1].splitlines()[0] == "You have a new message."  # lock screen shows no more
    assert rig.case().status == "acknowledged"
    assert str(REPORTER) not in "\n".join(rig.texts(GROUP))


def test_non_member_pressing_a_handler_button_is_refused_and_audited(rig):
    """getChatMember says 'left': the press is refused, answered, and written to the audit log."""

    async def scenario() -> None:
        await file_report(rig, "en")
        await rig.deliver()
        await rig.press("Bekreft mottatt", 666, GROUP)

    run(rig, scenario)
    assert rig.case().status == "received"
    assert "Det kan jeg ikke hjelpe" in rig.texts(GROUP)[-1]
    with rig.engine.sessions() as session:
        refused = session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False))).one()
    assert refused.facts == {"reason": "not_member"}
    assert ("getChatMember", {"chat_id": GROUP, "user_id": 666}) in rig.api.calls


def test_group_message_from_a_user_is_told_once_to_write_privately(rig):
    """In a group that is not a handler group the bot says once to write privately; no storage."""

    async def scenario() -> None:
        await rig.say("I want to report something", 777, -5000)
        await rig.say("Hello?", 777, -5000)

    run(rig, scenario)
    told = rig.texts(-5000)
    assert len(told) == 1 and "privat" in told[0]
    assert rig.count(Conversation) == 0


def test_edited_message_sticker_and_photo_get_a_kind_answer(rig):
    """Edits and non-text messages are declined in words and never stored."""

    async def scenario() -> None:
        await rig.say("/start")
        await rig.press("Si fra om seksuell")
        await rig.feed(rig.updates.edited(REPORTER, REPORTER, "changed"))
        await rig.say(
            None,
            sticker={
                "file_id": "s",
                "file_unique_id": "u",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        )
        await rig.say(
            None, photo=[{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}]
        )

    run(rig, scenario)
    texts = rig.texts(REPORTER)
    assert any("ser ikke endringer" in t for t in texts)
    assert sum("bare lese tekst" in t for t in texts) == 2


def test_duplicate_update_id_is_processed_once(rig):
    """Telegram redelivering an update (same update_id) produces no second answer."""

    async def scenario() -> None:
        update = rig.updates.message(REPORTER, REPORTER, "/start")
        await rig.feed(update)
        before = len(rig.api.sent(REPORTER))
        await rig.feed(update)
        assert len(rig.api.sent(REPORTER)) == before

    run(rig, scenario)


def test_retry_after_is_honoured(rig, clock):
    """A 429 with retry_after keeps the alert queued at least that long, then it goes."""

    async def scenario() -> None:
        await file_report(rig, "en", send_it=False)
        rig.api.faults.append(
            (
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 30",
                    "parameters": {"retry_after": 30},
                },
            )
        )
        await rig.press("Send the report")  # the alert goes first, and is refused
        assert len(rig.texts(GROUP)) == 1
        assert await rig.deliver() == 0
        clock[0] += timedelta(seconds=29)
        assert await rig.deliver() == 0
        clock[0] += timedelta(seconds=2)
        assert await rig.deliver() == 1
        assert len(rig.texts(GROUP)) == 2

    run(rig, scenario)


def test_blocked_reporter_is_recorded_and_the_group_told(rig):
    """A 403 from a reporter's chat ends retries and tells the group they cannot be reached."""

    async def scenario() -> None:
        await file_report(rig, "en")
        await rig.deliver()
        rig.api.blocked.add(REPORTER)
        await rig.press("Bekreft mottatt", HANDLER, GROUP)
        await rig.deliver()
        await rig.deliver()

    run(rig, scenario)
    with rig.engine.sessions() as session:
        dead = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).one()
    assert dead.last_error == "recipient_gone"
    assert "kan ikke lenger nås" in rig.texts(GROUP)[-1]


def test_wrong_webhook_secret_is_403_and_stores_nothing(rig):
    """Webhook mode checks X-Telegram-Bot-Api-Secret-Token; a wrong one is refused."""
    app = build_app([telegram_route(rig.adapter, "s3cret")])
    update = rig.updates.message(REPORTER, REPORTER, "/start")
    with TestClient(app) as client:
        client.portal.call(rig.adapter.initialize)  # type: ignore[union-attr]
        assert client.post(TELEGRAM_PATH, json=update).status_code == 403
        assert (
            client.post(TELEGRAM_PATH, json=update, headers={SECRET_HEADER: "wrong"}).status_code
            == 403
        )
        assert rig.count(Conversation) == 0
        assert (
            client.post(TELEGRAM_PATH, json=update, headers={SECRET_HEADER: "s3cret"}).status_code
            == 200
        )
    assert rig.count(Conversation) == 1


def test_long_text_is_split_under_the_limit_at_line_breaks():
    """Over 4096 characters is split, preferring paragraph breaks, nothing lost."""
    text = ("a" * 3000 + "\n\n") + ("b" * 3000)
    chunks = split_text(text)
    assert [len(c) <= 4096 for c in chunks] == [True, True]
    assert chunks == ["a" * 3000, "b" * 3000]


def test_reporter_can_delete_the_conversation_from_the_chat(rig):
    """After submitting, /forget deletes the conversation's messages from the private chat."""

    async def scenario() -> None:
        await file_report(rig, "en")
        assert "“forget”" in rig.texts(REPORTER)[-1]  # a word: it works on every platform
        await rig.say("/forget", language="en")

    run(rig, scenario)
    deletions = [p for name, p in rig.api.calls if name == "deleteMessages"]
    assert len(deletions) == 1 and int(deletions[0]["chat_id"]) == REPORTER
    deleted = deletions[0]["message_ids"]
    assert len(deleted) > 20  # both sides of the conversation
    assert f"deleted {len(deleted)} messages" in rig.texts(REPORTER)[-1]
    assert rig.count(Case) == 1  # the report itself is kept


def test_forget_finds_the_messages_after_a_restart_and_keeps_no_plain_id(db, keyring, org, clock):
    """Guards the chat log in the database: message ids kept by one process (encrypted, no
    plain id) are deleted by /forget in the next one, and nothing of them stays after."""
    first = Rig(db, keyring, org, clock)
    run(first, lambda: file_report(first, "en"))
    kept = first.count(ChatMessage)
    assert kept > 20  # both sides of the conversation
    with first.engine.sessions() as session:
        stored = b"".join(session.scalars(select(ChatMessage.ref)))
        chats = set(session.scalars(select(ChatMessage.chat)))
    assert b"telegram" not in stored and str(REPORTER).encode() not in stored
    assert str(REPORTER) not in "".join(chats)
    restarted = Rig(db, keyring, org, clock)
    restarted.updates = first.updates  # Telegram numbers on; a repeated number is a duplicate
    run(restarted, lambda: restarted.say("/forget", language="en"))
    deletions = [p for name, p in restarted.api.calls if name == "deleteMessages"]
    assert len(deletions) == 1 and len(deletions[0]["message_ids"]) >= kept
    assert restarted.count(ChatMessage) == 1  # only the "deleted N messages" answer since


def test_kept_message_ids_expire_with_their_key_after_47_hours(rig, clock):
    """Guards the expiry: the purge removes what Telegram would no longer let the bot delete,
    and the chat's data key with it; earlier, nothing goes."""
    run(rig, lambda: rig.say("/start", language="en"))
    keys = rig.count(DataKeyRow)
    assert rig.count(ChatMessage) >= 2
    with rig.engine.sessions() as session, session.begin():
        assert purge_chat_messages(session, rig.engine.vault, clock[0] + timedelta(hours=46)) == 0
    with rig.engine.sessions() as session, session.begin():
        assert purge_chat_messages(session, rig.engine.vault, clock[0] + timedelta(hours=48)) >= 2
    assert rig.count(ChatMessage) == 0
    assert rig.count(DataKeyRow) == keys - 1


def test_telegram_pace_is_a_second_per_chat_and_three_per_group():
    """The adapter declares Telegram's limits; the sweep keeps them in the database."""
    adapter = TelegramAdapter("123:TEST", rate_limit=True)
    assert adapter.pace(f"telegram:{REPORTER}") == 1.0
    assert adapter.pace(f"telegram:{GROUP}") == 3.0


def test_forum_group_gets_alerts_in_its_topic_and_acts_from_any_topic(db, keyring, org, clock):
    """telegram = "-1001/7": alerts go to topic 7, and a press there is the group's."""
    forum = org.model_copy(
        update={
            "groups": (
                org.groups[0].model_copy(update={"channels": {"telegram": f"{GROUP}/7"}}),
                org.groups[1].model_copy(update={"channels": {"telegram": str(CENTRAL)}}),
            )
        }
    )
    rig = Rig(db, keyring, forum, clock)

    async def scenario() -> None:
        await file_report(rig, "en")
        await rig.deliver()
        await rig.press("Bekreft mottatt", HANDLER, GROUP)

    run(rig, scenario)
    alert = next(p for p in rig.api.sent(GROUP) if "K-" in p["text"])
    assert int(alert["message_thread_id"]) == 7
    assert rig.case().status == "acknowledged"


def test_webhook_with_the_right_secret_but_broken_body_is_400(rig):
    """A body that is not an update is refused clearly; the health check answers."""
    app = build_app([telegram_route(rig.adapter, "s3cret")])
    headers = {SECRET_HEADER: "s3cret"}
    with TestClient(app) as client:
        assert (
            client.post(TELEGRAM_PATH, content=b"\xff\x00not json", headers=headers).status_code
            == 400
        )
        assert client.post(TELEGRAM_PATH, json=[1, 2], headers=headers).status_code == 400
        assert client.get("/healthz").json() == {"status": "ok"}
    assert rig.count(Conversation) == 0


def test_a_press_counts_even_when_answering_the_button_fails(rig):
    """'query is too old' (after a restart) or a network error: the Send press still sends."""

    async def scenario() -> None:
        await file_report(rig, "en", send_it=False)
        rig.api.broken["answerCallbackQuery"] = (400, "Bad Request: query is too old")
        await rig.press("Send the report")

    run(rig, scenario)
    assert rig.count(Case) == 1
    assert "Your reference" in rig.texts(REPORTER)[-1]


def test_a_group_that_became_a_supergroup_is_followed(rig):
    """ChatMigrated: the alert goes to the new chat id, and presses there are the group's."""
    new = -1009999

    async def scenario() -> None:
        rig.api.migrated[GROUP] = new
        await file_report(rig, "en")
        await rig.press("Bekreft mottatt", HANDLER, new)

    run(rig, scenario)
    assert any(rig.case().reference in t for t in rig.texts(new))
    assert rig.case().status == "acknowledged"
    with rig.engine.sessions() as session:
        assert not session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "dead")
        ).all()


def test_no_raw_id_in_any_stored_row_after_a_round_trip(rig):
    """Chat ids, user ids and message references are never stored in plain text."""

    async def scenario() -> None:
        await file_report(rig, "en")
        await rig.press("Bekreft mottatt", HANDLER, GROUP)

    run(rig, scenario)
    with rig.engine.sessions() as session:
        refs = session.scalars(select(OutboxMessage.platform_ref)).all()
        keys = session.scalars(select(OutboxMessage.thread_key)).all()
    assert refs and all(ref is None or str(REPORTER).encode() not in ref for ref in refs)
    assert all(key is None or str(GROUP) not in key for key in keys)


def test_a_webhook_update_that_could_not_be_stored_is_a_500_so_telegram_sends_it_again(
    rig, tmp_path
):
    """Store, then acknowledge: with the database unwritable, the webhook answers 500; once it
    is back, Telegram's retry of the same update is applied."""
    from storage.db import make_engine

    app = build_app([telegram_route(rig.adapter, "s3cret")])
    update = rig.updates.message(REPORTER, REPORTER, "/start")
    working = rig.engine.sessions
    rig.engine.sessions = session_factory(make_engine(f"sqlite:///{tmp_path}/gone/x.db"))
    with TestClient(app) as client:
        client.portal.call(rig.adapter.initialize)  # type: ignore[union-attr]
        headers = {SECRET_HEADER: "s3cret"}
        assert client.post(TELEGRAM_PATH, json=update, headers=headers).status_code == 500
        rig.engine.sessions = working
        assert client.post(TELEGRAM_PATH, json=update, headers=headers).status_code == 200
    assert rig.count(Conversation) == 1


def test_the_command_menu_lists_every_reporter_command_in_each_language(rig):
    """setMyCommands: a default menu and one per language, each with every reporter command."""

    async def scenario() -> None:
        return None

    run(rig, scenario)
    menus = [p for name, p in rig.api.calls if name == "setMyCommands"]
    codes = {p.get("language_code") for p in menus}
    assert codes == {None, "nb", "sv", "en"}
    for menu in menus:
        commands = menu["commands"]
        commands = json.loads(commands) if isinstance(commands, str) else commands
        names = {c["command"] if isinstance(c, dict) else c.command for c in commands}
        assert names == {"start", "back", "cancel", "status", "language", "forget", "help"}
    swedish = next(p for p in menus if p.get("language_code") == "sv")
    assert "anmälan" in json.dumps(swedish["commands"], ensure_ascii=False)


def test_an_answered_question_loses_its_buttons(rig):
    """After a press in the private chat, the keyboard of that message is removed."""

    async def scenario() -> None:
        await rig.say("/start", language="en")
        await rig.press(rig.api.buttons(REPORTER)[0][0], language="en")

    run(rig, scenario)
    edits = [p for name, p in rig.api.calls if name == "editMessageReplyMarkup"]
    assert edits and int(edits[-1]["chat_id"]) == REPORTER


def test_chats_are_handled_at_once_and_each_chats_updates_in_order():
    """Guards the per-chat update processor: a slow turn in one chat does not hold up another
    chat, a chat's next message waits for its previous one, and python-telegram-bot keeps no
    chat or user id afterwards."""
    adapter = TelegramAdapter("123:TEST", request=FakeBotApi(), rate_limit=False)
    other_chat_done = threading.Event()
    handled: list[tuple[str, str | None, bool]] = []

    def handler(inbound) -> None:
        # One at a time, the other chat's update would never run while this one waits.
        waited = other_chat_done.wait(10) if inbound.text == "slow" else True
        handled.append((inbound.address, inbound.text, waited))
        if inbound.address == "telegram:2002":
            other_chat_done.set()

    adapter.start(handler)
    updates = Updates()

    async def main() -> None:
        await adapter.initialize()
        application = adapter.application
        await application.start()
        for user, text in ((REPORTER, "slow"), (REPORTER, "second"), (2002, "other")):
            data = updates.message(user, user, text, "en")
            await application.update_queue.put(Update.de_json(data, application.bot))
        await asyncio.wait_for(application.update_queue.join(), 60)
        await application.stop()
        await application.shutdown()

    asyncio.run(main())
    assert handled == [
        ("telegram:2002", "other", True),
        (f"telegram:{REPORTER}", "slow", True),
        (f"telegram:{REPORTER}", "second", True),
    ]
    assert adapter.application._chat_ids_to_be_updated_in_persistence == set()
    assert adapter.application._user_ids_to_be_updated_in_persistence == set()
    assert not adapter.application.chat_data and not adapter.application.user_data
    assert not adapter.updates._chats  # no lock is kept for a chat with nothing in hand


def test_the_alert_is_edited_to_say_who_acknowledged_it(rig):
    """After the press, editMessageText on the alert: the handler's name from getChatMember,
    and a keyboard without Acknowledge."""
    rig.api.names[HANDLER] = ("Kari", "Nilsen")

    async def scenario() -> None:
        await file_report(rig, "en")
        await rig.deliver()
        await rig.press("Bekreft mottatt", HANDLER, GROUP)
        await rig.deliver()

    run(rig, scenario)
    alert_id = next(m for chat, m in rig.api.message_ids if chat == GROUP)
    edits = [p for name, p in rig.api.calls if name == "editMessageText"]
    assert len(edits) == 1 and int(edits[0]["chat_id"]) == GROUP
    assert int(edits[0]["message_id"]) == alert_id
    assert "Bekreftet mottatt av Kari Nilsen" in edits[0]["text"]
    markup = str(edits[0]["reply_markup"])
    assert "desk:take:" in markup and "desk:ack:" not in markup
    assert "Kari Nilsen" in rig.texts(GROUP)[-1]  # the confirmation in the thread names her


class HeldBotApi(FakeBotApi):
    """Holds answerCallbackQuery and editMessageReplyMarkup until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def do_request(self, url: str, method: str, request_data=None, **timeouts: Any):
        if url.endswith(("/answerCallbackQuery", "/editMessageReplyMarkup")):
            await self.release.wait()
        return await super().do_request(url, method, request_data, **timeouts)


def test_a_press_does_not_hold_its_chat_while_the_bot_api_tidies_up():
    """Guards the press path: answering the button and removing an answered question's
    buttons are Bot API calls (each may wait for the Bot API or a limit); the chat's
    next update is stored without waiting for them, and both calls are still made."""
    api = HeldBotApi()
    adapter = TelegramAdapter("123:TEST", request=api, rate_limit=True)
    handled: list[str | None] = []
    adapter.start(lambda inbound: handled.append(inbound.choice or inbound.text) or [])
    updates = Updates()

    async def main() -> None:
        await adapter.initialize()
        application = adapter.application
        await application.start()
        for data in (
            updates.callback(REPORTER, REPORTER, "q:1", "en"),
            updates.message(REPORTER, REPORTER, "next", "en"),
        ):
            await application.update_queue.put(Update.de_json(data, application.bot))
        # Both turns are handled while the Bot API has answered neither call.
        await asyncio.wait_for(application.update_queue.join(), 10)
        assert handled == ["q:1", "next"]
        assert not any(name == "answerCallbackQuery" for name, _ in api.calls)
        api.release.set()
        await asyncio.wait_for(adapter.settle(), 10)
        await application.stop()
        await application.shutdown()

    asyncio.run(main())
    names = [name for name, _ in api.calls]
    assert names.count("answerCallbackQuery") == 1
    assert names.count("editMessageReplyMarkup") == 1

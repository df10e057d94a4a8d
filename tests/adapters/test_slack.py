"""The Slack adapter through the real Bolt App: signed requests in, a local Web API out."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select
from starlette.testclient import TestClient

from adapters import slack
from adapters.slack import EVENTS_PATH as SLACK_PATH
from adapters.slack import SlackAdapter, escape, events_route
from bot.channels import AdapterChannels
from bot.delivery import DeliverySweep
from bot.http import build_app
from conversations.engine import Engine
from storage.db import session_factory
from storage.models import AuditEntry, Case, Conversation, OutboxMessage
from storage.vault import Vault
from tests.adapters.slack_api import SlackWebApi, ratelimited
from tests.chat import count, the_case

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DESK = "G0DESK01"
CENTRAL = "G0CENTRAL"
REPORTER = "U0REPORTER"
DM = "D0REPORTER"
HANDLER = "U0HANDLER"
WORDS = {
    "nb": ("nb-NO", "sist torsdag", "Ferdig", "Send varselet", "Referansen din"),
    "sv": ("sv-SE", "i torsdags", "Klar", "Skicka anmälan", "Din referens"),
    "en": ("en-GB", "last Thursday", "Done", "Send the report", "Your reference"),
}


class Rig:
    """Bolt App (signature checks on) behind Trygg's HTTP route, engine, and a local Web API."""

    def __init__(self, db, keyring, org, clock) -> None:
        groups = (
            org.groups[0].model_copy(update={"channels": {"slack": DESK}}),
            org.groups[1].model_copy(update={"channels": {"slack": CENTRAL}}),
        )
        self.org = org.model_copy(update={"groups": groups})
        self.api = SlackWebApi()
        self.api.members[DESK] = [HANDLER]
        self.adapter = SlackAdapter(
            "xoxb-test",
            SECRET,
            api_url=self.api.url,
            process_before_response=True,
            post_interval=0.0,
        )
        channels = AdapterChannels(self.org, [self.adapter])
        self.engine = Engine(
            session_factory(db), Vault(keyring), self.org, channels, clock=lambda: clock[0]
        )
        self.sweep = DeliverySweep(
            self.engine.sessions, self.engine.vault, {"slack": self.adapter}, clock=lambda: clock[0]
        )
        self.adapter.start(self.handle)
        self.client = TestClient(build_app([events_route(self.adapter, SECRET)]))
        self.events = 0

    def handle(self, inbound):
        """The engine stores the turn; then its replies are delivered, as the worker would."""
        replies = self.engine.handle(inbound)
        self.sweep.drain()
        return replies

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        retry: int | None = None,
    ) -> Any:
        stamp = str(timestamp or int(time.time()))
        verifier = SignatureVerifier(SECRET)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature
            or verifier.generate_signature(timestamp=stamp, body=body),
        }
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return self.client.post(SLACK_PATH, content=body.encode(), headers=headers)

    def event(self, event: dict[str, Any], event_id: str | None = None, **kw: Any) -> Any:
        self.events += 1
        body = json.dumps(
            {
                "token": "t",
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event": event,
                "event_id": event_id or f"Ev{self.events:04d}",
                "event_time": int(time.time()),
            }
        )
        return self.post(body, "application/json", **kw)

    def say(self, text: str, user: str = REPORTER, channel: str = DM, **kw: Any) -> Any:
        return self.event(
            {
                "type": "message",
                "channel_type": "im",
                "user": user,
                "channel": channel,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
            **kw,
        )

    def interact(self, payload: dict[str, Any]) -> Any:
        payload = {"team": {"id": "T1"}, "api_app_id": "A1", "token": "t", **payload}
        return self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    def press(self, label: str, user: str = REPORTER, channel: str = DM) -> Any:
        value = next(
            v for lbl, v in self.api.buttons(channel) if label.casefold() in lbl.casefold()
        )
        return self.press_value(value, user, channel)

    def action_id(self, value: str) -> str:
        """The action_id Slack sends for the button with `value` (as the adapter rendered it)."""
        for post in reversed(self.api.posts()):
            blocks = post.get("blocks")
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks or []
            for block in blocks:
                for element in block.get("elements", []) if block["type"] == "actions" else []:
                    if element["value"] == value:
                        return str(element["action_id"])
        return "choice_0"

    def press_value(self, value: str, user: str, channel: str) -> Any:
        self.events += 1
        return self.interact(
            {
                "type": "block_actions",
                "user": {"id": user},
                "channel": {"id": channel},
                "trigger_id": f"trig{self.events}",
                "message": {"ts": "1700000000.000001"},
                "actions": [
                    {
                        "action_id": self.action_id(value),
                        "type": "button",
                        "value": value,
                        "text": {"type": "plain_text", "text": "Reply"},
                        "action_ts": str(self.events),
                    }
                ],
            }
        )

    def command(self, command: str, text: str, user: str, channel: str) -> Any:
        body = urlencode(
            {
                "command": command,
                "text": text,
                "user_id": user,
                "channel_id": channel,
                "team_id": "T1",
                "trigger_id": "trig",
                "token": "t",
                "response_url": "https://hooks.invalid/x",
            }
        )
        return self.post(body, "application/x-www-form-urlencoded")

    def count(self, model) -> int:
        return count(self.engine, model)

    def case(self) -> Case:
        return the_case(self.engine)


@pytest.fixture
def rig(db, keyring, org, clock):
    rig = Rig(db, keyring, org, clock)
    yield rig
    rig.api.close()


def file_report(
    rig: Rig, language: str, what: str = "He would not stop.", send: bool = True
) -> None:
    locale, when, _, _, _ = WORDS[language]
    rig.api.locales[REPORTER] = locale
    rig.say("hi")
    for _ in range(3):  # sexual harassment; anonymous; it happened to me
        assert rig.press_value(rig.api.buttons(DM)[0][1], REPORTER, DM).status_code == 200
    rig.say(what)
    rig.say(when)
    rig.press_value(rig.api.buttons(DM)[0][1], REPORTER, DM)
    for text in ("At the office party", "Ola Nordmann, Board member"):
        rig.say(text)
    for index in (1, 0, 0):  # not a leader; skip witnesses; first unit
        rig.press_value(rig.api.buttons(DM)[index][1], REPORTER, DM)
    rig.say("I want it to stop")
    if send:
        rig.press(WORDS[language][3])


@pytest.mark.parametrize("language", ["nb", "sv", "en"])
def test_full_report_in_each_language(rig, language):
    """Block Kit buttons in the app's DM all the way to the receipt, in the user's locale."""
    file_report(rig, language)
    assert WORDS[language][4] in rig.api.texts(DM)[-1]
    case = rig.case()
    assert case.language == language and case.reference in rig.api.texts(DESK)[-1]


def test_channel_and_here_in_a_report_ping_nobody(rig):
    """<!channel>, <!here> and <@U…> in user text reach Slack escaped, never as mentions."""
    file_report(rig, "en", what="Tell <!channel> and <!here> and <@U0BOSS> & co")
    rig.sweep.run_once()
    alert = rig.api.posts(DESK)[-1]
    serialized = json.dumps(alert)
    assert "<!channel>" not in serialized and "<!here>" not in serialized
    assert "<@U0BOSS>" not in serialized
    assert escape("<!channel>") in serialized


def test_handler_acknowledges_replies_in_a_modal_and_notes(rig):
    """Acknowledge button; Reply opens a modal; its submission reaches the reporter anonymously."""
    file_report(rig, "en")
    rig.sweep.run_once()
    reference = rig.case().reference
    rig.press_value(f"desk:ack:{reference}", HANDLER, DESK)
    assert rig.case().status == "acknowledged"
    rig.press_value(f"desk:reply:{reference}", HANDLER, DESK)
    opened = [p for m, p in rig.api.calls if m == "views.open"][-1]
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    empty = rig.interact(
        {
            "type": "view_submission",
            "user": {"id": HANDLER},
            "view": {
                **view,
                "state": {
                    "values": {"text": {"value": {"type": "plain_text_input", "value": "  "}}}
                },
            },
        }
    )
    assert empty.json()["response_action"] == "errors"
    filled = rig.interact(
        {
            "type": "view_submission",
            "user": {"id": HANDLER},
            "view": {
                **view,
                "state": {
                    "values": {
                        "text": {
                            "value": {"type": "plain_text_input", "value": "Who else was there?"}
                        }
                    }
                },
            },
        }
    )
    assert filled.status_code == 200
    confirmation = rig.api.posts(DESK)[-1]
    assert "Lagt i kø til varsleren" in confirmation["text"]
    assert confirmation["thread_ts"] == "1700000000.000001"  # under the alert it came from
    rig.command("/trygg", f"note {reference} Spoke to the reporter", HANDLER, DESK)
    rig.sweep.run_once()
    question = rig.api.texts(DM)[-1]
    assert "Who else was there?" in question and question.startswith("You have a new message.")
    assert "Note added" in rig.api.texts(DESK)[-1] or "Notat lagt til" in rig.api.texts(DESK)[-1]
    assert REPORTER not in json.dumps(rig.api.posts(DESK))


def test_non_member_button_press_is_refused_and_audited(rig):
    """A non-member's press is refused (ephemerally, to them alone) and written to the audit log."""
    file_report(rig, "en")
    reference = rig.case().reference
    rig.press_value(f"desk:ack:{reference}", "U0STRANGER", DESK)
    assert rig.case().status == "received"
    shown = [p for m, p in rig.api.calls if m == "chat.postEphemeral"]
    assert shown[-1]["user"] == "U0STRANGER" and shown[-1]["channel"] == DESK
    assert "Det kan jeg ikke hjelpe" in shown[-1]["text"]  # seen by the stranger alone
    assert all("Det kan jeg ikke hjelpe" not in t for t in rig.api.texts(DESK))
    with rig.engine.sessions() as session:
        refused = session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False))).one()
    assert refused.facts == {"reason": "not_member"}


def test_bad_signature_and_stale_timestamp_are_401_and_store_nothing(rig):
    """Bolt verifies every request: a wrong signature or a 6-minute-old timestamp is refused."""
    event = {
        "type": "message",
        "channel_type": "im",
        "user": REPORTER,
        "channel": DM,
        "text": "hello",
        "ts": "1.0",
    }
    assert rig.event(event, signature="v0=" + "0" * 64).status_code == 401
    assert rig.event(event, timestamp=int(time.time()) - 6 * 60).status_code == 401
    assert rig.count(Conversation) == 0
    assert rig.event(event).status_code == 200
    assert rig.count(Conversation) == 1


def test_event_retried_three_times_is_one_report(rig):
    """Slack's retries of the same event_id are applied once, and the report is filed once."""
    file_report(rig, "en")
    rig.say("Something else", event_id="EvRETRY")
    answers = len(rig.api.posts(DM))
    for retry in (1, 2, 3):
        assert rig.say("Something else", event_id="EvRETRY", retry=retry).status_code == 200
    assert len(rig.api.posts(DM)) == answers
    assert rig.count(Case) == 1


def test_rate_limit_429_retry_after_is_honoured(rig, clock):
    """A 429 with Retry-After keeps the alert queued for that long, then it goes."""
    file_report(rig, "en", send=False)
    rig.api.faults.append(ratelimited(30))  # the alert is the first message posted
    rig.press("Send the report")
    tries = [t for t in rig.api.texts(DESK) if rig.case().reference in t]
    assert len(tries) == 1  # refused with the 429
    clock[0] += timedelta(seconds=29)
    assert rig.sweep.run_once() == 0
    clock[0] += timedelta(seconds=2)
    assert rig.sweep.run_once() == 1
    assert len([t for t in rig.api.texts(DESK) if rig.case().reference in t]) == 2


def test_no_case_content_in_a_channel_that_is_not_private(rig):
    """If the handler channel is public, the alert is refused and stays queued."""
    rig.api.public.add(DESK)
    file_report(rig, "en", what="Secret 4711")
    assert rig.sweep.run_once() == 0
    assert all("4711" not in json.dumps(p) for p in rig.api.posts(DESK))


def test_mention_in_a_channel_gets_an_ephemeral_note_and_nothing_is_stored(rig):
    """@Trygg in an ordinary channel: 'write to me privately', visible only to that person."""
    rig.event(
        {
            "type": "app_mention",
            "user": REPORTER,
            "channel": "C0GENERAL",
            "text": "<@UBOT> I want to report",
            "ts": "1.0",
        }
    )
    ephemeral = [p for m, p in rig.api.calls if m == "chat.postEphemeral"]
    assert len(ephemeral) == 1 and ephemeral[0]["user"] == REPORTER
    assert rig.count(Conversation) == 0


def test_report_slash_command_starts_the_conversation_in_a_dm(rig):
    """/report opens the app's DM with the person and starts with the welcome there."""
    rig.command("/report", "", REPORTER, "C0GENERAL")
    assert rig.api.texts(DM) and "Hei." in rig.api.texts(DM)[-1]


def test_app_home_explains_the_bot(rig):
    """Opening the Home tab publishes what Trygg is and how it protects the reporter."""
    rig.event({"type": "app_home_opened", "user": REPORTER, "tab": "home", "channel": DM})
    published = [p for m, p in rig.api.calls if m == "views.publish"]
    assert published and "kryptert" in json.dumps(published[0], ensure_ascii=False)


def test_an_event_from_another_workspace_is_ignored(rig):
    """A signed event whose team is not the app's workspace is answered 200 and not stored."""
    body = json.dumps(
        {
            "token": "t",
            "team_id": "T0OTHER",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": "Ev0OTHER",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "user": "U0OTHER",
                "channel": "D0OTHER",
                "text": "hei",
                "ts": f"{time.time():.6f}",
            },
        }
    )
    assert rig.post(body, "application/json").status_code == 200
    assert rig.count(Conversation) == 0
    rig.say("hei")  # the app's own workspace (T1) is served
    assert rig.count(Conversation) == 1


def test_a_typed_ampersand_is_shown_once_escaped_not_twice(rig):
    """Slack sends '&' as '&amp;'; the review and the alert show it as Slack escapes it, once."""
    file_report(rig, "en", what="Tom &amp; Jerry &lt;3")  # as Slack delivers "Tom & Jerry <3"
    assert rig.case().reference
    alert = next(t for t in reversed(rig.api.texts(DESK)) if rig.case().reference in t)
    assert "Tom &amp; Jerry &lt;3" in alert
    assert "&amp;amp;" not in json.dumps(rig.api.posts())


def test_a_channel_made_public_gets_no_more_case_content(rig):
    """Privacy is asked again after a minute: once the channel is public, alerts stop."""
    now = [1000.0]
    rig.adapter.clock = lambda: now[0]
    file_report(rig, "en", what="First secret 1111")
    assert any("1111" in t for t in rig.api.texts(DESK))
    rig.api.public.add(DESK)
    now[0] += 61
    rig.say("Second secret 2222")  # relayed into the case thread: content
    rig.press(rig.case().reference)
    assert all("2222" not in json.dumps(p) for p in rig.api.posts(DESK))
    with rig.engine.sessions() as session:
        kept = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "post")).all()
    assert kept and all(row.status != "sent" for row in kept)  # kept, not lost


def test_a_reply_refused_with_a_429_arrives_later_and_in_order(rig, clock):
    """A 429 on the reporter's next question keeps it (and what follows) queued, in order."""
    rig.say("hi")
    rig.api.faults.append(ratelimited(5))
    rig.press_value(rig.api.buttons(DM)[0][1], REPORTER, DM)  # "start": its reply is refused
    refused = len(rig.api.texts(DM))
    clock[0] += timedelta(seconds=6)
    assert rig.sweep.drain() >= 1
    assert len(rig.api.texts(DM)) == refused + 1
    assert rig.api.texts(DM)[-1] == rig.api.texts(DM)[-2]  # the same question, now delivered
    rig.press_value(rig.api.buttons(DM)[0][1], REPORTER, DM)  # and the conversation goes on
    assert "Please choose" not in rig.api.texts(DM)[-1]


def test_an_answered_question_shows_the_choice_instead_of_its_buttons(rig):
    """After a press in the DM, the message is updated: its buttons go, the choice shows."""
    rig.say("hi")
    rig.press_value(rig.api.buttons(DM)[0][1], REPORTER, DM)  # start
    for _ in range(50):
        updates = [p for m, p in rig.api.calls if m == "chat.update"]
        if updates:
            break
        time.sleep(0.02)
    blocks = updates[-1]["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert all(b["type"] != "actions" for b in blocks)
    assert "✓" in json.dumps(blocks, ensure_ascii=False)


def test_a_channel_that_is_gone_is_a_dead_letter_at_once(rig):
    """channel_not_found is permanent: no retries for days, a dead letter now."""
    file_report(rig, "en", send=False)
    rig.api.faults.append((200, {}, {"ok": False, "error": "channel_not_found"}))
    rig.press("Send the report")
    with rig.engine.sessions() as session:
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert")).one()
    assert (alert.status, alert.last_error) == ("dead", "permanent")


def test_the_alert_is_updated_to_say_who_acknowledged_it(rig):
    """After the press, chat.update on the alert: the handler's display name from users.info
    and no Acknowledge button any more."""
    rig.api.names[HANDLER] = "Kari Nilsen"
    file_report(rig, "en")
    rig.sweep.run_once()
    reference = rig.case().reference
    alert_ts = next(ts for channel, ts in rig.api.posted if channel == DESK)
    rig.press_value(f"desk:ack:{reference}", HANDLER, DESK)
    rig.sweep.run_once()
    updates = [p for m, p in rig.api.calls if m == "chat.update" and p["channel"] == DESK]
    assert len(updates) == 1 and updates[0]["ts"] == alert_ts
    shown = json.dumps(updates[0], ensure_ascii=False)
    assert "Bekreftet mottatt av Kari Nilsen" in shown
    assert f"desk:take:{reference}" in shown and f"desk:ack:{reference}" not in shown


def test_the_minutes_button_opens_a_form_and_its_fields_are_the_minutes(rig):
    """Minutes opens a modal with five fields; submitted, they are the case's minutes."""
    file_report(rig, "en")
    rig.sweep.run_once()
    reference = rig.case().reference
    rig.press_value(f"desk:ack:{reference}", HANDLER, DESK)
    blocks = rig.api.posts(DESK)[0]["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    button = next(
        e for b in blocks if b["type"] == "actions" for e in b["elements"]
        if e["action_id"].startswith("form_")
    )  # fmt: skip
    assert json.loads(button["value"])["value"] == f"desk:minutes:{reference}"
    rig.interact({"type": "block_actions", "user": {"id": HANDLER}, "channel": {"id": DESK},
                  "trigger_id": "trig-form", "message": {"ts": "1700000000.000001"},
                  "actions": [{**button, "type": "button", "action_ts": "99"}]})  # fmt: skip
    opened = [p for m, p in rig.api.calls if m == "views.open"][-1]
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert [b["block_id"] for b in view["blocks"]] == [
        "date", "participants", "summary", "decisions", "next_steps"
    ]  # fmt: skip
    typed = {"date": "19.11", "participants": "Kari, Per", "summary": "Talked",
             "decisions": "Warn him", "next_steps": ""}  # fmt: skip
    values = {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in typed.items()}
    done = rig.interact({"type": "view_submission", "user": {"id": HANDLER},
                         "view": {**view, "state": {"values": values}}})  # fmt: skip
    assert done.status_code == 200
    with rig.engine.sessions() as session:
        log = rig.engine.desk.log_text(session, rig.case())
    assert "19.11 · Kari, Per" in log and "Beslutninger: Warn him" in log
    assert "Neste steg" not in log


def test_what_the_adapter_keeps_about_channels_and_people_is_bounded_and_expires(rig, monkeypatch):
    """Guards the caches: a bot that has talked to many people keeps at most KEPT of each,
    answers from the cache within the time to live, and asks Slack again after it."""
    monkeypatch.setattr(slack, "KEPT", 3)
    adapter = SlackAdapter("xoxb-test", SECRET, api_url=rig.api.url, post_interval=0.0)
    now = [0.0]
    adapter.clock = lambda: now[0]
    for number in range(10):
        adapter._locale(f"U{number}")
        adapter._is_private(f"D{number}")
    assert len(adapter._locales) <= 3 and len(adapter._private) <= 3

    def asked(method: str) -> int:
        return sum(1 for name, _ in rig.api.calls if name == method)

    before = asked("users.info"), asked("conversations.info")
    adapter._locale("U9")
    adapter._is_private("D9")
    assert (asked("users.info"), asked("conversations.info")) == before
    now[0] += slack.LOCALE_TTL + 1
    adapter._locale("U9")
    adapter._is_private("D9")
    assert (asked("users.info"), asked("conversations.info")) == (before[0] + 1, before[1] + 1)

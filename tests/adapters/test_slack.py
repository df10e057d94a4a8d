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

from adapters.slack import SlackAdapter, escape
from bot.channels import AdapterChannels
from bot.delivery import DeliverySweep
from bot.http import SLACK_PATH, build_app, slack_route
from conversations.engine import Engine
from storage.db import session_factory
from storage.models import AuditEntry, Case, Conversation
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
            org.groups[0].model_copy(update={"slack_channel": DESK}),
            org.groups[1].model_copy(update={"slack_channel": CENTRAL}),
        )
        self.org = org.model_copy(update={"groups": groups})
        self.api = SlackWebApi()
        self.api.members[DESK] = [HANDLER]
        self.adapter = SlackAdapter(
            "xoxb-test",
            SECRET,
            api_url=self.api.url,
            process_before_response=True,
            sleep=lambda s: None,
        )
        channels = AdapterChannels(self.org, [self.adapter])
        self.engine = Engine(
            session_factory(db), Vault(keyring), self.org, channels, clock=lambda: clock[0]
        )
        self.adapter.start(self.engine.handle)
        self.sweep = DeliverySweep(
            self.engine.sessions, self.engine.vault, {"slack": self.adapter}, clock=lambda: clock[0]
        )
        self.client = TestClient(build_app([slack_route(self.adapter)]))
        self.events = 0

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
                        "action_id": "choice_0",
                        "type": "button",
                        "value": value,
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


def file_report(rig: Rig, language: str, what: str = "He would not stop.") -> None:
    locale, when, done, send, _ = WORDS[language]
    rig.api.locales[REPORTER] = locale
    rig.say("hi")
    for _ in range(4):  # start; anonymous; it happened to me; its kind
        assert rig.press_value(rig.api.buttons(DM)[0][1], REPORTER, DM).status_code == 200
    rig.say(what)
    rig.press(done)
    rig.say(when)
    rig.press_value(rig.api.buttons(DM)[0][1], REPORTER, DM)
    for text in ("At the office party", "Ola Nordmann", "Board member"):
        rig.say(text)
    for index in (1, 1, 0, 0):
        rig.press_value(rig.api.buttons(DM)[index][1], REPORTER, DM)
    rig.say("I want it to stop")
    rig.press_value(rig.api.buttons(DM)[0][1], REPORTER, DM)
    rig.press(send)


@pytest.mark.parametrize("language", ["nb", "sv", "en"])
def test_full_report_in_each_language(rig, language):
    """Block Kit buttons in the app's DM all the way to the receipt, in the user's locale."""
    file_report(rig, language)
    assert WORDS[language][4] in rig.api.texts(DM)[-1]
    assert rig.sweep.run_once() == 1
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
    assert "Sendt til varsleren" in confirmation["text"]
    assert confirmation["thread_ts"] == "1700000000.000001"  # under the alert it came from
    rig.command("/trygg", f"note {reference} Spoke to the reporter", HANDLER, DESK)
    rig.sweep.run_once()
    question = rig.api.texts(DM)[-1]
    assert "Who else was there?" in question and question.startswith("You have a new message.")
    assert "Note added" in rig.api.texts(DESK)[-1] or "Notat lagt til" in rig.api.texts(DESK)[-1]
    assert REPORTER not in json.dumps(rig.api.posts(DESK))


def test_non_member_button_press_is_refused_and_audited(rig):
    """A press by someone not in conversations.members is refused and written to the audit log."""
    file_report(rig, "en")
    reference = rig.case().reference
    rig.press_value(f"desk:ack:{reference}", "U0STRANGER", DESK)
    assert rig.case().status == "received"
    assert "Bare medlemmer" in rig.api.texts(DESK)[-1]
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
    file_report(rig, "en")
    rig.api.faults.append(ratelimited(30))
    assert rig.sweep.run_once() == 0
    clock[0] += timedelta(seconds=29)
    assert rig.sweep.run_once() == 0
    clock[0] += timedelta(seconds=2)
    assert rig.sweep.run_once() == 1


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

"""The Slack adapter: reporters in the app's direct messages, handler groups in private channels.

slack-bolt is the transport only; conversation state lives in Trygg's own tables. Addresses
are `slack:<channel id>`, message references `slack:<channel id>:<ts>`. Every text that
reaches Slack is escaped (&, <, >), so nobody's words can become a mention or `<!channel>`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from conversations.adapter import Handler
from conversations.errors import DeliveryError, RateLimited, RecipientGone
from conversations.i18n import Translator
from conversations.messages import Inbound, Outbound
from conversations.notify import TEXT_ACTIONS
from conversations.org import Group

log = logging.getLogger(__name__)

PLATFORM = "slack"
SECTION_LIMIT = 2900  # a section's text may hold 3000 characters
MAX_SECTIONS = 45  # a message may hold 50 blocks
MAX_BUTTONS = 25  # an actions block may hold 25 elements
MEMBERS_TTL = 60.0
POST_INTERVAL = 1.0  # about one message per second per channel
GONE = ("account_inactive", "user_disabled", "user_not_found", "cannot_dm_bot")
MODAL = "desk_text"
CHANNEL = re.compile(r"^[CDG][A-Z0-9]{2,}$")


def escape(text: str) -> str:
    """Slack's own escaping: what a person wrote can never be read as a link or mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def address(channel: str) -> str:
    return f"{PLATFORM}:{channel}"


def parse_address(value: str) -> str:
    platform, _, rest = value.partition(":")
    channel = rest.split(":", 1)[0]
    if platform != PLATFORM or not CHANNEL.match(channel):
        raise ValueError(f"not a Slack address: {value!r}")
    return channel


def parse_ref(value: str) -> tuple[str, str]:
    parts = value.split(":")
    if len(parts) != 3 or parts[0] != PLATFORM:
        raise ValueError(f"not a Slack message reference: {value!r}")
    return parts[1], parts[2]


def sections(text: str) -> list[str]:
    """Split escaped text into section-sized pieces, at line breaks where possible."""
    pieces: list[str] = []
    while len(text) > SECTION_LIMIT:
        cut = text.rfind("\n", 0, SECTION_LIMIT)
        if cut <= SECTION_LIMIT // 2:
            cut = text.rfind(" ", 0, SECTION_LIMIT)
        cut = cut if cut > 0 else SECTION_LIMIT
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    pieces.append(text)
    return pieces


def render(outbound: Outbound) -> list[tuple[str, list[dict[str, Any]]]]:
    """Block Kit messages (fallback text, blocks) for one Outbound; buttons go on the last."""
    parts: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece, "verbatim": True}}
        for piece in sections(escape(outbound.text))
    ]
    messages: list[list[dict[str, Any]]] = [
        parts[i : i + MAX_SECTIONS] for i in range(0, len(parts), MAX_SECTIONS)
    ]
    if outbound.choices:
        buttons = [
            {
                "type": "button",
                "action_id": f"choice_{n}",
                "value": c.value,
                "text": {"type": "plain_text", "text": c.label[:75], "emoji": True},
            }
            for n, c in enumerate(outbound.choices)
        ]
        for start in range(0, len(buttons), MAX_BUTTONS):
            messages[-1].append({"type": "actions", "elements": buttons[start : start + 25]})
    return [(escape(outbound.text)[:3000], blocks) for blocks in messages]


class SlackAdapter:
    """Bolt App with signature verification; HTTP mode through `dispatch`, or Socket Mode."""

    name = PLATFORM

    def __init__(
        self,
        token: str,
        signing_secret: str,
        api_url: str | None = None,
        language: str = "nb",
        timezone: str = "Europe/Oslo",
        process_before_response: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.app = App(
            token=token,
            signing_secret=signing_secret,
            process_before_response=process_before_response,
            token_verification_enabled=not api_url,  # verified lazily against api_url instead
        )
        self.client: WebClient = self.app.client
        if api_url:  # GovSlack, or a local server in tests
            self.client.base_url = api_url if api_url.endswith("/") else api_url + "/"
        self.tr = Translator(language, timezone)
        self.handler: Handler | None = None
        self.sleep = sleep
        self._desk: set[str] = set()
        self._members: dict[str, tuple[float, set[str]]] = {}
        self._private: dict[str, bool] = {}
        self._locales: dict[str, str | None] = {}
        self._last_post: dict[str, float] = {}
        self._lock = threading.Lock()
        self._register()

    # --- lifecycle -----------------------------------------------------------------------

    def start(self, handler: Handler) -> None:
        self.handler = handler

    def stop(self) -> None:
        self.handler = None

    def dispatch(self, body: str, headers: dict[str, str], query: str = "") -> BoltResponse:
        """One HTTP request from Slack; Bolt verifies the signature and timestamp first."""
        request_headers: dict[str, str | Sequence[str]] = dict(headers)
        return self.app.dispatch(BoltRequest(body=body, headers=request_headers, query=query))

    # --- capabilities --------------------------------------------------------------------

    def group_address(self, group: Group) -> str | None:
        if not group.slack_channel:
            return None
        self._desk.add(group.slack_channel)
        return address(group.slack_channel)

    def is_member(self, channel_address: str, user_id: str) -> bool:
        """conversations.members, cached briefly; refuses when Slack cannot be asked."""
        channel = parse_address(channel_address)
        now = time.monotonic()
        cached = self._members.get(channel)
        if cached is None or now - cached[0] > MEMBERS_TTL:
            try:
                members: set[str] = set()
                cursor = None
                while True:
                    page = self.client.conversations_members(
                        channel=channel, cursor=cursor, limit=200
                    )
                    members |= set(page.get("members", []))
                    cursor = (page.get("response_metadata") or {}).get("next_cursor")
                    if not cursor:
                        break
            except SlackApiError as exc:
                log.warning("membership could not be checked (%s); refusing", _code(exc))
                return False
            cached = (now, members)
            self._members[channel] = cached
        return user_id in cached[1]

    def deliver(self, outbound: Outbound) -> str:
        return self._post(outbound, thread_ts=None)

    def deliver_in_thread(self, outbound: Outbound, parent_ref: str) -> str:
        return self._post(outbound, thread_ts=parse_ref(parent_ref)[1])

    # --- sending -------------------------------------------------------------------------

    def _post(self, outbound: Outbound, thread_ts: str | None) -> str:
        channel = parse_address(outbound.address)
        if channel in self._desk and not self._is_private(channel):
            raise DeliveryError("refusing to post case content to a channel that is not private")
        ts = ""
        for text, blocks in render(outbound):
            self._throttle(channel)
            try:
                response = self.client.chat_postMessage(
                    channel=channel,
                    text=text,
                    blocks=blocks,
                    thread_ts=thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except SlackApiError as exc:
                raise _delivery_error(exc) from None
            ts = ts or str(response["ts"])
        return f"{PLATFORM}:{channel}:{ts}"

    def _throttle(self, channel: str) -> None:
        with self._lock:
            wait = self._last_post.get(channel, 0.0) + POST_INTERVAL - time.monotonic()
            self._last_post[channel] = time.monotonic() + max(wait, 0.0)
        if wait > 0:
            self.sleep(wait)

    def _is_private(self, channel: str) -> bool:
        if channel not in self._private:
            try:
                info = self.client.conversations_info(channel=channel)["channel"]
            except SlackApiError as exc:
                raise _delivery_error(exc) from None
            self._private[channel] = bool(info.get("is_private") or info.get("is_im"))
        return self._private[channel]

    def _answer(self, inbound: Inbound, thread_ts: str | None = None) -> None:
        """Hand an inbound to the engine and post its replies (to the same thread, if any)."""
        if self.handler is None:
            return
        for reply in self.handler(inbound):
            try:
                self._post(reply, thread_ts=thread_ts)
            except DeliveryError as exc:
                log.warning("could not answer on Slack (%s)", exc.code)

    def _locale(self, user: str) -> str | None:
        if user not in self._locales:
            try:
                info = self.client.users_info(user=user, include_locale=True)["user"]
                self._locales[user] = info.get("locale")
            except SlackApiError:
                self._locales[user] = None
        return self._locales[user]

    # --- receiving -----------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.event("app_home_opened")(self._on_home)
        app.action(re.compile(r"^choice_\d+$"))(self._on_action)
        app.view(MODAL)(self._on_modal)
        app.command("/report")(self._on_report)
        app.command("/trygg")(self._on_desk_command)

    def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("bot_id") or event.get("subtype") in ("bot_message", "message_deleted"):
            return
        user = event.get("user") or (event.get("message") or {}).get("user")
        channel = event.get("channel", "")
        if not user or event.get("channel_type") != "im":
            return  # channel chatter is not for the bot (it is not subscribed to it anyway)
        subtype = event.get("subtype")
        content = "edit" if subtype == "message_changed" else "text"
        if subtype == "file_share" or event.get("files"):
            content = "file"
        self._answer(
            Inbound(
                PLATFORM,
                user,
                address(channel),
                text=event.get("text"),
                content=content,
                locale=self._locale(user),
                private=True,
                event_id=body.get("event_id"),
            )
        )

    def _on_mention(self, event: dict[str, Any], client: WebClient) -> None:
        """Mentioned in a channel: an ephemeral 'write to me privately'; nothing is stored."""
        user, channel = event.get("user"), event.get("channel")
        if user and channel and channel not in self._desk:
            text = escape(self.tr.t("group.write_privately"))
            client.chat_postEphemeral(channel=channel, user=user, text=text)

    def _on_home(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        text = escape(self.tr.t("slack.home"))
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
                    for piece in sections(text)
                ],
            },
        )

    def _on_action(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        action = body["actions"][0]
        value = str(action.get("value", ""))
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id", "")
        private = channel.startswith("D")
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        if not private and _wants_text(value):
            view = self._modal(value, channel, thread)
            client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        event = f"action:{user}:{action.get('action_ts', '')}"
        self._answer(
            Inbound(
                PLATFORM,
                user,
                address(channel),
                choice=value,
                content="choice",
                locale=self._locale(user),
                private=private,
                event_id=event,
            ),
            thread_ts=None if private else thread,
        )

    def _modal(self, value: str, channel: str, thread: str | None) -> dict[str, Any]:
        _, action, reference = [*value.split(":", 2), "", ""][:3]
        t = self.tr.t
        return {
            "type": "modal",
            "callback_id": MODAL,
            "private_metadata": json.dumps(
                {"action": action, "reference": reference, "channel": channel, "thread": thread}
            ),
            "title": {"type": "plain_text", "text": reference[:24]},
            "submit": {"type": "plain_text", "text": t("slack.modal.submit")},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "text",
                    "label": {"type": "plain_text", "text": t("slack.modal.label", action=action)},
                    "element": {
                        "type": "plain_text_input",
                        "action_id": "value",
                        "multiline": True,
                        "max_length": 3000,
                    },
                }
            ],
        }

    def _on_modal(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        text = (view["state"]["values"].get("text", {}).get("value", {}).get("value") or "").strip()
        if not text:
            ack(response_action="errors", errors={"text": self.tr.t("slack.modal.empty")})
            return
        if meta.get("action") == "minutes" and text.count(";") < 2:
            ack(
                response_action="errors",
                errors={
                    "text": self.tr.t("desk.minutes_format", reference=meta.get("reference", ""))
                },
            )
            return
        ack()
        user = body["user"]["id"]
        self._answer(
            Inbound(
                PLATFORM,
                user,
                address(meta.get("channel", "")),
                private=False,
                text=f"/{meta.get('action')} {meta.get('reference')} {text}",
            ),
            thread_ts=meta.get("thread"),  # the answer goes under the alert, like the action
        )

    def _on_report(self, ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        """`/report` anywhere: the conversation starts in the app's direct messages."""
        ack()
        user = command["user_id"]
        dm = client.conversations_open(users=user)["channel"]["id"]
        self._answer(
            Inbound(
                PLATFORM, user, address(dm), text="/start", locale=self._locale(user), private=True
            )
        )

    def _on_desk_command(self, ack: Ack, command: dict[str, Any]) -> None:
        """`/trygg note K-… text` in a handler channel (Slack keeps '/' for its own commands)."""
        ack()
        channel = command.get("channel_id", "")
        text = "/" + (command.get("text") or "help").strip()
        self._answer(
            Inbound(
                PLATFORM,
                command["user_id"],
                address(channel),
                text=text,
                private=channel.startswith("D"),
            )
        )


def _wants_text(value: str) -> bool:
    parts = value.split(":")
    return len(parts) == 3 and parts[0] == "desk" and parts[1] in TEXT_ACTIONS


def _code(exc: SlackApiError) -> str:
    return (
        str(exc.response.get("error", "slack_error")) if exc.response is not None else "slack_error"
    )


def _delivery_error(exc: SlackApiError) -> DeliveryError:
    response = exc.response
    if response is not None and response.status_code == 429:
        return RateLimited(float(response.headers.get("Retry-After", "1")))
    if _code(exc) in GONE:
        return RecipientGone(_code(exc))
    return DeliveryError(f"Slack refused the message ({_code(exc)})")

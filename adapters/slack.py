"""The Slack adapter: reporters in the app's direct messages, handler groups in private channels.

slack-bolt is the transport only; conversation state lives in Trygg's own tables. Addresses
are `slack:<channel id>`, message references `slack:<channel id>:<ts>`. Every text that
reaches Slack is escaped (&, <, >), so nobody's words can become a mention or `<!channel>`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast
from urllib.parse import parse_qs

from cachetools import TTLCache
from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from conversations.adapter import Handler, Sent
from conversations.errors import (
    AdapterConfigError,
    BadAddress,
    DeliveryError,
    PermanentDeliveryError,
    RateLimited,
    RecipientGone,
)
from conversations.i18n import Translator, negotiate
from conversations.messages import Choice, Inbound, Outbound
from conversations.org import LANGUAGES, Group, Org

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
SECTION_LIMIT = 2900  # a section's text may hold 3000 characters
MAX_SECTIONS = 45  # a message may hold 50 blocks
MAX_BUTTONS = 25  # an actions block may hold 25 elements
MEMBERS_TTL = 60.0
PRIVACY_TTL = 60.0  # a channel made public is noticed within a minute
LOCALE_TTL = 3600.0
KEPT = 10_000  # channels and people each cache keeps at most
_UNKNOWN = object()  # not in the cache (None is a locale Slack did not tell)
T = TypeVar("T")
POST_INTERVAL = 1.0  # about one message per second per channel
GONE = ("account_inactive", "user_disabled", "user_not_found", "cannot_dm_bot")
# Errors that no retry can mend: the channel or the app's place in it is gone.
PERMANENT = ("channel_not_found", "is_archived", "not_in_channel", "invalid_auth", "not_authed")
MODAL = "desk_text"
FORM_MODAL = "desk_form"
MAX_VALUE = 2000  # a button's value
# The adapter's own texts (the Home tab, the modal), in each language it may meet.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "home": (
            "*Trygg* is a safe way to report sexual harassment or other misconduct in the "
            "organisation.\n\n"
            "• Write to me here in *Messages*, or use `/report` anywhere. I ask one question at "
            "a time, with buttons.\n"
            "• Only the designated group reads your report. You choose whether they learn your "
            "name.\n"
            "• Your report is stored encrypted. Slack carries the chat, so Slack can see that "
            "you wrote to this app.\n"
            "• Every question has a *Back* button, and before sending you can change any answer "
            "or delete everything."
        ),
        "modal.submit": "Save",
        "modal.empty": "Please write something first.",
    },
    "nb": {
        "home": (
            "*Trygg* er en trygg måte å si fra om seksuell trakassering eller annen "
            "kritikkverdig oppførsel i organisasjonen.\n\n"
            "• Skriv til meg her under *Meldinger*, eller bruk `/report` hvor som helst. Jeg spør "
            "om én ting om gangen, med knapper.\n"
            "• Bare den utpekte gruppen leser varselet. Du velger om de får vite navnet ditt.\n"
            "• Varselet lagres kryptert. Slack frakter chatten, så Slack kan se at du skrev til "
            "denne appen.\n"
            "• Hvert spørsmål har en *Tilbake*-knapp, og før du sender kan du endre hvert svar "
            "eller slette alt."
        ),
        "modal.submit": "Lagre",
        "modal.empty": "Skriv noe først.",
    },
    "sv": {
        "home": (
            "*Trygg* är ett tryggt sätt att anmäla sexuella trakasserier eller andra "
            "missförhållanden i organisationen.\n\n"
            "• Skriv till mig här under *Meddelanden*, eller använd `/report` var som helst. Jag "
            "frågar en sak i taget, med knappar.\n"
            "• Bara den utsedda gruppen läser din anmälan. Du väljer om de får veta ditt namn.\n"
            "• Anmälan sparas krypterad. Slack för chatten, så Slack kan se att du skrev till den "
            "här appen.\n"
            "• Varje fråga har en *Tillbaka*-knapp, och innan du skickar kan du ändra varje svar "
            "eller radera allt."
        ),
        "modal.submit": "Spara",
        "modal.empty": "Skriv något först.",
    },
}
CHANNEL = re.compile(r"^[CDG][A-Z0-9]{2,}$")


def escape(text: str) -> str:
    """Slack's own escaping: what a person wrote can never be read as a link or mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """A message as the person typed it: Slack sends `&`, `<` and `>` escaped, and Trygg escapes
    once more when it posts, so without this a typed `&` would be shown as `&amp;amp;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


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
                # "text_" buttons need a text too: a modal collects it with the press.
                "action_id": f"{'text' if c.asks_text else 'choice'}_{n}",
                "value": c.value,
                "text": {"type": "plain_text", "text": c.label[:75], "emoji": True},
                **form_button(c, n),
            }
            for n, c in enumerate(outbound.choices)
        ]
        for start in range(0, len(buttons), MAX_BUTTONS):
            messages[-1].append({"type": "actions", "elements": buttons[start : start + 25]})
    return [(escape(outbound.text)[:3000], blocks) for blocks in messages]


def form_button(choice: Choice, n: int) -> dict[str, str]:
    """A button whose choice is a form: "form_" opens a modal with a field for each (the
    fields travel in the value, which Slack gives back with the press)."""
    if not choice.form:
        return {}
    value = json.dumps({"value": choice.value, "form": choice.form}, ensure_ascii=False)
    return {"action_id": f"form_{n}", "value": value} if len(value) <= MAX_VALUE else {}


class SlackAdapter:
    """Bolt App with signature verification; HTTP mode through `dispatch`, or Socket Mode."""

    name = PLATFORM
    TRIGGERS = ("SLACK_BOT_TOKEN",)  # set, the platform runs

    def __init__(
        self,
        token: str,
        signing_secret: str,
        api_url: str | None = None,
        language: str = "nb",
        timezone: str = "Europe/Oslo",
        process_before_response: bool = True,
        post_interval: float = POST_INTERVAL,
        app_token: str = "",
    ) -> None:
        if not (signing_secret or app_token):
            raise AdapterConfigError(
                "SLACK_SIGNING_SECRET",
                "set it (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) with SLACK_BOT_TOKEN",
            )
        self.signing_secret = signing_secret
        self.app_token = app_token
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
        self.post_interval = post_interval
        self._desk: set[str] = set()
        self.clock: Callable[[], float] = time.monotonic  # for the caches' time to live
        # Bounded, with a time to live: a bot that has talked to many people keeps no more.
        self._members: TTLCache[str, set[str]] = TTLCache(KEPT, MEMBERS_TTL, self._now)
        self._private: TTLCache[str, bool] = TTLCache(KEPT, PRIVACY_TTL, self._now)
        self._locales: TTLCache[str, str | None] = TTLCache(KEPT, LOCALE_TTL, self._now)
        self._lock = threading.Lock()  # the caches are shared by Bolt's threads
        self._team: str | None = None
        self._register()

    @classmethod
    def from_env(cls, env: Mapping[str, str], org: Org) -> SlackAdapter | None:
        """SLACK_BOT_TOKEN runs it; SLACK_SIGNING_SECRET serves HTTP mode at /slack/events,
        SLACK_APP_TOKEN Socket Mode instead; SLACK_API_URL another Web API (GovSlack)."""
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        if not token:
            return None
        return cls(
            token,
            env.get("SLACK_SIGNING_SECRET", "").strip(),
            api_url=env.get("SLACK_API_URL") or None,
            language=org.default_language,
            timezone=org.organisation.timezone,
            app_token=env.get("SLACK_APP_TOKEN", "").strip(),
        )

    # --- lifecycle -----------------------------------------------------------------------

    def start(self, handler: Handler) -> None:
        self.handler = handler

    def routes(self) -> list[BaseRoute]:
        """HTTP mode: the Events API, interactivity and commands at /slack/events."""
        return [] if self.app_token else [events_route(self, self.signing_secret)]

    async def serve(self, stop: asyncio.Event) -> None:
        """Socket Mode holds a connection to Slack until `stop`; HTTP mode only waits."""
        if not self.app_token:
            await stop.wait()
            return
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket = SocketModeHandler(self.app, self.app_token)
        await asyncio.to_thread(socket.connect)
        try:
            await stop.wait()
        finally:
            await asyncio.to_thread(socket.close)

    def stop(self) -> None:
        self.handler = None

    def dispatch(self, body: str, headers: dict[str, str], query: str = "") -> BoltResponse:
        """One HTTP request from Slack; Bolt verifies the signature and timestamp first."""
        request_headers: dict[str, str | Sequence[str]] = dict(headers)
        return self.app.dispatch(BoltRequest(body=body, headers=request_headers, query=query))

    # --- capabilities --------------------------------------------------------------------

    def group_address(self, group: Group) -> str | None:
        channel = group.channels.get(PLATFORM)
        if not channel:
            return None
        self._desk.add(channel)
        return address(channel)

    def is_member(self, channel_address: str, user_id: str, *, fresh: bool = False) -> bool:
        """conversations.members, cached briefly (`fresh`: asked now); refuses when Slack cannot
        be asked."""
        channel = parse_address(channel_address)
        try:
            members = self._kept(self._members, channel, lambda: self._members_of(channel), fresh)
        except SlackApiError as exc:
            log.warning("membership could not be checked (%s); refusing", _code(exc))
            return False
        return user_id in members

    def _members_of(self, channel: str) -> set[str]:
        members: set[str] = set()
        cursor = None
        while True:
            page = self.client.conversations_members(channel=channel, cursor=cursor, limit=200)
            members |= set(page.get("members", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    def _kept(
        self, cache: TTLCache[str, T], key: str, ask: Callable[[], T], fresh: bool = False
    ) -> T:
        """What `cache` holds for `key`, or what `ask` answers now (then kept); Bolt's
        threads share the caches, so each is read and written under the lock."""
        with self._lock:
            known = _UNKNOWN if fresh else cache.get(key, _UNKNOWN)
        if known is not _UNKNOWN:
            return cast(T, known)
        value = ask()
        with self._lock:
            cache[key] = value
        return value

    def deliver(self, outbound: Outbound, part: int = 0) -> Sent:
        """Post one part (a message holds 50 blocks); buttons on the last part."""
        try:
            channel = parse_address(outbound.address)
            thread_ts = parse_ref(outbound.reply_to)[1] if outbound.reply_to else None
        except ValueError:
            raise BadAddress("not a Slack address") from None
        if channel in self._desk and not self._is_private(channel):
            raise DeliveryError("refusing to post case content to a channel that is not private")
        messages = render(outbound)
        if part >= len(messages):
            raise BadAddress("no such part of the message")
        text, blocks = messages[part]
        try:
            if outbound.only_for:  # seen only by that person (a refusal)
                response = self.client.chat_postEphemeral(
                    channel=channel,
                    user=outbound.only_for,
                    text=text,
                    blocks=blocks,
                    thread_ts=thread_ts,
                )
                ts = str(response.get("message_ts") or "0")
            else:
                response = self.client.chat_postMessage(
                    channel=channel,
                    text=text,
                    blocks=blocks,
                    thread_ts=thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                )
                ts = str(response["ts"])
        except SlackApiError as exc:
            raise _delivery_error(exc) from None
        return Sent(f"{PLATFORM}:{channel}:{ts}", len(messages))

    def edit(self, ref: str, outbound: Outbound) -> None:
        """Replace an alert's text and buttons (chat.update); one that took several messages
        is left as it is (its buttons are on another part)."""
        try:
            channel, ts = parse_ref(ref)
        except ValueError:
            raise BadAddress("not a Slack message reference") from None
        messages = render(outbound)
        if len(messages) > 1:
            raise PermanentDeliveryError("Slack: too long to edit in place")
        text, blocks = messages[0]
        try:
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            raise _delivery_error(exc) from None

    def pace(self, address: str) -> float:
        """About one message a second in one channel (Slack's posting limit)."""
        return self.post_interval

    def _is_private(self, channel: str) -> bool:
        """Asked again after a minute: a channel made public gets no more case content."""

        def ask() -> bool:
            try:
                info = self.client.conversations_info(channel=channel)["channel"]
            except SlackApiError as exc:
                raise _delivery_error(exc) from None
            return bool(info.get("is_private") or info.get("is_im"))

        return self._kept(self._private, channel, ask)

    def _answer(self, inbound: Inbound) -> None:
        """Hand an inbound to the engine, which stores it and queues the replies.

        Called before Slack is acknowledged: an event Slack got a 200 for is never lost. If
        the database cannot be written, the error reaches Bolt (a 500), and Slack retries.
        """
        if self.handler is not None:
            self.handler(inbound)

    def _tr(self, user: str) -> Translator:
        """The engine's texts in the user's own Slack language."""
        return Translator(negotiate(self._locale(user), LANGUAGES), self.tr.timezone)

    def _text(self, user: str, key: str) -> str:
        """One of the adapter's own texts, in the user's Slack language."""
        return TEXTS[negotiate(self._locale(user), LANGUAGES)][key]

    def _locale(self, user: str) -> str | None:
        """The user's Slack locale, kept an hour (and for at most KEPT people)."""

        def ask() -> str | None:
            try:
                info = self.client.users_info(user=user, include_locale=True)["user"]
            except SlackApiError:
                return None
            return cast(str | None, info.get("locale"))

        return self._kept(self._locales, user, ask)

    def display_name(self, address: str, user_id: str) -> str | None:
        """A handler's name (users.info: display name, else real name); None when Slack cannot
        say. Never logged; the desk stores it encrypted."""
        try:
            profile = self.client.users_info(user=user_id)["user"].get("profile") or {}
        except SlackApiError as exc:
            log.warning("a handler's name could not be read (%s)", _code(exc))
            return None
        name = profile.get("display_name") or profile.get("real_name")
        return str(name) if name else None

    # --- receiving -----------------------------------------------------------------------

    def _now(self) -> float:
        return self.clock()

    def _register(self) -> None:
        app = self.app
        app.use(self._same_workspace)
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.event("app_home_opened")(self._on_home)
        app.action(re.compile(r"^(choice|text)_\d+$"))(self._on_action)
        app.view(MODAL)(self._on_modal)
        app.action(re.compile(r"^form_\d+$"))(self._on_form)
        app.view(FORM_MODAL)(self._on_form_modal)
        app.command("/report")(self._on_report)
        app.command("/trygg")(self._on_desk_command)

    def _same_workspace(
        self,
        body: dict[str, Any],
        next: Callable[[], BoltResponse],  # Bolt passes it by name
    ) -> BoltResponse:
        """Only the app's own workspace is served: a request from another is dropped (200)."""
        team = (
            body.get("team_id")
            or (body.get("team") or {}).get("id")
            or (body.get("event") or {}).get("team")
        )
        ours = self._workspace()
        if team and ours and team != ours:
            log.warning("a request from another Slack workspace was ignored")
            return BoltResponse(status=200, body="")
        return next()

    def _workspace(self) -> str | None:
        """The app's workspace (auth.test, asked once); None when Slack cannot be asked."""
        if self._team is None:
            try:
                self._team = str(self.client.auth_test().get("team_id") or "") or None
            except SlackApiError as exc:
                log.warning("could not ask Slack for the app's workspace (%s)", _code(exc))
        return self._team

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
                text=unescape(event["text"]) if isinstance(event.get("text"), str) else None,
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
            text = escape(self._tr(user).t("group.write_privately"))
            client.chat_postEphemeral(channel=channel, user=user, text=text)

    def _on_home(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        text = escape(self._text(event["user"], "home"))
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
        """A button: stored by the engine first, then acknowledged (a modal opens at once)."""
        action = body["actions"][0]
        value = str(action.get("value", ""))
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id", "")
        private = channel.startswith("D")
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        if not private and str(action.get("action_id", "")).startswith("text_"):
            ack()
            label = str((action.get("text") or {}).get("text") or "")
            view = self._modal(value, label, user, channel, thread)
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
                thread=None if private or not thread else f"{PLATFORM}:{channel}:{thread}",
            )
        )
        ack()
        if private and message.get("ts"):
            label = str((action.get("text") or {}).get("text") or "")
            threading.Thread(
                target=self._answered, args=(channel, message, label), daemon=True
            ).start()

    def _answered(self, channel: str, message: dict[str, Any], label: str) -> None:
        """An answered question shows the choice instead of its buttons (chat.update), so an
        old button cannot be pressed by mistake. Done after the acknowledgement."""
        blocks = [b for b in message.get("blocks") or [] if b.get("type") != "actions"]
        blocks.append(
            {"type": "context", "elements": [{"type": "plain_text", "text": f"✓ {label}"[:150]}]}
        )
        try:
            self.client.chat_update(
                channel=channel,
                ts=str(message["ts"]),
                blocks=blocks,
                text=str(message.get("text") or f"✓ {label}"),
            )
        except Exception as exc:  # noqa: BLE001 - a tidy-up only: too old, gone, or offline
            log.info("could not show the answer in place of the buttons (%s)", type(exc).__name__)

    def _modal(
        self, value: str, label: str, user: str, channel: str, thread: str | None
    ) -> dict[str, Any]:
        """A modal that collects the text a button asks for; the press goes with it."""
        return {
            "type": "modal",
            "callback_id": MODAL,
            "private_metadata": json.dumps({"value": value, "channel": channel, "thread": thread}),
            "title": {"type": "plain_text", "text": "Trygg"},
            "submit": {"type": "plain_text", "text": self._text(user, "modal.submit")},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "text",
                    "label": {"type": "plain_text", "text": (label or "…")[:2000]},
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
        user = body["user"]["id"]
        if not text:
            ack(response_action="errors", errors={"text": self._text(user, "modal.empty")})
            return
        channel, thread = str(meta.get("channel", "")), meta.get("thread")
        self._answer(
            Inbound(
                PLATFORM,
                user,
                address(channel),
                private=False,
                choice=str(meta.get("value", "")),
                text=text,
                content="choice",
                # the answer goes under the alert, like the action's
                thread=f"{PLATFORM}:{channel}:{thread}" if thread else None,
            )
        )
        ack()

    def _on_form(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A form's button in a handler channel: a modal with a field for each."""
        ack()
        action = body["actions"][0]
        try:
            data = json.loads(str(action.get("value", "")))
            value, fields = str(data["value"]), [(str(i), str(label)) for i, label in data["form"]]
        except (ValueError, KeyError, TypeError):
            log.warning("a form button's value could not be read; ignored")
            return
        message = body.get("message") or {}
        meta = {
            "value": value,
            "channel": (body.get("channel") or {}).get("id", ""),
            "thread": message.get("thread_ts") or message.get("ts"),
            "fields": [i for i, _ in fields],
        }
        user = body["user"]["id"]
        title = str((action.get("text") or {}).get("text") or "Trygg")[:24]
        blocks = [
            {
                "type": "input",
                "block_id": field,
                "optional": True,
                "label": {"type": "plain_text", "text": (label or field)[:2000]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": index > 0,
                    "max_length": 3000,
                },
            }
            for index, (field, label) in enumerate(fields)
        ]
        view = {
            "type": "modal",
            "callback_id": FORM_MODAL,
            "private_metadata": json.dumps(meta),
            "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": self._text(user, "modal.submit")},
            "blocks": blocks,
        }
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def _on_form_modal(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A submitted form: its fields go to the engine as one JSON object with the press."""
        meta = json.loads(view.get("private_metadata") or "{}")
        values = view["state"]["values"]
        fields = {
            str(field): (values.get(field, {}).get("value", {}).get("value") or "").strip()
            for field in meta.get("fields", [])
        }
        user = body["user"]["id"]
        if not any(fields.values()):
            first = next(iter(fields), "text")
            ack(response_action="errors", errors={first: self._text(user, "modal.empty")})
            return
        channel, thread = str(meta.get("channel", "")), meta.get("thread")
        self._answer(
            Inbound(
                PLATFORM,
                user,
                address(channel),
                private=False,
                choice=str(meta.get("value", "")),
                text=json.dumps(fields, ensure_ascii=False),
                content="choice",
                thread=f"{PLATFORM}:{channel}:{thread}" if thread else None,
            )
        )
        ack()

    def _on_report(self, ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        """`/report` anywhere: the conversation starts in the app's direct messages."""
        user = command["user_id"]
        dm = client.conversations_open(users=user)["channel"]["id"]
        words = (command.get("text") or "").strip().split()
        text = f"/{words[0].lower()}" if words else "/start"  # "/report help" is /help
        self._answer(
            Inbound(PLATFORM, user, address(dm), text=text, locale=self._locale(user), private=True)
        )
        ack()

    def _on_desk_command(self, ack: Ack, command: dict[str, Any]) -> None:
        """`/trygg note K-… text` in a handler channel (Slack keeps '/' for its own commands)."""
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
        ack()


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
    if _code(exc) in PERMANENT:  # no retry can mend it: a dead letter now, and reported
        return PermanentDeliveryError(f"Slack: {_code(exc)}")
    return DeliveryError(f"Slack refused the message ({_code(exc)})")


def body_ok(body: str, content_type: str) -> bool:
    """Whether a (verified) Slack body has a shape Bolt can parse: a JSON object for events,
    a form for commands, and for interactivity a form whose `payload` is a JSON object."""
    if content_type.startswith("application/json"):
        return _json_object(body)
    form = parse_qs(body, keep_blank_values=True)
    if "payload" in form:
        return len(form["payload"]) == 1 and _json_object(form["payload"][0])
    return bool(form)


def _json_object(text: str) -> bool:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict)


def events_route(adapter: SlackAdapter, signing_secret: str) -> Route:
    """Slack's Events API, interactivity and slash commands.

    The signature is checked here, before anything reads the body (bad or stale → 401 and
    nothing logged of the body); then its shape (malformed → 400); only then Bolt, which
    checks the signature once more, and the engine stores the event before Slack gets its 200.
    """
    verifier = SignatureVerifier(signing_secret) if signing_secret.strip() else None

    async def events(request: Request) -> Response:
        raw = await request.body()
        if verifier is None or not _signed(verifier, raw, request.headers):
            log.warning("slack request with a missing or bad signature refused")
            return PlainTextResponse("unauthorized", status_code=401)
        body = raw.decode("utf-8")  # valid: the signature check decoded it
        if not body_ok(body, request.headers.get("content-type", "")):
            log.warning("slack request with a malformed body refused")
            return PlainTextResponse("bad request", status_code=400)
        headers = dict(request.headers)
        response = await asyncio.to_thread(adapter.dispatch, body, headers, request.url.query)
        return Response(
            content=response.body,
            status_code=response.status,
            headers=response.first_headers_without_set_cookie(),
        )

    return Route(EVENTS_PATH, events, methods=["POST"])


def _signed(verifier: SignatureVerifier, body: bytes, headers: Headers) -> bool:
    try:
        return verifier.is_valid_request(body, dict(headers))
    except (ValueError, UnicodeDecodeError):  # a timestamp that is not a number, or bytes
        return False


ADAPTER = SlackAdapter

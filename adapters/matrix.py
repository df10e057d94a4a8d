"""The Matrix adapter: reporters in direct rooms with the bot, handler groups in private rooms.

Library: matrix-nio (async, aiohttp). It is a small client library: log in, /sync, send,
join, members, redact — all this adapter needs, on Trygg's own event loop. mautrix-python is
what bridges and appservices are built on (its strengths: appservice transactions, a state
store, a database layer), none of which a bot with one account uses. Neither is asked to
encrypt: this adapter has no end-to-end encryption. A room with `m.room.encryption` state is
told once, in plain words, that the bot cannot read it, and never gets case content
(`deliver` refuses: PermanentDeliveryError, or RecipientGone for a reporter's room).

Addresses are `matrix:<room id>`, message references `matrix:<room id>:<event id>` (a room
id may hold colons, `!a:example.org:8448`; an event id starts with `$`, so the reference is
split at the first `:$`). Text goes as `m.text` with a plain `body` only and an empty
`m.mentions` — nothing a person wrote can become HTML, a link, a pill or an @room ping.
Choices are a numbered list under the text; typed replies go to the engine as
`Inbound(numbered=True)`.

The sync position (`next_batch`) is kept in the bot account's own account data on the
homeserver, so a restart continues where it stopped, without a local file; on the very
first start the backlog is skipped. Which rooms were told what (the encrypted-room notice,
"write to me privately") is kept in each room's account data, so it is said once, also
across restarts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import re
import threading
import urllib.parse
import uuid
from collections.abc import Awaitable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import ClientError
from cachetools import TTLCache
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    JoinedMembersResponse,
    LoginResponse,
    RoomGetStateResponse,
    RoomMessagesResponse,
    RoomSendResponse,
    SyncResponse,
    WhoamiResponse,
)
from starlette.routing import BaseRoute

from conversations.adapter import Handler, Sent
from conversations.errors import (
    AdapterConfigError,
    BadAddress,
    DeliveryError,
    PermanentDeliveryError,
    RateLimited,
    RecipientGone,
)
from conversations.messages import Inbound, Outbound
from conversations.messages import split_text as split_parts
from conversations.org import LANGUAGES, Group, Org

log = logging.getLogger(__name__)

PLATFORM = "matrix"
MAX_PART = 16_000  # characters; a Matrix event may hold 65 536 bytes of JSON
PACE = 0.2  # seconds between two messages to one room (Synapse's default allows ~5/s)
CALL_TIMEOUT = 30.0
SYNC_TIMEOUT_MS = 30_000
KEPT = 10_000  # rooms whose facts are kept at most
FACTS_TTL = 60.0  # a room's encryption, join rule and members are asked again after a minute
RETRY_SYNC = (1.0, 2.0, 5.0, 10.0, 30.0)
ENV = ("MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_ACCESS_TOKEN", "MATRIX_PASSWORD")
SYNC_DATA = "org.trygg.sync"  # account data: {"next_batch": "..."}
TOLD_DATA = "org.trygg.told"  # room account data: {"encrypted": true, "elsewhere": true}
ROOM_ID = re.compile(r"^![A-Za-z0-9._~+/=\-]+(:[A-Za-z0-9.\-\[\]]+(:\d{1,5})?)?$")
EVENT_ID = re.compile(r"^\$[A-Za-z0-9._~+/=\-:]+$")
USER_ID = re.compile(r"^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-\[\]]+(:\d{1,5})?$")
PRIVATE_RULES = ("invite", "knock", "private")  # who joins is chosen by the room's members
BANG_COMMAND = re.compile(r"^![a-z]+(\s|$)")
CONTENT_KINDS = {
    "m.text": "text",
    "m.image": "photo",
    "m.file": "file",
    "m.video": "video",
    "m.audio": "audio",
    "m.location": "location",
    "m.sticker": "sticker",
}
SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "ephemeral": {"types": []},
        "account_data": {"types": []},
        "timeline": {"limit": 200},
    },
}
T = TypeVar("T")

# The adapter's own texts (the engine's are in its catalogs), in each of Trygg's languages.
TEXTS: dict[str, dict[str, str]] = {
    "encrypted.group": {
        "nb": (
            "Jeg kan ikke lese eller skrive i krypterte rom, så ingen varsler eller "
            "saksopplysninger blir sendt hit. Varslingsgruppen trenger et privat rom uten "
            "kryptering: opprett et nytt privat rom med kryptering slått av, inviter meg, og "
            "sett rommets ID under [groups.channels] matrix i organisasjonsfilen."
        ),
        "sv": (
            "Jag kan inte läsa eller skriva i krypterade rum, så inga anmälningar eller "
            "uppgifter om ärenden skickas hit. Gruppen behöver ett privat rum utan kryptering: "
            "skapa ett nytt privat rum med kryptering avstängd, bjud in mig och ange rummets "
            "ID under [groups.channels] matrix i organisationsfilen."
        ),
        "en": (
            "I cannot read or write in encrypted rooms, so no reports or case details will be "
            "posted here. The group needs a private room without encryption: create a new "
            "private room with encryption turned off, invite me, and put the room's ID under "
            "[groups.channels] matrix in the organisation file."
        ),
    },
    "encrypted.direct": {
        "nb": (
            "Denne samtalen er kryptert, og jeg kan ikke lese krypterte meldinger: det du "
            "skriver her, når ikke fram til meg. Opprett et nytt privat rom med kryptering "
            "slått av, og inviter meg dit."
        ),
        "sv": (
            "Den här konversationen är krypterad, och jag kan inte läsa krypterade "
            "meddelanden: det du skriver här når inte fram till mig. Skapa ett nytt privat rum "
            "med kryptering avstängd och bjud in mig dit."
        ),
        "en": (
            "This conversation is encrypted, and I cannot read encrypted messages: what you "
            "write here does not reach me. Create a new private room with encryption turned "
            "off, and invite me there."
        ),
    },
}


def text(key: str, language: str) -> str:
    """One of the adapter's own texts, in `language` (English when it has no such language)."""
    texts = TEXTS[key]
    return texts.get(language, texts["en"])


def address(room_id: str) -> str:
    return f"{PLATFORM}:{room_id}"


def parse_address(value: str) -> str:
    """The room id in `matrix:<room id>`; anything else is refused (ValueError)."""
    platform, _, room = value.partition(":")
    if platform != PLATFORM or not ROOM_ID.match(room):
        raise ValueError("not a Matrix address")
    return room


def reference(room_id: str, event_id: str) -> str:
    return f"{PLATFORM}:{room_id}:{event_id}"


def parse_ref(value: str) -> tuple[str, str]:
    """(room id, event id) from `matrix:<room id>:<event id>`."""
    platform, _, rest = value.partition(":")
    room, separator, event = rest.partition(":$")
    if platform != PLATFORM or not separator or not ROOM_ID.match(room):
        raise ValueError("not a Matrix message reference")
    event = "$" + event
    if not EVENT_ID.match(event):
        raise ValueError("not a Matrix message reference")
    return room, event


def render(outbound: Outbound) -> str:
    """The text, then the choices as a numbered list (a handler's also as a typed command)."""
    if not outbound.choices:
        return outbound.text
    lines = []
    for number, choice in enumerate(outbound.choices, start=1):
        if choice.command is None:
            lines.append(f"{number}) {choice.label}")
        else:
            more = " …" if choice.asks_text else ""
            lines.append(f"{number}) {choice.label}: {choice.command}{more}")
    return outbound.text.rstrip() + "\n\n" + "\n".join(lines)


def split_text(value: str, limit: int = MAX_PART) -> list[str]:
    """Parts of at most `limit` characters, cut at paragraph or line breaks where possible."""
    return split_parts(value, limit)


def delivery_error(error: ErrorResponse, *, reporter: bool) -> DeliveryError:
    """A homeserver's refusal as Trygg's delivery error (retried, or never)."""
    code = str(error.status_code or "")
    if code == "M_LIMIT_EXCEEDED" or code == "429":
        return RateLimited((error.retry_after_ms or 5000) / 1000)
    if code in ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN", "M_INVALID_PARAM", "M_TOO_LARGE"):
        if reporter and code == "M_FORBIDDEN":
            return RecipientGone("the bot is no longer in the reporter's room")
        return PermanentDeliveryError(f"Matrix refused the message ({code})")
    return DeliveryError(f"Matrix: {code or 'error'}")


@dataclass(frozen=True, slots=True)
class RoomFacts:
    """What a room is now, as the homeserver said (kept FACTS_TTL seconds)."""

    encrypted: bool
    join_rule: str
    members: frozenset[str]
    invited: frozenset[str]
    history: str  # m.room.history_visibility


class MatrixAdapter:
    """Syncs with the homeserver on Trygg's event loop; the delivery sweep calls `deliver`."""

    name = PLATFORM
    TRIGGERS = ("MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_ACCESS_TOKEN", "MATRIX_PASSWORD")

    def __init__(
        self,
        homeserver: str,
        user_id: str,
        access_token: str | None = None,
        password: str | None = None,
        device_id: str | None = None,
        *,
        language: str = "nb",
        timezone: str = "Europe/Oslo",
        pace_seconds: float = PACE,
        sync_timeout_ms: int = SYNC_TIMEOUT_MS,
        device_name: str = "Trygg",
    ) -> None:
        if not access_token and not password:
            raise AdapterConfigError("MATRIX_ACCESS_TOKEN", "set it, or MATRIX_PASSWORD to log in")
        self.homeserver = homeserver.rstrip("/")
        self.user_id = user_id
        self.access_token = access_token
        self.password = password
        self.device_id = device_id
        self.language = language if language in LANGUAGES else "en"
        self.timezone = timezone
        self.pace_seconds = pace_seconds
        self.sync_timeout_ms = sync_timeout_ms
        self.device_name = device_name
        self.handler: Handler | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.client: AsyncClient | None = None
        self.ready = threading.Event()  # set once logged in and the first sync is done
        self._desk: dict[str, str] = {}  # handler room id → its configured address
        # Bounded, with a time to live: a bot in many rooms keeps no more than KEPT of them.
        self._facts: TTLCache[str, RoomFacts] = TTLCache(KEPT, FACTS_TTL)
        self._told: dict[str, set[str]] = {}  # room id → what it was told (and stored)
        self._seen: set[str] = set()  # rooms synced before (a cut-short sync is then a gap)

    @classmethod
    def from_env(cls, env: Mapping[str, str], org: Org) -> MatrixAdapter | None:
        """MATRIX_HOMESERVER, MATRIX_USER_ID, MATRIX_ACCESS_TOKEN or MATRIX_PASSWORD."""
        values = {key: env.get(key, "").strip() for key in (*ENV, "MATRIX_DEVICE_ID")}
        if not any(values[key] for key in ENV):
            return None
        homeserver = values["MATRIX_HOMESERVER"]
        if not homeserver:
            raise AdapterConfigError("MATRIX_HOMESERVER", "missing (e.g. https://matrix.org)")
        if urllib.parse.urlsplit(homeserver).scheme not in ("http", "https"):
            raise AdapterConfigError("MATRIX_HOMESERVER", "must be an http:// or https:// URL")
        user_id = values["MATRIX_USER_ID"]
        if not user_id:
            raise AdapterConfigError("MATRIX_USER_ID", "missing (the bot's @name:server)")
        if not USER_ID.match(user_id):
            raise AdapterConfigError("MATRIX_USER_ID", "must look like @trygg:example.org")
        if not values["MATRIX_ACCESS_TOKEN"] and not values["MATRIX_PASSWORD"]:
            raise AdapterConfigError("MATRIX_ACCESS_TOKEN", "missing (or set MATRIX_PASSWORD)")
        return cls(
            homeserver,
            user_id,
            access_token=values["MATRIX_ACCESS_TOKEN"] or None,
            password=values["MATRIX_PASSWORD"] or None,
            device_id=values["MATRIX_DEVICE_ID"] or None,
            language=org.default_language,
            timezone=org.organisation.timezone,
        )

    # --- lifecycle -----------------------------------------------------------------------

    def start(self, handler: Handler) -> None:
        """Bind the engine's handler; `serve` does the receiving."""
        self.handler = handler

    def stop(self) -> None:
        self.handler = None

    def routes(self) -> list[BaseRoute]:
        """Matrix is reached by syncing, not by webhooks: no HTTP routes."""
        return []

    async def serve(self, stop: asyncio.Event) -> None:
        """Log in, sync until `stop` is set, then close the connection."""
        self.loop = asyncio.get_running_loop()
        config = AsyncClientConfig(
            max_limit_exceeded=0,
            max_timeouts=0,
            request_timeout=CALL_TIMEOUT,
            store_sync_tokens=False,
            encryption_enabled=False,
        )
        client = AsyncClient(self.homeserver, self.user_id, self.device_id or "", config=config)
        self.client = client
        try:
            await self._log_in(client)
            since = await self._account_data(SYNC_DATA)
            token = since.get("next_batch") if since else None
            first = not isinstance(token, str)  # never synced: the backlog is skipped
            fresh = True  # this process knows no room yet: the first sync brings full state
            failures = 0
            while not stop.is_set():
                response = await self._sync(client, None if first else token, stop, fresh)
                if response is None:
                    break
                if not isinstance(response, SyncResponse):
                    if isinstance(response, ErrorResponse) and response.status_code in (
                        "M_UNKNOWN_TOKEN",
                        "M_MISSING_TOKEN",
                    ):
                        raise AdapterConfigError(
                            "MATRIX_ACCESS_TOKEN", "the homeserver no longer accepts it"
                        )
                    delay = RETRY_SYNC[min(failures, len(RETRY_SYNC) - 1)]
                    failures += 1
                    log.warning("Matrix sync failed (%s); again in %.0f s", response, delay)
                    await _wait(stop, delay)
                    continue
                try:
                    handled = await self._on_sync(response, backlog=first)
                except DeliveryError as exc:  # a room could not be asked: sync the batch again
                    delay = RETRY_SYNC[min(failures, len(RETRY_SYNC) - 1)]
                    failures += 1
                    log.warning(
                        "Matrix: a room could not be read (%s); again in %.0f s", exc, delay
                    )
                    await _wait(stop, delay)
                    continue
                failures = 0
                token, first, fresh = response.next_batch, False, False
                if handled:
                    await self._put_account_data(SYNC_DATA, {"next_batch": token})
                self.ready.set()
        finally:
            self.ready.clear()
            self.client = None
            await client.close()

    async def _log_in(self, client: AsyncClient) -> None:
        if self.access_token:
            client.access_token = self.access_token
            who = await client.whoami()
            if not isinstance(who, WhoamiResponse):
                raise AdapterConfigError(
                    "MATRIX_ACCESS_TOKEN", f"the homeserver refused it ({who.status_code})"
                )
            if who.user_id != self.user_id:
                raise AdapterConfigError("MATRIX_USER_ID", "the access token is another user's")
            client.user_id = who.user_id
            client.device_id = who.device_id or self.device_id or ""
            return
        response = await client.login(self.password, device_name=self.device_name)
        if not isinstance(response, LoginResponse):
            raise AdapterConfigError(
                "MATRIX_PASSWORD", f"the homeserver refused the login ({response.status_code})"
            )
        if not self.device_id:
            log.info("logged in to Matrix; set MATRIX_DEVICE_ID to reuse this device next time")

    async def _sync(
        self, client: AsyncClient, since: str | None, stop: asyncio.Event, full_state: bool
    ) -> Any:
        """One /sync, or None when `stop` was set first; a network fault is an error value."""
        timeout = 0 if full_state else self.sync_timeout_ms
        syncing = asyncio.ensure_future(
            client.sync(
                timeout=timeout, since=since, sync_filter=SYNC_FILTER, full_state=full_state
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({syncing, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not syncing.done():
            syncing.cancel()
            await asyncio.gather(syncing, return_exceptions=True)
            return None
        try:
            return syncing.result()
        except (ClientError, TimeoutError) as exc:
            return type(exc).__name__

    # --- receiving -----------------------------------------------------------------------

    async def _on_sync(self, response: SyncResponse, *, backlog: bool) -> bool:
        """Join invites, notice encrypted rooms, hand messages to the engine. True if any."""
        handled = False
        for room_id, invite in response.rooms.invite.items():
            handled = True
            await self._on_invite(room_id, invite.invite_state)
        for room_id, info in response.rooms.join.items():
            events = [*info.state, *info.timeline.events]
            if not events:
                continue
            for event in events:
                kind = event.source.get("type")
                if kind in ("m.room.encryption", "m.room.join_rules", "m.room.member"):
                    self._facts.pop(room_id, None)
            if info.timeline.limited and room_id in self._seen and not backlog:
                log.warning("Matrix: a room's sync was cut short; earlier messages were skipped")
            self._seen.add(room_id)
            # The homeserver's word on the room (not the client's partial view): a DM taken
            # for a group would be told to write privately, a group taken for a DM would hear
            # a report. When it cannot be asked, the batch is not acknowledged (synced again).
            try:
                facts = await self._room_facts(room_id)
            except PermanentDeliveryError:  # the bot was removed meanwhile: nothing to read
                continue
            if facts.encrypted:
                await self._tell_encrypted(room_id, facts)
                continue  # nothing in an encrypted room is read, not even a plain message
            if backlog:
                continue
            private = self._direct(room_id, facts)
            for event in info.timeline.events:
                handled = True
                inbound = self._to_inbound(room_id, event.source, private)
                if inbound is not None:
                    await self._hand_over(room_id, inbound)
        return handled

    async def _on_invite(self, room_id: str, state: list[Any]) -> None:
        """Join a reporter's room or a handler room; a public room is no place for this."""
        client = self.client
        if client is None:
            return
        for event in state:
            source = getattr(event, "source", {})
            rule = source.get("content", {}).get("join_rule")
            public = source.get("type") == "m.room.join_rules" and rule == "public"
            if public and room_id not in self._desk:
                log.info("declined an invitation to a public Matrix room")
                await client.room_leave(room_id)
                return
        joined = await client.join(room_id)
        if isinstance(joined, ErrorResponse):
            log.warning("could not join a Matrix room (%s)", joined.status_code)

    def _room(self, room_id: str) -> Any:
        return self.client.rooms.get(room_id) if self.client is not None else None

    def _direct(self, room_id: str, facts: RoomFacts) -> bool:
        """A room with the bot and one person, nobody else invited, not joinable by anyone."""
        if room_id in self._desk or facts.join_rule == "public" or facts.invited:
            return False
        return len(facts.members) == 2 and self.user_id in facts.members

    def _to_inbound(self, room_id: str, source: dict[str, Any], private: bool) -> Inbound | None:
        """A person's message as an Inbound; None for everything the engine need not see."""
        sender = source.get("sender")
        kind = source.get("type")
        if not isinstance(sender, str) or sender == self.user_id:
            return None
        if kind == "m.room.encrypted":
            return None  # unreadable; the room was told (see _tell_encrypted)
        content = source.get("content") or {}
        if kind == "m.sticker":
            msgtype = "m.sticker"
        elif kind == "m.room.message" and content:
            msgtype = str(content.get("msgtype", ""))
        else:
            return None  # state, reactions, redacted messages, receipts
        if msgtype == "m.notice":
            return None  # another bot: bots never answer bots
        relates = content.get("m.relates_to") or {}
        event_id = str(source.get("event_id", ""))
        if relates.get("rel_type") == "m.replace":
            body, what = None, "edit"
        elif msgtype in ("m.text", "m.emote"):
            body, what = str(content.get("body", "")), "text"
            if room_id in self._desk and BANG_COMMAND.match(body):
                body = "/" + body[1:]  # `!ack K-…`, the usual Matrix bot command, is `/ack K-…`
        else:
            body, what = None, CONTENT_KINDS.get(msgtype, "other")
        thread = None
        if not private:
            root = relates.get("event_id") if relates.get("rel_type") == "m.thread" else None
            thread = reference(room_id, str(root or event_id))
        return Inbound(
            PLATFORM,
            sender,
            self._desk.get(room_id, address(room_id)),
            text=body,
            content=what,
            private=private,
            event_id=event_id,
            thread=thread,
            numbered=what == "text",
        )

    async def _hand_over(self, room_id: str, inbound: Inbound) -> None:
        """The engine stores the turn and queues its replies; the delivery sweep sends them."""
        if self.handler is None:
            return
        elsewhere = not inbound.private and room_id not in self._desk
        if elsewhere and await self._was_told(room_id, "elsewhere"):
            return  # this room was told once to write privately; nothing more, nothing stored
        await asyncio.to_thread(self.handler, inbound)
        if elsewhere:
            await self._mark_told(room_id, "elsewhere")

    # --- what rooms were told ------------------------------------------------------------

    async def _was_told(self, room_id: str, what: str) -> bool:
        told = self._told.get(room_id)
        if told is None:
            stored = await self._account_data(TOLD_DATA, room_id)
            told = {key for key, value in (stored or {}).items() if value is True}
            self._told[room_id] = told
        return what in told

    async def _mark_told(self, room_id: str, what: str) -> None:
        told = self._told.setdefault(room_id, set())
        told.add(what)
        await self._put_account_data(TOLD_DATA, dict.fromkeys(sorted(told), True), room_id)

    async def _tell_encrypted(self, room_id: str, facts: RoomFacts) -> None:
        """Say once, in plain words, that the bot cannot read this room (never case content)."""
        client = self.client
        if client is None or await self._was_told(room_id, "encrypted"):
            return
        direct = self._direct(room_id, facts)
        notice = text("encrypted.direct" if direct else "encrypted.group", self.language)
        log.warning("a Matrix room is encrypted; it was told that the bot cannot read it")
        sent = await client.room_send(room_id, "m.room.message", _content(notice))
        if isinstance(sent, RoomSendResponse):
            await self._mark_told(room_id, "encrypted")

    # --- account data (the sync position, what a room was told) ------------------------

    def _data_path(self, kind: str, room_id: str | None) -> str:
        user = urllib.parse.quote(self.user_id, safe="")
        room = f"/rooms/{urllib.parse.quote(room_id, safe='')}" if room_id else ""
        return f"/_matrix/client/v3/user/{user}{room}/account_data/{kind}"

    async def _account_data(self, kind: str, room_id: str | None = None) -> dict[str, Any] | None:
        client = self.client
        if client is None:
            return None
        try:
            response = await client.send(
                "GET", self._data_path(kind, room_id), headers=self._auth(client)
            )
            async with response:
                if response.status != 200:
                    return None
                data = await response.json()
        except (ClientError, TimeoutError, ValueError) as exc:
            log.warning("could not read Matrix account data (%s)", type(exc).__name__)
            return None
        return data if isinstance(data, dict) else None

    async def _put_account_data(
        self, kind: str, data: dict[str, Any], room_id: str | None = None
    ) -> None:
        client = self.client
        if client is None:
            return
        headers = {**self._auth(client), "Content-Type": "application/json"}
        try:
            response = await client.send(
                "PUT", self._data_path(kind, room_id), json.dumps(data), headers=headers
            )
            async with response:
                if response.status != 200:
                    log.warning("could not store Matrix account data (%d)", response.status)
        except (ClientError, TimeoutError) as exc:
            log.warning("could not store Matrix account data (%s)", type(exc).__name__)

    @staticmethod
    def _auth(client: AsyncClient) -> dict[str, str]:
        return {"Authorization": f"Bearer {client.access_token}"}

    # --- capabilities --------------------------------------------------------------------

    def group_address(self, group: Group) -> str | None:
        """`[groups.channels] matrix = "!room:server"` (a room id, not an alias)."""
        room = (group.channels.get(PLATFORM) or "").strip()
        if not room:
            return None
        if not ROOM_ID.match(room):
            raise AdapterConfigError(
                "groups.channels.matrix",
                f"group {group.id!r}: a room id like !abcdef:example.org "
                "(Room settings → Advanced → Internal room ID), not an alias or a name",
            )
        configured = address(room)
        self._desk[room] = configured
        return configured

    def is_member(self, address: str, user_id: str, *, fresh: bool = False) -> bool:
        """Asks the homeserver (/joined_members) now; refuses when it cannot be asked."""
        try:
            room = parse_address(address)
            members = self._run(self._members(room))
        except (ValueError, DeliveryError, concurrent.futures.TimeoutError) as exc:
            log.warning("membership could not be checked (%s); refusing", type(exc).__name__)
            return False
        return user_id in members and self.user_id in members

    def pace(self, address: str) -> float:
        return self.pace_seconds

    def deliver(self, outbound: Outbound, part: int = 0) -> Sent:
        """Send part `part` of the rendered text (≤ 16 000 characters a part)."""
        try:
            room = parse_address(outbound.address)
            root = parse_ref(outbound.reply_to) if outbound.reply_to else None
        except ValueError:
            raise BadAddress("not a Matrix address") from None
        parts = split_text(render(outbound))
        if part >= len(parts):
            raise BadAddress("no such part of the message")
        thread = root[1] if root is not None and root[0] == room else None
        event_id = self._run(self._send(room, parts[part], thread))
        return Sent(reference(room, event_id), len(parts))

    def forget_chat(self, address: str) -> int:
        """Redact the bot's messages in a reporter's room (and theirs where the bot may)."""
        try:
            room = parse_address(address)
        except ValueError:
            return 0
        if room in self._desk:
            return 0
        try:
            return self._run(self._forget(room), timeout=300)
        except (DeliveryError, concurrent.futures.TimeoutError) as exc:
            log.warning("could not redact the conversation (%s)", type(exc).__name__)
            return 0

    def _run(self, coroutine: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        """Run a call on the adapter's event loop from a sweep or engine thread."""
        if self.loop is None or self.client is None:
            coroutine.close()
            raise DeliveryError("the Matrix adapter is not running yet")
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(
            coroutine, self.loop
        )
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DeliveryError("the homeserver did not answer in time") from None

    # --- on the loop ---------------------------------------------------------------------

    def _client(self) -> AsyncClient:
        if self.client is None:
            raise DeliveryError("the Matrix adapter is not running")
        return self.client

    async def _members(self, room_id: str) -> frozenset[str]:
        response = await _call(self._client().joined_members(room_id))
        if not isinstance(response, JoinedMembersResponse):
            raise delivery_error(response, reporter=room_id not in self._desk)
        return frozenset(member.user_id for member in response.members)

    async def _room_facts(self, room_id: str) -> RoomFacts:
        """Encryption, join rule and members, asked of the homeserver (kept a minute)."""
        facts = self._facts.get(room_id)
        if facts is not None:
            return facts
        state = await _call(self._client().room_get_state(room_id))
        if not isinstance(state, RoomGetStateResponse):
            raise delivery_error(state, reporter=room_id not in self._desk)
        encrypted, join_rule, history = False, "invite", "shared"
        members: set[str] = set()
        invited: set[str] = set()
        for event in state.events:
            kind, content = event.get("type"), event.get("content") or {}
            if kind == "m.room.encryption":
                encrypted = True
            elif kind == "m.room.history_visibility":
                history = str(content.get("history_visibility", "shared"))
            elif kind == "m.room.join_rules":
                join_rule = str(content.get("join_rule", "invite"))
            elif kind == "m.room.member" and content.get("membership") == "join":
                members.add(str(event.get("state_key")))
            elif kind == "m.room.member" and content.get("membership") == "invite":
                invited.add(str(event.get("state_key")))
        facts = RoomFacts(
            encrypted,
            join_rule,
            frozenset(members),
            frozenset(invited),
            history,
        )
        self._facts[room_id] = facts
        return facts

    async def _send(self, room_id: str, body: str, thread: str | None) -> str:
        """One m.text; an encrypted or public handler room, or an empty DM, is refused."""
        desk = room_id in self._desk
        facts = await self._room_facts(room_id)
        if facts.encrypted:
            await self._tell_encrypted(room_id, facts)
            if desk:
                raise PermanentDeliveryError("the handler room is encrypted; nothing was posted")
            raise RecipientGone("the reporter's room is encrypted; the bot cannot write there")
        if desk and (facts.join_rule not in PRIVATE_RULES or facts.history == "world_readable"):
            # Not only public rooms: a restricted room opens to a whole space, and a
            # world-readable history is readable by anyone who previews the room.
            raise PermanentDeliveryError("refusing to post case content to a room not private")
        if not desk and not (facts.members - {self.user_id}):
            raise RecipientGone("the reporter left the room")
        content = _content(body)
        if thread is not None:
            content["m.relates_to"] = {
                "rel_type": "m.thread",
                "event_id": thread,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": thread},
            }
        response = await _call(
            self._client().room_send(room_id, "m.room.message", content, tx_id=uuid.uuid4().hex)
        )
        if not isinstance(response, RoomSendResponse):
            raise delivery_error(response, reporter=not desk)
        return str(response.event_id)

    async def _forget(self, room_id: str) -> int:
        """Page back through the room and redact what the bot may redact."""
        client = self._client()
        room = self._room(room_id)
        may_redact_others = bool(
            room is not None and room.power_levels.can_user_redact(self.user_id)
        )
        start: str | None = None
        redacted = 0
        for _ in range(50):  # at most 5 000 events back
            page = await _call(client.room_messages(room_id, start=start, limit=100))
            if not isinstance(page, RoomMessagesResponse) or not page.chunk:
                break
            for event in page.chunk:
                source = getattr(event, "source", {})
                mine = source.get("sender") == self.user_id
                if source.get("type") != "m.room.message" or not source.get("content"):
                    continue
                if mine or may_redact_others:
                    redacted += await self._redact(room_id, str(source["event_id"]))
            if not page.end or page.end == start:
                break
            start = page.end
        return redacted

    async def _redact(self, room_id: str, event_id: str) -> int:
        for _ in range(5):
            response = await _call(self._client().room_redact(room_id, event_id))
            if not isinstance(response, ErrorResponse):
                return 1
            if response.status_code != "M_LIMIT_EXCEEDED":
                return 0
            await asyncio.sleep((response.retry_after_ms or 1000) / 1000)
        return 0


def _content(body: str) -> dict[str, Any]:
    """Plain text only: no format, no formatted_body, and no mentions (not even @room)."""
    return {"msgtype": "m.text", "body": body, "m.mentions": {}}


async def _call(awaitable: Awaitable[T]) -> T:
    """A homeserver call whose network faults are delivery errors (retried by the sweep)."""
    try:
        return await awaitable
    except (ClientError, TimeoutError) as exc:
        raise DeliveryError(f"Matrix: {type(exc).__name__}") from None


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return


ADAPTER = MatrixAdapter

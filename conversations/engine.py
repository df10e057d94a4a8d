"""The engine: one inbound message in, the conversation advanced in one transaction, replies out.

It only routes: fairness, de-duplication of platform events, the transaction and its retry,
and dispatch — a handler's request to the desk (`conversations.desk`), a reporter's message to
the intake (`conversations.intake`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from conversations.cases import Notifier
from conversations.channels import Channels
from conversations.chat_log import ChatLog
from conversations.desk import Desk, Request, parse
from conversations.errors import NotStored
from conversations.fairness import Fairness
from conversations.i18n import negotiate
from conversations.intake import Intake, Relay
from conversations.messages import Inbound, Outbound, Reply
from conversations.org import Org
from conversations.outbox import queue_replies
from conversations.reply_keys import ReplyKeys
from storage.models import Base, ProcessedEvent, new_id
from storage.vault import Vault

log = logging.getLogger(__name__)

_SEEN = insert(Base.metadata.tables[ProcessedEvent.__tablename__])


class Engine:
    """Advances conversations; never waits on a platform (it only returns replies).

    The notifier, desk and relay are its collaborators: pass them (`build_engine` does, and so
    does the composition root), or leave them out to have them built from the same vault, org,
    channels and clock.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: Vault,
        org: Org,
        channels: Channels,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        wake: Callable[[], None] | None = None,
        fairness: Fairness | None = None,
        *,
        notifier: Notifier | None = None,
        desk: Desk | None = None,
        relay: Relay | None = None,
    ) -> None:
        self.sessions = sessions
        self.vault = vault
        self.clock = clock
        self.wake = wake
        self.fairness = fairness
        self.notifier = notifier if notifier is not None else Notifier(vault, org, channels)
        self.desk = desk if desk is not None else Desk(vault, org, channels, self.notifier, clock)
        self.relay = relay if relay is not None else Relay(vault, self.notifier, clock)
        self.intake = Intake(vault, org, channels, self.notifier, self.relay, clock)
        self.chat_log = ChatLog(sessions, vault, clock)
        self.reply_keys = ReplyKeys(vault, clock)
        # SQLite has one writer at a time: turns from several threads (a platform's updates
        # handled at once) take turns here, instead of sleeping in SQLite's busy handler.
        bind = sessions.kw.get("bind")
        sqlite = bind is not None and bind.dialect.name == "sqlite"
        self._writer: contextlib.AbstractContextManager[object] = (
            threading.RLock() if sqlite else contextlib.nullcontext()
        )

    @property
    def org(self) -> Org:
        """The organisation the engine and the intake read (setting it reaches the intake)."""
        return self.intake.org

    @org.setter
    def org(self, org: Org) -> None:
        self.intake.org = org

    @property
    def channels(self) -> Channels:
        """The platforms' channels the engine and the intake ask (setting it reaches both)."""
        return self.intake.channels

    @channels.setter
    def channels(self, channels: Channels) -> None:
        self.intake.channels = channels

    # --- entry point ---------------------------------------------------------------------

    def handle(self, inbound: Inbound) -> list[Outbound]:
        """Apply one inbound message; a redelivered platform event is applied only once.

        When it returns, the message's effects and every reply are stored (the replies in the
        outbox, delivered by the sweep), so an adapter may then tell the platform "received".
        Raises `NotStored` only when the database could not be written (the platform should
        send the event again). Any other failure is logged by its type only (never content)
        and the person gets a kind message; their earlier answers stay saved.
        """
        inbound = _clean(inbound)
        try:
            return self._handle_safely(inbound)
        except OperationalError as exc:
            log.error("message could not be stored (%s)", type(exc).__name__)
            raise NotStored(type(exc).__name__) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence for a person
            log.error("message could not be handled (%s)", type(exc).__name__)
            language = negotiate(inbound.locale, self.org.organisation.languages)
            text = self.intake.translator(language).t("problem.internal")
            replies = [Outbound(inbound.address, text)]
            try:
                self._store_replies(inbound, replies)
            except Exception as again:  # noqa: BLE001 - the platform sends the event again
                log.error("could not queue the apology either (%s)", type(again).__name__)
                raise NotStored(type(again).__name__) from None
            self._wake()
            return replies

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One write transaction of a turn (committed when the block ends without error)."""
        with self._writer, self.sessions() as session, session.begin():
            yield session

    def _wake(self) -> None:
        if self.wake is not None:
            self.wake()

    def _queue(self, session: Session, inbound: Inbound, replies: list[Outbound]) -> None:
        """Every reply becomes an outbox row in the turn's transaction: it arrives or waits."""
        if not replies:
            return
        key = self.reply_keys.for_turn(session)  # the sweep destroys it once all arrived
        queue_replies(session, self.vault, replies, data_key=key, turn=new_id(), now=self.clock())

    def _addressed(self, inbound: Inbound, replies: list[Reply]) -> list[Outbound]:
        thread = None if inbound.private else inbound.thread
        return [
            Outbound(
                inbound.address,
                r.text,
                r.choices,
                only_for=inbound.user_id if r.only_asker else None,
                reply_to=thread,
                wants_reply=r.wants_reply,
            )
            for r in replies
        ]

    def _handle_safely(self, inbound: Inbound) -> list[Outbound]:
        pace = Fairness.OK
        if self.fairness is not None:
            person = self.vault.keyring.pseudonym(inbound.platform, inbound.user_id)
            pace = self.fairness.admit(person)
        if pace is Fairness.DROP:
            log.info("a person is sending too fast; message not handled")
            return []
        if pace is Fairness.WARN:
            language = negotiate(inbound.locale, self.org.organisation.languages)
            text = self.intake.translator(language).t("problem.too_fast")
            replies = [Outbound(inbound.address, text)]
            self._store_replies(inbound, replies)
            self._wake()
            return replies
        request = parse(inbound)
        at_desk = self.channels.group_at(inbound.address) is not None
        if at_desk and request is None:
            with self._transaction() as session:
                request = self.desk.answered(session, inbound, self.clock())
            if request is None:
                return []  # handlers talking among themselves: not for the bot
        answers = self._authorise(inbound, request)
        replies, queued, effect = self._apply(inbound, request, answers, at_desk)
        if effect is not None:
            later = effect()  # the platform acts after the commit; its answer is queued
            self._store_replies(inbound, later)
            replies += later
            queued = True
        if queued:
            self._wake()
        return replies

    def _apply(
        self,
        inbound: Inbound,
        request: Request | None,
        answers: dict[str, bool] | None,
        at_desk: bool,
    ) -> tuple[list[Outbound], bool, Callable[[], list[Outbound]] | None]:
        """The turn in one transaction, applied again when it met a concurrent write (or
        the replies' shared key gone); its replies, whether any were queued, and what the
        platform must do after the commit."""
        for attempt in range(3):
            try:
                with self._transaction() as session:
                    if not inbound.private and not at_desk:
                        tr = self.intake.translator(
                            negotiate(inbound.locale, self.org.organisation.languages)
                        )
                        replies = [Outbound(inbound.address, tr.t("group.write_privately"))]
                    else:
                        replies = self._handle(session, inbound, request, answers)
                    self._queue(session, inbound, replies)
                    if inbound.message_ref is not None:  # for /forget, in the same commit
                        self.chat_log.add(session, inbound.address, inbound.message_ref)
                    queued = bool(session.info.pop("queued", False))
                    effect = session.info.pop("after_commit", None)
                return replies, queued, effect
            except StaleDataError:  # the same person wrote twice at once: apply in turn
                log.info("conversation changed concurrently; retrying (attempt %d)", attempt + 1)
            except IntegrityError as exc:
                if self._already_processed(inbound):
                    log.info("duplicate platform event skipped")
                    return [], False, None
                self._after_integrity_error(exc, attempt)
        raise RuntimeError("conversation kept changing; giving up on this message")

    def _after_integrity_error(self, exc: IntegrityError, attempt: int) -> None:
        """Before a write is tried again: a foreign key that broke is the replies' shared
        key destroyed meanwhile (another replica's clock far ahead), so a new one is made;
        any other (two first messages of one person at once) is a concurrent write."""
        if _key_gone(exc):
            self.reply_keys.forget()
            log.warning("the replies' shared key was gone; trying again with a new one")
        else:
            log.info("a row was written concurrently; retrying (attempt %d)", attempt + 1)

    def _store_replies(self, inbound: Inbound, replies: list[Outbound]) -> None:
        """Queue replies in a transaction of their own (a second try with a new shared key)."""
        for attempt in range(2):
            try:
                with self._transaction() as session:
                    self._queue(session, inbound, replies)
                return
            except IntegrityError as exc:
                if attempt or not _key_gone(exc):
                    raise
                self._after_integrity_error(exc, attempt)

    def _event_key(self, inbound: Inbound) -> tuple[str, str] | None:
        """The stored de-duplication key: a keyed hash, since a platform's id may name a user."""
        if inbound.event_id is None:
            return None
        digest = self.vault.keyring.pseudonym("event", f"{inbound.platform}:{inbound.event_id}")
        return inbound.platform, digest

    def _already_processed(self, inbound: Inbound) -> bool:
        """Whether a concurrent delivery of the same platform event got there first."""
        key = self._event_key(inbound)
        if key is None:
            return False
        with self.sessions() as session:
            return session.get(ProcessedEvent, key) is not None

    def _authorise(self, inbound: Inbound, request: Request | None) -> dict[str, bool] | None:
        """Ask the platform about membership before the write transaction opens: the engine
        never holds a transaction while a platform answers (it may take seconds)."""
        if request is None or not self._for_desk(inbound, request):
            return None
        with self.sessions() as session:
            questions = self.desk.questions(session, inbound, request)
        return self.desk.ask(inbound, questions)

    def _for_desk(self, inbound: Inbound, request: Request) -> bool:
        return not inbound.private or _reads_a_case(request.action, inbound)

    def _handle(
        self,
        session: Session,
        inbound: Inbound,
        request: Request | None,
        answers: dict[str, bool] | None = None,
    ) -> list[Outbound]:
        key = self._event_key(inbound)
        if key is not None:
            # One INSERT: an event seen before breaks its primary key, the turn is rolled
            # back, and `_handle_safely` finds it processed and answers nothing.
            # Kept to the day only: an event's time must not be joinable to a case's receipt.
            day = self.clock().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            seen = {"platform": key[0], "event_id": key[1], "processed_at": day}
            session.connection().execute(_SEEN, seen)
        if request is not None and self._for_desk(inbound, request):
            return self._addressed(inbound, self.desk.handle(session, inbound, request, answers))
        return self._addressed(inbound, self.intake.handle(session, inbound))


def _key_gone(exc: IntegrityError) -> bool:
    """A foreign key broke (SQLite and PostgreSQL both say so in these words): the key a
    row was written under was destroyed meanwhile."""
    return "foreign key" in str(exc.orig).lower()


def _reads_a_case(action: str, inbound: Inbound) -> bool:
    """In a private chat only '/show K-…', '/log K-…' and '/export K-…' go to the desk."""
    return action in ("show", "log", "export") and bool(
        inbound.text and " k-" in inbound.text.lower()
    )


# Characters that change the direction of text or hide in it (bidi controls, zero-width ones),
# and control characters (ESC starts a terminal's colour or cursor codes, for a handler who
# reads an export in one): kept visible as a marker, never applied, so no report can reorder,
# hide or restyle what others read. Line breaks and tabs stay as they are.
CONTROLS = [c for c in (*range(0x01, 0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t\r"]
INVISIBLE = dict.fromkeys(
    [
        *CONTROLS,
        *range(0x200B, 0x2010),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0xFEFF,
        0x061C,
    ]
)
MARKERS = {code: f"[U+{code:04X}]" for code in INVISIBLE}


def _clean(inbound: Inbound) -> Inbound:
    """Text as it may be stored: no NUL, lone surrogates (not Unicode) made visible, and
    direction-changing or invisible characters shown as markers instead of applied."""
    if inbound.text is None:
        return inbound
    text = inbound.text.replace("\x00", "")
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = text.translate(MARKERS)
    return replace(inbound, text=text) if text != inbound.text else inbound


def build_engine(
    sessions: sessionmaker[Session],
    vault: Vault,
    org: Org,
    channels: Channels,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    wake: Callable[[], None] | None = None,
    fairness: Fairness | None = None,
) -> Engine:
    """The engine with its collaborators built once, from the same vault, org and channels."""
    notifier = Notifier(vault, org, channels)
    desk = Desk(vault, org, channels, notifier, clock)
    relay = Relay(vault, notifier, clock)
    return Engine(
        sessions,
        vault,
        org,
        channels,
        clock=clock,
        wake=wake,
        fairness=fairness,
        notifier=notifier,
        desk=desk,
        relay=relay,
    )

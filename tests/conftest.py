"""Shared fixtures: a real SQLite file (or PostgreSQL), real keys, the sample organisation."""

from __future__ import annotations

import io
import os
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine as DbEngine
from sqlalchemy import text

from adapters.console import ConsoleAdapter
from bot.channels import AdapterChannels
from bot.delivery import DeliverySweep
from bot.sweeps import FollowUpSweep
from conversations.engine import Engine, build_engine
from conversations.followups import FollowUpActor
from conversations.messages import Outbound
from conversations.org import Org, parse_org
from storage.crypto import Keyring, new_key_text
from storage.db import make_engine, migrate, session_factory
from storage.vault import Vault
from tests.chat import Chat

SAMPLES = Path(__file__).parent.parent / "bot" / "samples"
# The whole suite runs on SQLite, and again on PostgreSQL with TRYGG_TEST_BACKEND=postgresql.
BACKEND = os.environ.get("TRYGG_TEST_BACKEND", "sqlite")
NOW = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)  # a Wednesday, 14:00 in Oslo


@pytest.fixture
def org() -> Org:
    with (SAMPLES / "trygg.toml").open("rb") as handle:
        return parse_org(tomllib.load(handle))


@pytest.fixture
def keyring() -> Keyring:
    env = {
        "TRYGG_MASTER_KEYS": new_key_text("k1"),
        "TRYGG_PSEUDONYM_KEY": new_key_text("p").split(":", 1)[1],
    }
    return Keyring.from_env(env)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "trygg.db"


def _fresh_postgres() -> DbEngine:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url and BACKEND == "postgresql":
        # Asked for the whole suite on PostgreSQL: skipping every test would look like a pass.
        pytest.exit(
            "TRYGG_TEST_BACKEND=postgresql needs TEST_DATABASE_URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test)",
            returncode=2,
        )
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests need a server (CI sets it)")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(engine)
    return engine


@pytest.fixture
def db(db_path: Path) -> Iterator[DbEngine]:
    """The test database: a SQLite file, or PostgreSQL when TRYGG_TEST_BACKEND=postgresql."""
    if BACKEND not in ("sqlite", "postgresql"):
        pytest.exit(f"TRYGG_TEST_BACKEND={BACKEND!r}: use sqlite or postgresql", returncode=2)
    if BACKEND == "postgresql":
        engine = _fresh_postgres()
    else:
        engine = make_engine(f"sqlite:///{db_path}")
        migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg() -> Iterator[DbEngine]:
    """A migrated, empty PostgreSQL database from TEST_DATABASE_URL, whatever the backend."""
    engine = _fresh_postgres()
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> list[datetime]:
    """A settable clock: tests move time by replacing clock[0]."""
    return [NOW]


class RecordingConsole(ConsoleAdapter):
    """The real console adapter, also keeping every message (and alert edit) the delivery
    sweep handed it."""

    def __init__(self) -> None:
        super().__init__(io.StringIO(), io.StringIO())
        self.sent: list[Outbound] = []
        self.threads: list[str | None] = []
        self.failures: list[Exception] = []
        self.edits: list[tuple[str, Outbound]] = []  # (the edited message's ref, its new form)

    def _print(self, outbound: Outbound, thread: str | None) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(outbound)
        self.threads.append(thread)
        return super()._print(outbound, thread)

    def edit(self, ref: str, outbound: Outbound) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.edits.append((ref, outbound))
        super().edit(ref, outbound)


@pytest.fixture
def console() -> RecordingConsole:
    """The console adapter that the engine's channels and the delivery sweep use."""
    return RecordingConsole()


@pytest.fixture
def engine(
    db: DbEngine, keyring: Keyring, org: Org, clock: list[datetime], console: ConsoleAdapter
) -> Engine:
    channels = AdapterChannels(org, [console])
    return build_engine(session_factory(db), Vault(keyring), org, channels, clock=lambda: clock[0])


@pytest.fixture
def follow_ups(engine: Engine, clock: list[datetime]) -> FollowUpSweep:
    return FollowUpSweep(
        engine.sessions,
        FollowUpActor(engine.notifier),
        clock=lambda: clock[0],
        owner="test-replica",
    )


@pytest.fixture
def sweep(engine: Engine, console: ConsoleAdapter, clock: list[datetime]) -> DeliverySweep:
    return DeliverySweep(
        engine.sessions,
        engine.vault,
        {"console": console},
        clock=lambda: clock[0],
        owner="test-replica",
    )


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine)

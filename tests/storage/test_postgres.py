"""A whole report through the engine on the production store, PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select, text

from bot.channels import AdapterChannels
from conversations.cases import read_case
from conversations.engine import Engine
from conversations.messages import Inbound
from storage.db import make_engine, session_factory
from storage.models import Case
from storage.vault import Vault
from tests.chat import Chat
from tests.conversations.test_intake import file_report


def pg_engine(pg, keyring, org, clock, console) -> Engine:
    channels = AdapterChannels(org, [console])
    return Engine(session_factory(pg), Vault(keyring), org, channels, clock=lambda: clock[0])


def test_report_is_stored_encrypted_on_postgres(pg, keyring, org, clock, console):
    """The scripted report lands in PostgreSQL, readable only through the case key."""
    engine = pg_engine(pg, keyring, org, clock, console)
    file_report(Chat(engine, locale="en"), "en", what="Postgres canary 91c2")
    with engine.sessions() as session:
        case = session.scalar(select(Case))
        assert case is not None
        assert read_case(session, engine.vault, case)["what"].startswith("Postgres canary 91c2")
        dump = session.execute(text("SELECT what::text FROM cases")).scalar_one()
    assert "91c2" not in dump


def test_duplicate_event_on_postgres_is_processed_once(pg, keyring, org, clock, console):
    """The same platform event twice is applied once on PostgreSQL too."""
    engine = pg_engine(pg, keyring, org, clock, console)
    event = Inbound("console", "u1", "console:local", text="/start", event_id="pg-1")
    assert engine.handle(event)
    assert engine.handle(event) == []


def test_a_connection_the_server_dropped_while_idle_is_replaced_unseen(
    pg, keyring, org, clock, console
):
    """Guards the ping of idle pooled connections (no ping per busy turn): the server ends
    every pooled connection; the next turn, after the idle time, still lands."""
    idle_engine = make_engine(pg.url.render_as_string(hide_password=False), ping_after_idle=0)
    try:
        engine = pg_engine(idle_engine, keyring, org, clock, console)
        assert engine.handle(Inbound("console", "u1", "console:local", text="/start"))
        with pg.connect() as admin:
            ended = admin.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        assert ended >= 1
        assert engine.handle(Inbound("console", "u1", "console:local", text="1"))
    finally:
        idle_engine.dispose()

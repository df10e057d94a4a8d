"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from storage.db import alembic_config, at_head, head_revision, make_engine, migrate
from storage.models import Base


def schema_drift(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)


def test_sqlite_schema_matches_the_models(db):
    """After 'upgrade head' on SQLite there is nothing left for autogenerate to add."""
    assert schema_drift(db) == []
    assert {"cases", "outbox", "follow_ups", "audit_log", "case_log"} <= set(
        inspect(db).get_table_names()
    )


def test_postgres_schema_matches_the_models(pg):
    """After 'upgrade head' on PostgreSQL there is nothing left for autogenerate to add."""
    assert schema_drift(pg) == []


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"]
)
def test_audit_log_is_append_only_in_the_database(db, statement):
    """Even with direct SQL, an audit entry cannot be changed or removed."""
    with db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, allowed, facts) "
                "VALUES (CURRENT_TIMESTAMP, 'handler:x', 'show', true, '{}')"
            )
        )
    with pytest.raises(DBAPIError) as info, db.begin() as conn:
        conn.execute(text(statement))
    assert "append-only" in str(info.value)
    with db.connect() as conn:
        assert conn.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["handler:x"]


def test_a_database_behind_the_newest_migration_is_still_upgraded(tmp_path):
    """Guards the start-up shortcut (no Alembic when the schema is current): a database one
    migration behind is brought to the head, and the head is what the files name last."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0005")
    assert not at_head(engine)
    migrate(engine)
    assert at_head(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == (
            head_revision()
        )
    assert head_revision() == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    engine.dispose()

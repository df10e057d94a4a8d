"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

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

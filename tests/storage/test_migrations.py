"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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

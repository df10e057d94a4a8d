"""Report text never sits in the database in plain text, and erasing a key erases the case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from conversations.cases import read_case
from storage.errors import ErasedError
from storage.models import Base, Case, Conversation
from tests.chat import Chat
from tests.conversations.test_intake import file_report

CANARY = "CANARY-7f3a9-tryggtest"


def as_bytes(value: object) -> bytes:
    """A value as the server stored it: bytea as its raw bytes (not hex), text as UTF-8."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).encode()
    return str(value).encode()


def raw_bytes(db, db_path) -> bytes:
    """Everything the database holds: SQLite's file and write-ahead log, or on PostgreSQL
    every value of every row of every table, bytea decoded to its bytes and text as UTF-8."""
    if db.dialect.name == "postgresql":
        with db.connect() as conn:
            rows = [
                row
                for table in Base.metadata.sorted_tables
                for row in conn.execute(text(f"SELECT * FROM {table.name}"))  # noqa: S608 - our table names
            ]
        return b"\n".join(as_bytes(value) for row in rows for value in row if value is not None)
    data = db_path.read_bytes()
    for suffix in ("-wal", "-shm"):
        extra = db_path.with_name(db_path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


def test_canary_in_every_field_never_reaches_the_database_file(engine, db, db_path):
    """A canary written through a full report is nowhere in the raw database bytes."""
    chat = Chat(engine, locale="en")
    chat.send("/start")
    chat.send("1")
    chat.press("Confidential")
    chat.send(f"name {CANARY}")
    for line in ("2", f"affected {CANARY}", f"what {CANARY}", f"yesterday {CANARY}", "1",
                 f"where {CANARY}", f"who {CANARY}, role {CANARY}", "2", f"witness {CANARY}", "1",
                 f"wish {CANARY}"):  # fmt: skip
        chat.send(line)
    draft_bytes = raw_bytes(db, db_path)
    chat.press("Send the report")
    assert "K-" in chat.last
    for data in (draft_bytes, raw_bytes(db, db_path)):
        assert CANARY.encode() not in data
        assert CANARY.encode("utf-16-le") not in data
    with engine.sessions() as session:
        case = session.scalar(select(Case))
        assert case is not None
        fields = read_case(session, engine.vault, case)
        assert CANARY in fields["what"] and CANARY in fields["affected"]
    assert case.reference.encode() in raw_bytes(db, db_path)  # the scan reads the right file


def test_reporter_platform_id_is_stored_only_as_a_pseudonym(engine, db, db_path):
    """The raw platform user id appears nowhere in the database."""
    user_id = "U-REAL-PLATFORM-ID-4711"
    file_report(Chat(engine, user_id=user_id, locale="en"), "en")
    assert user_id.encode() not in raw_bytes(db, db_path)
    with engine.sessions() as session:
        conversation = session.scalar(select(Conversation))
        assert conversation is not None
        assert conversation.user_ref == engine.vault.keyring.pseudonym("console", user_id)


def test_destroying_the_data_key_erases_the_case_for_good(engine):
    """Once a case's data key is deleted, its content cannot be read by anyone."""
    file_report(Chat(engine, locale="en"), "en")
    with engine.sessions() as session, session.begin():
        case = session.scalar(select(Case))
        assert case is not None
        engine.vault.destroy(session, case.data_key_id)
    with engine.sessions() as session:
        case = session.scalar(select(Case))
        assert case is not None and case.data_key_id is None
        with pytest.raises(ErasedError):
            read_case(session, engine.vault, case)


def test_people_field_is_structured_after_decryption(engine):
    """The list of people decrypts back to structured data with the leader answer."""
    file_report(Chat(engine, locale="en"), "en")
    with engine.sessions() as session:
        case = session.scalar(select(Case))
        assert case is not None
        people = json.loads(read_case(session, engine.vault, case)["people"])
    assert people == [{"name": "Ola Nordmann", "role": "Board member", "leader": "no"}]


def test_postgresql_backend_without_a_server_fails_loudly():
    """TRYGG_TEST_BACKEND=postgresql without TEST_DATABASE_URL stops the run; it never skips."""
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env["TRYGG_TEST_BACKEND"] = "postgresql"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__,
         "-k", "destroying_the_data_key"],
        cwd=Path(__file__).parents[2], env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0, result.stdout
    assert "needs TEST_DATABASE_URL" in result.stdout + result.stderr
    assert "1 passed" not in result.stdout and "skipped" not in result.stdout

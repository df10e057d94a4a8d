"""One engine turn against one raw durable commit, on SQLite (WAL, synchronous FULL) or PostgreSQL.

Each reporter walks the whole scripted intake through `Engine.handle`; between turns the same
process commits one row with the database driver alone (sqlite3 / psycopg) on the same database,
so both are timed in the same run, A B A B. Prints p50 and p99 of each, their ratios, turns/s
against commits/s, the submit turn apart, and SQL statements per turn.
A third figure: the turn's own statements (read, write, queue a reply) with the driver alone,
the floor under any code that does a turn's work.
Run: python -m bench.engine_turn [--url postgresql://…] [--reporters 20] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as DbEngine
from sqlalchemy import event, text

from adapters.console import ADDRESS, ConsoleAdapter
from bot.channels import AdapterChannels
from conversations.engine import Engine, build_engine
from conversations.messages import Inbound, Outbound
from conversations.org import parse_org
from storage.crypto import Keyring, new_key_text
from storage.db import make_engine, migrate, session_factory
from storage.models import new_id
from storage.vault import Vault

SAMPLE = Path(__file__).parent.parent / "bot" / "samples" / "trygg.toml"
# What a reporter types, and (as "!label") the buttons they press, up to the review.
SCRIPT = (
    "/start", "1", "1", "1", "He would not stop touching me.", "sist torsdag", "1",
    "At the office party", "Ola Nordmann, styremedlem", "1", "1", "1", "I want it to stop",
)  # fmt: skip
SUBMIT = "!Send varselet"


def build(url: str, *, fresh: bool = True) -> tuple[DbEngine, Engine]:
    """The engine over `url` (a PostgreSQL schema is reset first when `fresh`)."""
    db = make_engine(url)
    if fresh and db.dialect.name == "postgresql":
        with db.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(db)
    with SAMPLE.open("rb") as handle:
        org = parse_org(tomllib.load(handle))
    keyring = Keyring.from_env(
        {
            "TRYGG_MASTER_KEYS": new_key_text("k1"),
            "TRYGG_PSEUDONYM_KEY": new_key_text("p").split(":", 1)[1],
        }
    )
    console = ConsoleAdapter(io.StringIO(), io.StringIO())
    engine = build_engine(session_factory(db), Vault(keyring), org, AdapterChannels(org, [console]))
    return db, engine


def driver(url: str) -> Any:
    """A connection of the database driver alone (sqlite3 in autocommit with Trygg's
    pragmas, or psycopg), as the raw figures use it."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "secure_delete=ON"):
            conn.execute(f"PRAGMA {pragma}")
        return conn
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def raw_commit(url: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """One durable one-row INSERT + COMMIT with the driver alone, and how to close it."""
    conn = driver(url)
    if url.startswith("sqlite"):
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, v BLOB)")
        payload = b"x" * 200

        def sqlite_commit() -> None:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO bench_raw (v) VALUES (?)", (payload,))
            conn.execute("COMMIT")

        return sqlite_commit, conn.close

    conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id serial PRIMARY KEY, v bytea)")
    conn.commit()

    def pg_commit() -> None:
        conn.execute("INSERT INTO bench_raw (v) VALUES (%s)", (b"x" * 200,))
        conn.commit()

    return pg_commit, conn.close


# A turn's own statements (the conversation read with its key, written back, one reply
# queued) with the driver alone: the floor under a turn, whatever code runs it.
RAW_TURN = (
    "SELECT c.id, c.step, c.language, c.data_key_id, c.draft, c.version, k.master_id, k.wrapped"
    " FROM conversations c LEFT OUTER JOIN data_keys k ON c.data_key_id = k.id"
    " WHERE c.platform = 'console' AND c.user_ref = {p}",
    "UPDATE conversations SET draft = draft, updated_at = {p} WHERE id = {p}",
    "INSERT INTO outbox (id, idempotency_key, data_key_id, kind, platform, destination, seq,"
    " address, body, status, attempts, parts_sent, next_attempt_at, created_at)"
    " VALUES ({p}, {p}, {p}, 'bench', 'console', {p}, {p}, {p}, {p}, 'pending', 0, 0, {p}, {p})",
)


def raw_turn(url: str) -> tuple[Callable[[str], None], Callable[[], None]]:
    """The turn's statements for one reporter (by user_ref) with the driver alone, and how to
    close it. The UPDATE rewrites the row without changing it, so the engine's turns go on."""
    sqlite = url.startswith("sqlite")
    conn = driver(url)
    read, write, queue = (q.format(p="?" if sqlite else "%s") for q in RAW_TURN)
    seq = [0]
    key: list[str] = []

    def turn(user_ref: str) -> None:
        if not key:  # the replies' shared key, as the engine keeps it
            key.append(
                conn.execute("SELECT id FROM data_keys WHERE purpose = 'reply'").fetchone()[0]
            )
            conn.commit()
        if sqlite:
            conn.execute("BEGIN")
        found = conn.execute(read, (user_ref,)).fetchone()
        now = datetime.now(UTC).replace(tzinfo=None)
        conn.execute(write, (now, found[0]))
        seq[0] += 1
        row = (new_id(), new_id(), key[0], "d" * 64, seq[0], b"a" * 60, b"b" * 600, now, now)
        conn.execute(queue, row)
        conn.execute("COMMIT") if sqlite else conn.commit()

    return turn, conn.close


def inbound(user: str, line: str, last: list[Outbound]) -> Inbound:
    if not line.startswith("!"):
        return Inbound("console", user, ADDRESS, text=line)
    asked = next(r for r in reversed(last) if r.choices)
    chosen = next(c for c in asked.choices if line[1:].casefold() in c.label.casefold())
    return Inbound("console", user, ADDRESS, choice=chosen.value, content="choice")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--reporters", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print where a turn's time goes")
    parser.add_argument("--sort", default="cumulative", help="profile order: cumulative, tottime")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    db, engine = build(url)
    commit, close = raw_commit(url)
    floor, close_floor = raw_turn(url)
    statements = [0]

    @event.listens_for(db, "before_cursor_execute")
    def _count(*_: Any) -> None:
        statements[0] += 1

    with db.connect() as conn:
        if db.dialect.name == "sqlite":
            sync = conn.execute(text("PRAGMA synchronous")).scalar()
            print(f"SQLite WAL, synchronous={sync} (2 = FULL)")
        else:
            sync = conn.execute(text("SHOW synchronous_commit")).scalar()
            print(f"PostgreSQL, synchronous_commit={sync}")
    for _ in range(20):  # warm both paths
        commit()
    turns: list[float] = []
    submits: list[float] = []
    raws: list[float] = []
    floors: list[float] = []
    counts: list[int] = []
    submit_counts: list[int] = []
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    for number in range(args.reporters):
        user = f"bench-{number}"
        last: list[Outbound] = []
        for line in (*SCRIPT, SUBMIT):
            message = inbound(user, line, last)
            statements[0] = 0
            if profiler is not None:
                profiler.enable()
            t0 = time.perf_counter()
            last = engine.handle(message)
            spent = time.perf_counter() - t0
            if profiler is not None:
                profiler.disable()
            (submits if line == SUBMIT else turns).append(spent)
            (submit_counts if line == SUBMIT else counts).append(statements[0])
            t0 = time.perf_counter()
            commit()
            raws.append(time.perf_counter() - t0)
            if line != SUBMIT:
                t0 = time.perf_counter()
                floor(engine.vault.keyring.pseudonym("console", user))
                floors.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    close()
    close_floor()
    floor50 = pct(floors, 0.5)
    raw50, raw99 = pct(raws, 0.5), pct(raws, 0.99)
    turn50, turn99 = pct(turns, 0.5), pct(turns, 0.99)
    print(f"{len(turns)} turns by {args.reporters} reporters, {len(raws)} commits, {wall:.1f} s")
    print(f"raw durable commit   p50 {raw50 * 1e3:6.2f} ms  p99 {raw99 * 1e3:6.2f} ms")
    print(f"engine turn          p50 {turn50 * 1e3:6.2f} ms  p99 {turn99 * 1e3:6.2f} ms")
    print(f"its statements alone p50 {floor50 * 1e3:6.2f} ms  (the driver alone: the floor)")
    print(f"submit turn          p50 {statistics.median(submits) * 1e3:6.2f} ms")
    print(f"ratio turn/commit    p50 {turn50 / raw50:5.2f}x  p99 {turn99 / raw99:5.2f}x (p99/p99)")
    print(
        f"floor/commit         p50 {floor50 / raw50:5.2f}x  turn/floor p50 {turn50 / floor50:5.2f}x"
    )
    print(f"turns/s {len(turns) / sum(turns):7.0f}   commits/s {len(raws) / sum(raws):7.0f}")
    print(
        f"SQL statements per turn {statistics.mean(counts):.1f} "
        f"(max {max(counts)}), on submit {statistics.mean(submit_counts):.1f}"
    )
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(40)
        print(out.getvalue())
    db.dispose()


if __name__ == "__main__":
    main()

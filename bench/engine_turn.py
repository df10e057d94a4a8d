"""One engine turn against one raw durable commit, on SQLite (WAL, synchronous FULL) or PostgreSQL.

Each reporter walks the whole scripted intake through `Engine.handle`; between turns the same
process commits one row with the database driver alone (sqlite3 / psycopg) on the same database,
so both are timed in the same run, A B A B. Prints p50 and p99 of each, their ratios, turns/s
against commits/s, the submit turn apart, and SQL statements per turn.
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


def raw_commit(url: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """One durable one-row INSERT + COMMIT with the driver alone, and how to close it."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "secure_delete=ON"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, v BLOB)")
        payload = b"x" * 200

        def sqlite_commit() -> None:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO bench_raw (v) VALUES (?)", (payload,))
            conn.execute("COMMIT")

        return sqlite_commit, conn.close

    import psycopg

    pconn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    pconn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id serial PRIMARY KEY, v bytea)")
    pconn.commit()

    def pg_commit() -> None:
        pconn.execute("INSERT INTO bench_raw (v) VALUES (%s)", (b"x" * 200,))
        pconn.commit()

    return pg_commit, pconn.close


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
    wall = time.perf_counter() - started
    close()
    raw50, raw99 = pct(raws, 0.5), pct(raws, 0.99)
    turn50, turn99 = pct(turns, 0.5), pct(turns, 0.99)
    print(f"{len(turns)} turns by {args.reporters} reporters, {len(raws)} commits, {wall:.1f} s")
    print(f"raw durable commit   p50 {raw50 * 1e3:6.2f} ms  p99 {raw99 * 1e3:6.2f} ms")
    print(f"engine turn          p50 {turn50 * 1e3:6.2f} ms  p99 {turn99 * 1e3:6.2f} ms")
    print(f"submit turn          p50 {statistics.median(submits) * 1e3:6.2f} ms")
    print(f"ratio turn/commit    p50 {turn50 / raw50:5.2f}x  p99 {turn99 / raw99:5.2f}x (p99/p99)")
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

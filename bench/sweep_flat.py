"""A sweep with nothing due stays flat as the outbox grows; memory stays flat as drafts grow.

Part one: 10 k, 100 k and 1 M outbox rows that are pending but not yet due (SQLite by default,
or PostgreSQL with --url); the time of one delivery claim that finds nothing, at each size.
Part two: the resident memory of one engine process before and after 10 k reporters each
started a draft (their state lives in the database, not in the process).
Run: python -m bench.sweep_flat [--url postgresql://…] [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from bench.engine_turn import build, inbound
from storage.db import make_engine, migrate, session_factory
from storage.models import OutboxMessage, new_id
from storage.queue import claim_outbox

BATCH = 10_000


def fill(url: str, upto: int, have: int) -> None:
    """Add pending outbox rows, due in a week, until there are `upto`."""
    db = make_engine(url)
    later = datetime.now(UTC) + timedelta(days=7)
    with db.begin() as conn:
        for start in range(have, upto, BATCH):
            rows = [
                {
                    "id": new_id(),
                    "idempotency_key": f"bench:{n}",
                    "kind": "alert",
                    "platform": "console",
                    "destination": f"d{n % 5000:05d}",
                    "seq": n,
                    "address": b"x" * 40,
                    "body": b"x" * 200,
                    "status": "pending",
                    "attempts": 0,
                    "parts_sent": 0,
                    "next_attempt_at": later,
                    "created_at": later,
                }
                for n in range(start, min(upto, start + BATCH))
            ]
            conn.execute(insert(OutboxMessage), rows)
    db.dispose()


def empty_claim(url: str, runs: int = 30) -> float:
    """Median seconds of one delivery claim that finds nothing due."""
    db = make_engine(url)
    sessions = session_factory(db)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with sessions() as session, session.begin():
            assert claim_outbox(session, "bench", datetime.now(UTC), timedelta(seconds=60)) == []
        times.append(time.perf_counter() - started)
    db.dispose()
    return statistics.median(times)


def rss_mib() -> float:
    gc.collect()
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="a PostgreSQL URL (its schema is reset)")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--drafts", type=int, default=10_000)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    build(url)  # a fresh, migrated database
    have = 0
    for size in (int(s) for s in args.sizes.split(",")):
        fill(url, size, have)
        have = size
        print(f"{size:>9} pending, none due: claim {empty_claim(url) * 1e3:6.2f} ms")
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/drafts.db"
    db, engine = build(url)
    migrate(db)
    engine.handle(inbound("warm", "/start", []))
    before = rss_mib()
    for number in range(args.drafts):
        user = f"draft-{number}"
        engine.handle(inbound(user, "/start", []))
        engine.handle(inbound(user, "1", []))
    after = rss_mib()
    print(f"resident memory {before:.0f} MiB, after {args.drafts} drafts {after:.0f} MiB")
    with db.connect() as conn:
        drafts = conn.execute(text("SELECT count(*) FROM conversations WHERE draft IS NOT NULL"))
        print(f"  ({drafts.scalar_one()} drafts stored in the database)")


if __name__ == "__main__":
    main()

"""Turns per second on PostgreSQL with one replica against two, in the same run.

Each replica is its own process with its own engine and connection pool, as two `trygg run`
would be; every replica's reporters walk the scripted intake for a fixed time. One and two
replicas alternate (1, 2, 1, 2, …), and the ratio of their medians is printed (goal ≥ 1.7).
Run: python -m bench.replicas --url postgresql://… [--seconds 6] [--rounds 2] [--reporters 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from multiprocessing.synchronize import Barrier

from sqlalchemy import text

from bench.engine_turn import SCRIPT, SUBMIT, build, inbound
from conversations.messages import Outbound
from storage.db import make_engine, migrate


def replica(
    url: str, name: str, reporters: int, seconds: float, start: Barrier, out: object
) -> None:
    """Run turns until `seconds` have passed since every replica started; report how many."""
    _, engine = build(url, fresh=False)
    turns = 0
    start.wait()
    deadline = time.perf_counter() + seconds
    round_number = 0
    while time.perf_counter() < deadline:
        for number in range(reporters):
            user = f"{name}-{round_number}-{number}"
            last: list[Outbound] = []
            for line in (*SCRIPT, SUBMIT):
                last = engine.handle(inbound(user, line, last))
                turns += 1
                if time.perf_counter() >= deadline:
                    break
            if time.perf_counter() >= deadline:
                break
        round_number += 1
    out.put(turns)  # type: ignore[attr-defined]


def measure(url: str, count: int, reporters: int, seconds: float, tag: str) -> float:
    """Turns per second of `count` replicas running at once."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(count)
    out = context.Queue()
    workers = [
        context.Process(target=replica, args=(url, f"{tag}-r{n}", reporters, seconds, start, out))
        for n in range(count)
    ]
    for worker in workers:
        worker.start()
    total = sum(out.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="a PostgreSQL URL (its schema is reset)")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--reporters", type=int, default=8, help="per replica, in turn")
    args = parser.parse_args()
    db = make_engine(args.url)
    with db.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(db)
    db.dispose()
    one: list[float] = []
    two: list[float] = []
    for number in range(args.rounds):
        one.append(measure(args.url, 1, args.reporters, args.seconds, f"a{number}"))
        two.append(measure(args.url, 2, args.reporters, args.seconds, f"b{number}"))
    print(f"one replica   {statistics.median(one):6.0f} turns/s  (runs: {one})")
    print(f"two replicas  {statistics.median(two):6.0f} turns/s  (runs: {two})")
    print(f"ratio {statistics.median(two) / statistics.median(one):.2f} (goal >= 1.7)")


if __name__ == "__main__":
    main()

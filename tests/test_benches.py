"""Every benchmark in bench/ still runs: at its smallest size it exits 0 and prints its figures.

The figures themselves are not judged (the machines are too noisy for timings); what a
benchmark states about itself is (every message arrived in order, every press was stored).
The engine benchmark's scripted conversation is also walked here to its end, since a script
that no longer follows the intake still prints figures — for a conversation that never files a
report. bench.replicas and the PostgreSQL variants need TEST_DATABASE_URL (CI sets it); the
benchmarks reset that database's `public` schema, as the PostgreSQL tests do.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.engine_turn import SCRIPT, SUBMIT, build, inbound
from conversations.cases import read_case
from conversations.messages import Outbound
from storage.models import Case

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("TEST_DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(
    not POSTGRES,
    reason="TEST_DATABASE_URL is not set: PostgreSQL benchmarks need a server (CI sets it)",
)
N = r"[\d.,]+"  # a figure
# What the engine benchmark's reporter answers lands in the report (where it belongs).
SCRIPTED = {
    "what": "He would not stop touching me.",
    "when_words": "sist torsdag",
    "place": "At the office party",
    "wishes": "I want it to stop",
}


def bench(name: str, *args: str) -> str:
    """Run `python -m bench.<name> args…`; its output, once it has exited 0."""
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"bench.{name} failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


def prints(output: str, *patterns: str) -> None:
    """Each pattern matches a line of `output` (from its start)."""
    lines = output.splitlines()
    for pattern in patterns:
        assert any(re.match(pattern, line) for line in lines), f"no {pattern!r} in:\n{output}"


def test_engine_turn_prints_its_figures_and_profile():
    output = bench("engine_turn", "--reporters", "1", "--profile")
    prints(
        output,
        r"SQLite WAL, synchronous=",
        rf"{N} turns by 1 reporters, {N} commits",
        rf"raw durable commit +p50 +{N} ms +p99 +{N} ms",
        rf"engine turn +p50 +{N} ms +p99 +{N} ms",
        rf"submit turn +p50 +{N} ms",
        rf"ratio turn/commit +p50 +{N}x +p99 +{N}x",
        rf"floor/commit +p50 +{N}x +turn/floor p50 +{N}x",
        rf"SQL statements per turn {N} \(max {N}\), on submit {N}",
        rf" +{N} function calls",  # the profile
    )


def test_engine_turn_script_files_a_report(tmp_path):
    """The engine (and replicas) benchmark's reporter walks the intake to a filed report with
    the scripted story: a script the intake no longer follows fails here, not silently."""
    db, engine = build(f"sqlite:///{tmp_path}/bench.db")
    last: list[Outbound] = []
    for line in SCRIPT:
        last = engine.handle(inbound("bench-0", line, last))
        assert last, f"no answer to {line!r}"
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
    engine.handle(inbound("bench-0", SUBMIT, last))
    with engine.sessions() as session:
        case = session.scalars(select(Case)).one()
        filed = read_case(session, engine.vault, case)
    db.dispose()
    assert {field: filed[field] for field in SCRIPTED} == SCRIPTED


@needs_postgres
@pytest.mark.postgres
def test_engine_turn_on_postgres_prints_its_figures():
    output = bench("engine_turn", "--url", POSTGRES, "--reporters", "1")
    prints(output, r"PostgreSQL, synchronous_commit=", rf"engine turn +p50 +{N} ms")


@needs_postgres
@pytest.mark.postgres
def test_replicas_prints_its_figures():
    output = bench(
        "replicas", "--url", POSTGRES, "--seconds", "0.5", "--rounds", "1", "--reporters", "1"
    )
    prints(
        output,
        rf"one replica +{N} turns/s",
        rf"two replicas +{N} turns/s",
        rf"ratio {N} \(goal >= 1.7\)",
    )


def test_delivery_rate_prints_its_figures_and_keeps_order():
    output = bench("delivery_rate", "--chats", "5", "--group", "2", "--latency", "0.01")
    prints(
        output,
        rf"5 messages to 5 chats by 1 replica\(s\) in {N} s: {N}/s of 30/s allowed",
        rf"5 messages to 5 chats by 2 replica\(s\) in {N} s: {N}/s of 30/s allowed",
        rf"  ratio {N} \(goal >= 0.95\); 429 answers \d+; in order True",
        rf"2 messages to one group in {N} s \({N}/min; 20/min allowed\)",
        r"  429 answers \d+ \(goal: 0 after the first\); in order True",
    )


def test_telegram_updates_prints_its_figures_and_profile():
    output = bench("telegram_updates", "--chats", "2", "--messages", "2", "--profile")
    prints(
        output,
        r"4 updates from 2 chats",
        rf"Trygg \(stored, queued\) +{N} updates/s",
        rf"PTB echo handler +{N} updates/s",
        rf"ratio {N}x the echo's time",
        rf"second run, ms an update: {N} in all",
        rf"  engine turn CPU {N}",
    )


def test_telegram_updates_with_presses_prints_its_figures():
    output = bench("telegram_updates", "--chats", "2", "--messages", "2", "--presses")
    prints(
        output,
        r"4 updates from 2 chats \(presses\)",
        rf"Trygg \(stored, queued\) +{N} presses/s",
        rf"ratio {N}x the echo's time",
    )


def test_slack_ack_prints_its_figures_and_stores_every_press():
    output = bench("slack_ack", "--presses", "4")
    prints(
        output,
        r"4 presses at once, each stored before its 200 \(8 conversations\)",  # warm-up and run
        rf"  Trygg: slowest {N} s, median {N} s",
        rf"  Bolt echo \(ack only\): slowest {N} s, median {N} s",
        rf"  ratio of the slowest: {N}x",
    )


def test_sweep_flat_prints_its_figures():
    output = bench("sweep_flat", "--sizes", "100,1000", "--drafts", "20")
    prints(
        output,
        rf" +100 pending, none due: claim +{N} ms",
        rf" +1000 pending, none due: claim +{N} ms",
        rf"resident memory {N} MiB, after 20 drafts {N} MiB",
        r"  \(2\d drafts stored in the database\)",
    )


@needs_postgres
@pytest.mark.postgres
def test_sweep_flat_on_postgres_prints_its_figures():
    output = bench("sweep_flat", "--url", POSTGRES, "--sizes", "100", "--drafts", "10")
    prints(output, rf" +100 pending, none due: claim +{N} ms", rf"resident memory {N} MiB")


def test_startup_prints_its_figures():
    output = bench("startup", "--runs", "1")
    prints(
        output,
        rf"trygg run to the first prompt +{N} s \(median of 1\)",
        rf"  with the platform libraries loaded too {N} s",
        r"  -?\d+% faster",
    )


def test_when_coverage_prints_its_figures():
    output = bench("when_coverage")
    prints(
        output,
        r"expressions: \d+ \(en \d+, nb \d+, sv \d+\)",
        r"read_when right: +\d+/\d+ \(\d+%; en \d+/\d+, nb \d+/\d+, sv \d+/\d+\); read wrong: \d+",
        r"dateparser alone right: +\d+/\d+",
        rf"time ratio read_when/dateparser: {N}",
    )

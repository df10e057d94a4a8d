"""`trygg doctor`, `keys rotate` and `export` explain master keys and stuck work in one line."""

from __future__ import annotations

import re
import sqlite3

import pytest

from storage.crypto import new_key_text
from tests.bot.test_cli import SCRIPT, run

K1, K2 = new_key_text("k1"), new_key_text("k2")
PSEUDONYM = new_key_text("p").split(":", 1)[1]


def keys(*masters: str) -> dict[str, str]:
    return {"TRYGG_MASTER_KEYS": ",".join(masters), "TRYGG_PSEUDONYM_KEY": PSEUDONYM}


@pytest.fixture
def filed(tmp_path) -> str:
    """One report filed under master key k1; its reference."""
    result = run(["run"], tmp_path, SCRIPT + "\n", **keys(K1))
    assert result.returncode == 0, result.stderr
    found = re.search(r"K-[A-Z0-9]{6}", result.stdout)
    assert found is not None
    return found.group(0)


def audited(tmp_path, action: str) -> list[str]:
    with sqlite3.connect(tmp_path / "trygg.db") as conn:
        rows = conn.execute("SELECT facts FROM audit_log WHERE action = ?", (action,)).fetchall()
    return [facts for (facts,) in rows]


def test_unknown_master_key_is_one_line_in_export_rotate_and_doctor(tmp_path, filed):
    """With k1 gone from the environment, each command names k1 in one line, no traceback."""
    env = keys(K2)
    export = run(["export", filed], tmp_path, **env)
    assert export.returncode == 2 and "Traceback" not in export.stderr
    assert export.stderr.count("\n") == 1 and "master key 'k1'" in export.stderr

    rotate = run(["keys", "rotate"], tmp_path, **env)
    assert rotate.returncode == 1 and "Traceback" not in rotate.stderr
    assert "re-wrapped 0 data keys under master key 'k2'" in rotate.stdout
    assert re.search(r"could not re-wrap \d+ data keys: master key 'k1'", rotate.stderr)

    doctor = run(["doctor"], tmp_path, **env)
    assert doctor.returncode == 1 and "Traceback" not in doctor.stderr
    assert re.search(r"PROBLEM: +\d+ data keys are wrapped by master key 'k1'", doctor.stderr)
    assert re.search(r"data keys: k1: \d+", doctor.stdout)
    assert audited(tmp_path, "keys_rotate") and audited(tmp_path, "doctor")


def test_doctor_warns_before_an_old_master_key_is_dropped_and_rotate_clears_it(tmp_path, filed):
    """An older master key still in use is a warning until `keys rotate` re-wraps its keys."""
    env = keys(K2, K1)
    before = run(["doctor"], tmp_path, **env)
    assert before.returncode == 0, before.stderr
    assert re.search(r"do not drop key 'k1' yet: \d+ data keys still use it", before.stdout)
    assert "trygg keys rotate" in before.stdout

    rotate = run(["keys", "rotate"], tmp_path, **env)
    assert rotate.returncode == 0, rotate.stderr
    count = int(re.search(r"re-wrapped (\d+) data keys", rotate.stdout).group(1))
    assert count >= 1

    after = run(["doctor"], tmp_path, **keys(K2))  # k1 can go now
    assert after.returncode == 0, after.stderr
    assert "do not drop" not in after.stdout and f"data keys: k2: {count}" in after.stdout
    assert run(["export", filed], tmp_path, **keys(K2)).returncode == 0
    assert f'"rewrapped": {count}' in audited(tmp_path, "keys_rotate")[0]


@pytest.mark.parametrize(
    ("table", "status", "problem"),
    [("follow_ups", "failed", "1 follow-ups failed"), ("outbox", "dead", "dead letters")],
)
def test_doctor_counts_failed_follow_ups_and_dead_letters_as_problems(
    tmp_path, filed, table, status, problem
):
    """A follow-up that failed or a message that went dead makes doctor exit 1 and say so."""
    with sqlite3.connect(tmp_path / "trygg.db") as conn:
        first = f"(SELECT min(rowid) FROM {table})"  # noqa: S608 - the test's own table names
        conn.execute(f"UPDATE {table} SET status = ? WHERE rowid = {first}", (status,))  # noqa: S608 - as above
    doctor = run(["doctor"], tmp_path, **keys(K1))
    assert doctor.returncode == 1
    assert problem in doctor.stderr and "PROBLEM" in doctor.stderr
    assert '"problems": 1' in audited(tmp_path, "doctor")[0]

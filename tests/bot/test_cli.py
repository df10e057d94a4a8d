"""The README's first command: `trygg run` with no tokens is the console chat on SQLite."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

TRYGG = shutil.which("trygg") or str(Path(sys.executable).parent / "trygg")
SCRIPT = "\n".join(
    ["1", "1", "1", "Scripted report text", "last Thursday", "1", "At the office",
     "Ola, secretary", "2", "1", "1", "I want it to stop", "1", "/status", ""]
)  # fmt: skip


def run(args: list[str], cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("TRYGG_", "TELEGRAM_", "SLACK_", "DATABASE_URL"))}  # fmt: skip
    clean.update(env)
    return subprocess.run([TRYGG, *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          env=clean, timeout=120, check=False)  # fmt: skip


def test_trygg_run_files_a_report_through_stdin_without_a_tty(tmp_path):
    """Piped through stdin, the console chat reaches a receipt and stores the case in trygg.db."""
    result = run(["run"], tmp_path, SCRIPT + "\n", TRYGG_LOG_LEVEL="WARNING")
    assert result.returncode == 0, result.stderr
    assert "Your reference: K-" not in result.stdout  # the sample's default language is nb
    assert "Referansen din: K-" in result.stdout
    assert "not for production" in result.stderr
    assert (tmp_path / "trygg-dev.key").exists()
    with sqlite3.connect(tmp_path / "trygg.db") as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (1,)


def test_broken_config_is_one_line_not_a_traceback(tmp_path):
    """A wrong organisation file gives one message naming the key, exit code 2."""
    (tmp_path / "trygg.toml").write_text(
        '[organisation]\nname = "X"\ntimezone = "Nowhere/Land"\n'
        '[[units]]\nid = "a"\nname = "A"\n[[groups]]\nid = "g"\nname = "G"\nunits = ["a"]\n'
    )
    result = run(["run"], tmp_path)
    assert result.returncode == 2
    assert "organisation.timezone" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_platform_token_without_keys_names_the_missing_variable(tmp_path):
    """With a platform token set, production keys are required and the error names them."""
    result = run(["run"], tmp_path, TELEGRAM_BOT_TOKEN="123:abc")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr or "TRYGG_MASTER_KEYS" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_reports_the_sample(tmp_path):
    """`trygg check-config` validates the bundled sample when no trygg.toml is present."""
    result = run(["check-config"], tmp_path)
    assert result.returncode == 0 and "Eksempelpartiet" in result.stdout


def test_keys_new_prints_usable_keys(tmp_path):
    """`trygg keys new` prints both variables, and they load as a keyring."""
    result = run(["keys", "new"], tmp_path)
    lines = dict(line.split("=", 1) for line in result.stdout.strip().splitlines() if "=" in line)
    from storage.crypto import Keyring

    assert Keyring.from_env(lines).current == "k1"
    assert "# Keep this pseudonym key for good" in result.stdout  # .env takes '#' comments


def test_keys_new_for_rotation_prints_only_a_master_key(tmp_path):
    """`--master-only` never offers a new pseudonym key (which would cut reporters off)."""
    result = run(["keys", "new", "--id", "k2", "--master-only"], tmp_path)
    assert result.stdout.startswith("k2:") and "PSEUDONYM" not in result.stdout


@pytest.mark.parametrize("database", ["sqlite:////nonexistent-dir/x/trygg.db"])
def test_unreachable_database_is_one_line(tmp_path, database):
    """A database that cannot be opened is reported in one line naming DATABASE_URL."""
    result = run(["run"], tmp_path, DATABASE_URL=database)
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_writes_the_case_as_markdown_and_audits_it(tmp_path):
    """`trygg export K-…` prints the report and its log as Markdown, and logs the export."""
    filed = run(["run"], tmp_path, SCRIPT + "\n")
    reference = re.search(r"K-[A-Z0-9]{6}", filed.stdout)
    assert reference is not None, filed.stdout
    result = run(["export", reference.group(0)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"# Eksempelpartiet: saksmappe {reference.group(0)}")
    assert "Scripted report text" in result.stdout and "## Saksloggen" in result.stdout
    missing = run(["export", "K-ZZZZZZ"], tmp_path)
    assert missing.returncode == 2 and "no case K-ZZZZZZ" in missing.stderr
    with sqlite3.connect(tmp_path / "trygg.db") as conn:
        rows = conn.execute("SELECT action, case_ref, allowed FROM audit_log").fetchall()
    assert ("export", reference.group(0), 1) in rows and ("export", "K-ZZZZZZ", 0) in rows


def test_doctor_and_cases_report_counts_without_content(tmp_path):
    """`trygg doctor` is healthy on a fresh install; `trygg cases` lists a case, not its text."""
    filed = run(["run"], tmp_path, SCRIPT + "\n")
    reference = re.search(r"K-[A-Z0-9]{6}", filed.stdout)
    assert reference is not None
    doctor = run(["doctor"], tmp_path)
    assert doctor.returncode == 0, doctor.stderr
    assert "1 open, 0 past the acknowledge deadline" in doctor.stdout
    assert "0 dead letters" in doctor.stdout
    cases = run(["cases"], tmp_path)
    assert reference.group(0) in cases.stdout and "received" in cases.stdout
    assert "Scripted report text" not in cases.stdout


def test_binary_input_on_stdin_is_answered_not_a_crash(tmp_path):
    """Bytes that are not UTF-8 (and a NUL) get an ordinary answer; the chat goes on."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TRYGG_", "TELEGRAM_"))}
    result = subprocess.run(
        [TRYGG, "run"],
        cwd=tmp_path,
        input=b"1\n1\n1\n\xff\xfe\x00junk\n",
        capture_output=True,
        env=clean,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    assert b"Steg 4 av 9" in result.stdout  # the text was taken: the next question


def test_export_as_pdf_and_the_audit_as_csv(tmp_path):
    """`--format pdf -o` writes a PDF that holds the report; `trygg audit --format csv` lists
    the export with the operator, and reading the audit is audited too."""
    filed = run(["run"], tmp_path, SCRIPT + "\n")
    reference = re.search(r"K-[A-Z0-9]{6}", filed.stdout)
    assert reference is not None, filed.stdout
    assert run(["export", reference.group(0), "--format", "pdf"], tmp_path).returncode == 2
    made = run(["export", reference.group(0), "--format", "pdf", "-o", "case.pdf"], tmp_path)
    assert made.returncode == 0, made.stderr
    pdf = PdfReader(tmp_path / "case.pdf")
    assert "Scripted report text" in " ".join(page.extract_text() for page in pdf.pages)
    assert oct((tmp_path / "case.pdf").stat().st_mode & 0o777) == "0o600"
    listed = run(["audit", "--case", reference.group(0), "--format", "csv"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.reader(io.StringIO(listed.stdout)))
    assert rows[0] == ["at", "actor", "name", "action", "case", "allowed", "facts"]
    assert any(r[3] == "export" and r[1].startswith("operator:") for r in rows[1:])
    again = run(["audit"], tmp_path)
    assert "audit_read" in again.stdout and "Scripted report text" not in again.stdout


def test_a_report_received_by_phone_is_recorded_routed_and_audited(tmp_path):
    """`trygg record --via phone`: the answers come from stdin (never the command line); the
    case is routed like any other, owed the same deadlines, and the recording is audited."""
    lines = ["He shouted at me in the office", "last Monday", "Oslo office",
             "Per Hansen; board member; yes", "", "Kari", "A talk with him"]  # fmt: skip
    answers = "\n".join(lines)
    made = run(["record", "--via", "phone", "--unit", "oslo"], tmp_path, answers + "\n")
    assert made.returncode == 0, made.stderr
    reference = re.search(r"K-[A-Z0-9]{6}", made.stdout)
    assert reference is not None and "Sentral varslingsgruppe" in made.stdout  # a leader
    with sqlite3.connect(tmp_path / "trygg.db") as conn:
        platform, via, contact, due = conn.execute(
            "SELECT platform, received_via, contact_ok, ack_due_at FROM cases"
        ).fetchone()
        kinds = {k for (k,) in conn.execute("SELECT kind FROM follow_ups")}
        audited = conn.execute("SELECT action FROM audit_log WHERE action = 'record'").fetchall()
    assert (platform, via, contact) == ("recorded", "phone", 0) and due
    assert {"ack_nudge", "escalate"} <= kinds and audited == [("record",)]
    document = run(["export", reference.group(0)], tmp_path).stdout
    assert "på telefon, ført av en behandler" in document and "He shouted at me" in document
    unknown = run(["record", "--via", "phone", "--unit", "nowhere"], tmp_path, answers + "\n")
    assert unknown.returncode == 2 and "unknown unit 'nowhere'" in unknown.stderr

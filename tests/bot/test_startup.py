"""Operator mistakes at start-up: one line `trygg: …` naming the cause, never a traceback."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import pytest

from bot.errors import StartupError
from bot.settings import load_org
from storage.crypto import new_key_text
from tests.bot.bot_api_server import BotApiServer
from tests.bot.test_cli import SCRIPT, run
from tests.bot.test_logs import TOKEN, telegram_config

KEYS = {
    "TRYGG_MASTER_KEYS": new_key_text("k1"),
    "TRYGG_PSEUDONYM_KEY": new_key_text("p").split(":", 1)[1],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_line(result, status: int = 2) -> str:
    """The single line on stderr, after checking the exit status and that no traceback shows."""
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trygg: "), result.stderr
    return lines[0]


def test_config_that_is_a_directory_is_named(tmp_path):
    """TRYGG_CONFIG pointing at a directory says so."""
    (tmp_path / "conf").mkdir()
    line = one_line(run(["run"], tmp_path, TRYGG_CONFIG=str(tmp_path / "conf")))
    assert "is a directory" in line


def test_config_that_is_not_utf8_is_named(tmp_path):
    """An organisation file in another encoding is named, with the fix."""
    (tmp_path / "trygg.toml").write_bytes('[organisation]\nname = "Förening"\n'.encode("latin-1"))
    line = one_line(run(["run"], tmp_path))
    assert "trygg.toml" in line and "not UTF-8" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file with mode 000 anyway")
def test_unreadable_config_is_named(tmp_path):
    """An organisation file this user cannot read is named."""
    path = tmp_path / "trygg.toml"
    path.write_text("[organisation]\n")
    path.chmod(0)
    line = one_line(run(["run"], tmp_path))
    assert "cannot be read" in line


def test_unreadable_config_is_a_startup_error(tmp_path, monkeypatch):
    """A PermissionError reading the organisation file becomes a StartupError (also as root)."""
    path = tmp_path / "trygg.toml"
    path.write_text("[organisation]\n")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(StartupError, match="cannot be read by this user"):
        load_org(path)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("TRYGG_HTTP_PORT", "abc", "TRYGG_HTTP_PORT"),
        ("TRYGG_LOG_LEVEL", "LOUD", "TRYGG_LOG_LEVEL"),
        ("TRYGG_LIBRARY_LOG_LEVEL", "chatty", "TRYGG_LIBRARY_LOG_LEVEL"),
        ("TRYGG_HTTP_MAX_BODY", "lots", "TRYGG_HTTP_MAX_BODY"),
        ("DATABASE_URL", "mysql://root:hunter2secret@db/trygg", "unsupported database 'mysql'"),
        ("DATABASE_URL", "redis://cache", "unsupported database 'redis'"),
        ("DATABASE_URL", "trygg.db", "DATABASE_URL"),
    ],
)
@pytest.mark.parametrize("command", ["run", "doctor"])
def test_bad_setting_is_one_line_naming_it(tmp_path, variable, value, named, command):
    """A malformed variable is named in one line by `run` and by `doctor`, before anything
    else happens (and a password in DATABASE_URL is not echoed)."""
    line = one_line(run([command], tmp_path, **{variable: value}))
    assert named in line
    assert "hunter2secret" not in line


def test_dev_key_file_readable_by_others_is_refused(tmp_path):
    """A development key file with group or other bits is refused with the chmod to run."""
    first = run(["run"], tmp_path, SCRIPT + "\n")
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "trygg-dev.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key_file.chmod(0o644)
    line = one_line(run(["run"], tmp_path, "/quit\n"))
    assert f"chmod 600 {key_file.name}" in line
    key_file.chmod(0o600)
    assert run(["doctor"], tmp_path).returncode == 0


def test_telegram_token_rejected_by_the_platform_is_one_line(tmp_path):
    """A token Telegram refuses stops `run` with one redacted line (exit 1), no traceback."""
    api = BotApiServer()
    api.reject_token = True
    try:
        result = run(["run"], tmp_path, TELEGRAM_BOT_TOKEN=TOKEN,
                     TELEGRAM_API_BASE_URL=api.url,
                     TRYGG_CONFIG=str(telegram_config(tmp_path)), **KEYS)  # fmt: skip
    finally:
        api.close()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    ours = [line for line in result.stderr.splitlines() if line.startswith("trygg: ")]
    assert len(ours) == 1 and "InvalidToken" in ours[0], result.stderr
    # A library may log its own error first; without DEBUG it is one line with no traceback.
    assert len(result.stderr.strip().splitlines()) <= 2, result.stderr


def test_unreachable_platform_is_one_line_and_debug_shows_the_redacted_traceback(tmp_path):
    """A platform that cannot be reached is one line; at DEBUG the traceback, redacted."""
    env = dict(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL="http://127.0.0.1:9",
               TRYGG_CONFIG=str(telegram_config(tmp_path)), **KEYS)  # fmt: skip
    result = run(["run"], tmp_path, **env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "trygg: stopped: NetworkError" in result.stderr
    debug = run(["run"], tmp_path, TRYGG_LOG_LEVEL="DEBUG", **env)
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    assert TOKEN not in debug.stderr and TOKEN.split(":")[1] not in debug.stderr


def test_doctor_refuses_what_run_refuses(tmp_path):
    """With a platform token and groups without a channel there, doctor fails as run does."""
    env = dict(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL="http://127.0.0.1:9", **KEYS)
    ran = one_line(run(["run"], tmp_path, **env))
    doctor = one_line(run(["doctor"], tmp_path, **env))
    assert "groups without a channel" in ran
    assert doctor == ran
    with sqlite3.connect(tmp_path / "trygg.db") as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_webhook_mode_with_a_rejected_token_stops_without_traceback_or_token(tmp_path):
    """In webhook mode the token is first used inside the server's start-up: still no
    traceback, no token, a `trygg:` line and exit 1."""
    api = BotApiServer()
    api.reject_token = True
    try:
        result = run(["run"], tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.url,
                     TELEGRAM_WEBHOOK_URL="https://trygg.example.org",
                     TELEGRAM_WEBHOOK_SECRET="webhook-secret-value",
                     TRYGG_HTTP_PORT=str(free_port()),
                     TRYGG_CONFIG=str(telegram_config(tmp_path)), **KEYS)  # fmt: skip
    finally:
        api.close()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    assert "InvalidToken" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("trygg: stopped")


# What the local console must not load: every platform's library and the web server.
NOT_FOR_THE_CONSOLE = {"telegram", "slack_bolt", "slack_sdk", "nio", "uvicorn", "starlette"}


def imported(stderr: str) -> set[str]:
    """The modules Python reported loading (PYTHONPROFILEIMPORTTIME's lines on stderr)."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_the_console_loads_no_platform_library_and_no_alembic_once_migrated(tmp_path):
    """Guards the console's start-up: no platform library, no web server, and, with the
    database already at the newest schema, not Alembic either; the first prompt shows."""
    assert run(["run"], tmp_path, "").returncode == 0  # creates and migrates trygg.db
    result = run(["run"], tmp_path, "", PYTHONPROFILEIMPORTTIME="1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Si fra om seksuell trakassering" in result.stdout
    modules = imported(result.stderr)
    assert "conversations.engine" in modules  # the import report is there to be read
    assert {name.split(".")[0] for name in modules} & (NOT_FOR_THE_CONSOLE | {"alembic"}) == set()

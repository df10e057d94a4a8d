"""Logs never carry tokens, secrets, platform ids or report text, whatever the level."""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bot.logs import RedactingFilter, Redactor, configure_logging
from storage.crypto import new_key_text
from tests.bot.bot_api_server import BotApiServer, private_message
from tests.bot.test_cli import SCRIPT, TRYGG, run

SAMPLE = Path(__file__).parents[2] / "bot" / "samples" / "trygg.toml"
TOKEN = "7012345678:AAHk3xQwErTy_uIoPaSdFgHjKlZxCvBnM-12"
REPORTER = 987654321
CANARY = "CANARY-logs-5b1e"


@pytest.fixture(autouse=True)
def _restore_logging():
    """configure_logging changes process-wide state; put it back after each test."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(saved[0])
    for handler in saved[1]:
        root.addHandler(handler)
    for name in ("bot", "adapters", "conversations", "storage"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.captureWarnings(False)


def test_redactor_removes_secrets_tokens_and_ids():
    """Configured secrets, token shapes, Slack and Telegram ids and Bot API URLs are removed."""
    redact = Redactor(["sign1ng-secret-value", "k1:bWFzdGVyLWtleS1tYXRlcmlhbA=="])
    text = redact(
        f"POST https://api.telegram.org/bot{TOKEN}/getMe token={TOKEN} "
        "xoxb-1234-5678-abcdEFGH xapp-1-A0B1-99 user U0123ABCD9 channel G0ABCDEF12 "
        "chat -1001234567890 from 987654321 secret sign1ng-secret-value "
        "key bWFzdGVyLWtleS1tYXRlcmlhbA== case K-ABC123 at 14:05, 3 tries"
    )
    for leaked in (TOKEN, "xoxb-", "xapp-", "U0123ABCD9", "G0ABCDEF12", "1001234567890",
                   "987654321", "sign1ng", "bWFzdGVy"):  # fmt: skip
        assert leaked not in text
    assert "/bot[token]/getMe" in text
    assert "K-ABC123" in text and "14:05, 3 tries" in text  # ordinary words survive


def test_filter_rewrites_arguments_and_exception_text():
    """A record's args and its formatted traceback are redacted before any handler prints."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(Redactor([TOKEN])))
    logger = logging.getLogger("tests.logs.filter")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise RuntimeError(f"rejected token {TOKEN} for chat {REPORTER}")
        except RuntimeError:
            logger.exception("call for %s failed", REPORTER)
    finally:
        logger.removeHandler(handler)
    printed = stream.getvalue()
    assert "RuntimeError" in printed and "call for [id] failed" in printed
    assert TOKEN not in printed and str(REPORTER) not in printed


def test_libraries_stay_at_warning_while_trygg_logs_debug():
    """TRYGG_LOG_LEVEL=DEBUG opens Trygg's loggers only; httpx and the root stay at WARNING."""
    stream = io.StringIO()
    configure_logging("DEBUG", [TOKEN], stream=stream)
    logging.getLogger("bot.test").debug("own debug line")
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getMe", TOKEN)
    logging.getLogger("telegram.ext").debug("update %s", CANARY)
    logging.getLogger("slack_bolt.App").warning("bad signature for user U0123ABCD9")
    printed = stream.getvalue()
    assert "own debug line" in printed
    assert "HTTP Request" not in printed and CANARY not in printed
    assert "bad signature for user [slack-id]" in printed


def test_library_level_can_be_raised_and_is_still_redacted():
    """TRYGG_LIBRARY_LOG_LEVEL=INFO lets httpx through, without the token in its URLs."""
    stream = io.StringIO()
    configure_logging("WARNING", [TOKEN], library_level="INFO", stream=stream)
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getMe", TOKEN)
    logging.getLogger("bot.test").info("own info line")
    printed = stream.getvalue()
    assert "HTTP Request: POST https://x/bot[token]/getMe" in printed
    assert TOKEN not in printed and "own info line" not in printed


def test_console_run_at_debug_logs_no_report_text(tmp_path):
    """A whole console report at TRYGG_LOG_LEVEL=DEBUG leaves no report text in stderr."""
    script = SCRIPT.replace("Scripted report text", CANARY)
    result = run(["run"], tmp_path, script + "\n", TRYGG_LOG_LEVEL="DEBUG")
    assert result.returncode == 0, result.stderr
    assert "Referansen din: K-" in result.stdout
    assert CANARY not in result.stderr


def telegram_config(tmp_path: Path) -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    for chat in ("-1001234567890", "-1009876543210"):
        text = text.replace('telegram = ""', f'telegram = "{chat}"', 1)
    path = tmp_path / "trygg.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("library_level", ["WARNING", "DEBUG"])
def test_telegram_run_at_debug_logs_no_token_or_ids(tmp_path, library_level):
    """`trygg run` on Telegram at DEBUG: stderr holds no token, no chat or user id, no report
    text (and with libraries at DEBUG too, the token and ids are still redacted)."""
    api = BotApiServer()
    api.updates = [
        private_message(1, REPORTER, "/start"),
        private_message(2, REPORTER, f"{CANARY} it happened at work"),
    ]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRYGG_", "TELEGRAM_", "SLACK_", "DATABASE_URL"))}  # fmt: skip
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.url,
        "TRYGG_CONFIG": str(telegram_config(tmp_path)),
        "TRYGG_MASTER_KEYS": new_key_text("k1"),
        "TRYGG_PSEUDONYM_KEY": new_key_text("p").split(":", 1)[1],
        "TRYGG_LOG_LEVEL": "DEBUG",
        "TRYGG_LIBRARY_LOG_LEVEL": library_level,
    }
    log_file = (tmp_path / "stderr.log").open("wb")  # a file: a full pipe would block the bot
    process = subprocess.Popen(
        [TRYGG, "run"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log_file
    )
    try:
        deadline = time.monotonic() + 60
        while len(api.sent_to(REPORTER)) < 2 and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        api.close()
        log_file.close()
    stderr = (tmp_path / "stderr.log").read_text(errors="replace")
    assert len(api.sent_to(REPORTER)) >= 2, stderr  # the bot really answered both updates
    for leaked in (TOKEN, TOKEN.split(":")[1], str(REPORTER), "1001234567890", "1009876543210"):
        assert leaked not in stderr
    if library_level == "WARNING":
        assert CANARY not in stderr
    else:
        assert "/bot[token]/" in stderr  # the libraries did log their URLs, redacted

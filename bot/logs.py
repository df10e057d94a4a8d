"""Logging for a Trygg process: our loggers at the chosen level, libraries quiet, ids redacted.

Libraries are where secrets leak: an HTTP client logs the Telegram token in its URLs at INFO,
and at DEBUG platform libraries log whole updates (report text, user and chat ids). So only
Trygg's own loggers follow TRYGG_LOG_LEVEL; every other logger stays at WARNING unless the
operator asks for more with TRYGG_LIBRARY_LOG_LEVEL. Whatever gets through, one filter on the
handler rewrites every record — message, arguments, exception and stack text — without the
configured secrets and without anything shaped like a token or a platform id.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
OWN_LOGGERS = ("bot", "adapters", "conversations", "storage")
# Libraries that set their own levels or handlers; forced back to the library level.
LIBRARY_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram",
    "slack_bolt",
    "slack_sdk",
    "apscheduler",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "sqlalchemy",
    "sqlalchemy.engine",
    "alembic",
    "asyncio",
    "urllib3",
    "websocket",
    "aiohttp",
)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"
# Secrets shorter than this are not matched as text (they would blank out ordinary words).
MIN_SECRET = 6

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A Bot API URL carries the token as a path segment: https://…/bot<token>/getMe
    (re.compile(r"/bot[^/\s]+/"), "/bot[token]/"),
    (re.compile(r"\d{6,}:[A-Za-z0-9_-]{30,}"), "[telegram-token]"),
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"), "[slack-token]"),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), "[slack-token]"),
    (re.compile(r"\b[UWCDG][A-Z0-9]{8,}\b"), "[slack-id]"),
    # Telegram user and chat ids (groups are negative, -100…); Slack timestamps go too.
    (re.compile(r"(?<![\w.])-?\d{7,}(?![\w])"), "[id]"),
)


class Redactor:
    """Removes the given secrets and anything shaped like a token or a platform id."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        unique = {s for s in _pieces(secrets) if len(s) >= MIN_SECRET}
        # Longest first, so a secret that contains another is removed whole.
        ordered = sorted(unique, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text


def _pieces(secrets: Iterable[str]) -> set[str]:
    """Each secret, and each key of a list like TRYGG_MASTER_KEYS (`id:key,id:key`) alone."""
    found: set[str] = set()
    for secret in secrets:
        found.add(secret)
        for entry in secret.split(","):
            found |= {entry.strip(), entry.strip().partition(":")[2]}
    return {s for s in found if s}


class RedactingFilter(logging.Filter):
    """Rewrites each record so that what any formatter prints has been redacted.

    Without `tracebacks` (any level but DEBUG) an exception is shortened to one line, its
    type and message, so that a library's error does not fill the terminal with a traceback.
    """

    def __init__(self, redact: Redactor, tracebacks: bool = True) -> None:
        super().__init__()
        self.redact = redact
        self.tracebacks = tracebacks

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record whose args do not fit its format
            message = f"{record.msg!r} {record.args!r}"
        if not self.tracebacks and (record.exc_info or record.exc_text or record.stack_info):
            error = record.exc_info[1] if record.exc_info else None
            if error is not None:
                message += f" ({type(error).__name__}: {error})"
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_current = Redactor()


def redact(text: str) -> str:
    """`text` through the redactor of the last configure_logging (token and id shapes before)."""
    return _current(text)


def configure_logging(
    level: str,
    secrets: Iterable[str] = (),
    library_level: str = "WARNING",
    stream: TextIO | None = None,
) -> Redactor:
    """One stderr handler with the redacting filter; returns the redactor for other output.

    Trygg's own loggers log at `level`; the root and every library at `library_level`.
    """
    global _current  # the process's one redactor, for text that is not a log record
    _current = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter(_current, tracebacks=level.upper() == "DEBUG"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(library_level.upper())
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.setLevel(logging.NOTSET)  # follow the root
        for own in list(library.handlers):  # e.g. uvicorn's: they would bypass the filter
            library.removeHandler(own)
        library.propagate = True
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())
    logging.captureWarnings(True)
    return _current

"""Settings from the environment (and `.env`), and the organisation file they point at."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

from bot.errors import StartupError
from conversations.errors import ConfigError
from conversations.org import Org, legacy_notices, parse_org
from storage.crypto import MASTER_KEYS_VAR, PSEUDONYM_KEY_VAR, Keyring, new_key_text
from storage.errors import KeyConfigError

log = logging.getLogger(__name__)
SAMPLES = Path(__file__).parent / "samples"
DEV_KEY_WARNING = (
    "WARNING: using the development key file {path}; it is not for production "
    f"(set {MASTER_KEYS_VAR} and {PSEUDONYM_KEY_VAR})."
)
# Variables whose values never reach a log line (whatever platform they belong to).
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|_KEYS?)$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_MAX_BODY = 256 * 1024
# make_engine turns postgresql:// and postgres:// into psycopg 3; nothing else is supported.
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything read from the environment; secrets never come from the organisation file."""

    database_url: str
    config_path: Path
    dev_key_file: Path
    master_keys: str
    pseudonym_key: str
    log_level: str
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    library_log_level: str = "WARNING"
    http_max_body: int = DEFAULT_MAX_BODY

    @classmethod
    def from_env(cls, env_file: str | None = ".env") -> Settings:
        if env_file:
            load_dotenv(env_file, override=False)
        env = os.environ
        config = env.get("TRYGG_CONFIG") or (
            "trygg.toml" if Path("trygg.toml").exists() else str(SAMPLES / "trygg.toml")
        )
        return cls(
            database_url=_database_url(env.get("DATABASE_URL") or "sqlite:///trygg.db"),
            config_path=Path(config),
            dev_key_file=Path(env.get("TRYGG_DEV_KEY_FILE") or "trygg-dev.key"),
            master_keys=env.get(MASTER_KEYS_VAR, ""),
            pseudonym_key=env.get(PSEUDONYM_KEY_VAR, ""),
            log_level=_level("TRYGG_LOG_LEVEL", env.get("TRYGG_LOG_LEVEL") or "WARNING"),
            http_host=env.get("TRYGG_HTTP_HOST") or "127.0.0.1",
            http_port=_port(env.get("TRYGG_HTTP_PORT") or "8080"),
            library_log_level=_level(
                "TRYGG_LIBRARY_LOG_LEVEL", env.get("TRYGG_LIBRARY_LOG_LEVEL") or "WARNING"
            ),
            http_max_body=_size(env.get("TRYGG_HTTP_MAX_BODY") or str(DEFAULT_MAX_BODY)),
        )

    @property
    def secrets(self) -> list[str]:
        """Every secret value set, for the log filter to remove: the keys, the database
        password, and every variable whose name says it is secret (any platform's tokens)."""
        named = [
            value
            for name, value in os.environ.items()
            if SECRET_NAME.search(name) and value.strip()
        ]
        values = (self.master_keys, self.pseudonym_key, _password(self.database_url), *named)
        return [s for s in values if s]


def _level(variable: str, text: str) -> str:
    if text.upper() not in LOG_LEVELS:
        raise StartupError(
            f"{variable}: {text!r} is not a log level (one of {', '.join(LOG_LEVELS)})", "log_level"
        )
    return text.upper()


def _size(text: str) -> int:
    if not text.isdigit() or int(text) < 1024:
        raise StartupError(
            f"TRYGG_HTTP_MAX_BODY: {text!r} is not a size in bytes (at least 1024)", "http_max_body"
        )
    return int(text)


def _database_url(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    if not sep or scheme.lower() not in DATABASE_SCHEMES:
        shown = scheme if sep else "(no scheme)"
        raise StartupError(
            f"DATABASE_URL: unsupported database {shown!r} "
            "(use sqlite:///path/trygg.db or postgresql://…)",
            "database_url",
        )
    return url


def _password(url: str) -> str:
    """The password in `scheme://user:password@host/…`, if any."""
    authority = url.partition("://")[2].partition("/")[0]
    if "@" not in authority:
        return ""
    return authority.rpartition("@")[0].partition(":")[2]


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise StartupError(f"TRYGG_HTTP_PORT: {text!r} is not a port number", "http_port")
    return int(text)


def load_org(path: Path) -> Org:
    """Read and validate the organisation file; every problem is one StartupError line."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise StartupError(f"{path}: no such file (set TRYGG_CONFIG)", "config_missing") from None
    except IsADirectoryError:
        raise StartupError(
            f"{path}: is a directory, not the organisation file (set TRYGG_CONFIG)",
            "config_directory",
        ) from None
    except PermissionError:
        raise StartupError(
            f"{path}: cannot be read by this user (check its owner and mode)", "config_unreadable"
        ) from None
    except OSError as exc:
        raise StartupError(
            f"{path}: cannot be read ({exc.strerror or type(exc).__name__})", "config_unreadable"
        ) from None
    except UnicodeDecodeError as exc:
        raise StartupError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8", "config_encoding"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise StartupError(f"{path}: not valid TOML: {exc}", "config_syntax") from None
    try:
        org = parse_org(data, source=str(path))
    except ConfigError as exc:
        raise StartupError(str(exc), "config") from None
    for notice in legacy_notices(data, str(path)):
        log.warning("%s", notice)
    return org


def keyring(settings: Settings, allow_dev_keys: bool) -> tuple[Keyring, str | None]:
    """The keyring from the environment, or (for local use) from a dev key file it creates.

    Returns the keyring and a warning to show when the dev key file is in use.
    """
    if settings.master_keys or settings.pseudonym_key or not allow_dev_keys:
        env = {MASTER_KEYS_VAR: settings.master_keys, PSEUDONYM_KEY_VAR: settings.pseudonym_key}
        try:
            return Keyring.from_env(env), None
        except KeyConfigError as exc:
            raise StartupError(str(exc), exc.code) from None
    path = settings.dev_key_file
    try:
        if not path.exists():
            _create_dev_keys(path)
        _check_private(path)
        material = json.loads(path.read_text(encoding="utf-8"))
        env = {
            MASTER_KEYS_VAR: material["master_keys"],
            PSEUDONYM_KEY_VAR: material["pseudonym_key"],
        }
        return Keyring.from_env(env), DEV_KEY_WARNING.format(path=path)
    except (ValueError, KeyError, TypeError, KeyConfigError) as exc:
        raise StartupError(
            f"{path}: not a Trygg dev key file ({type(exc).__name__}); delete it to start afresh",
            "dev_keys",
        ) from None
    except OSError as exc:
        raise StartupError(
            f"{path}: the development key file cannot be read or written "
            f"({exc.strerror or type(exc).__name__}; set TRYGG_DEV_KEY_FILE)",
            "dev_keys",
        ) from None


def _create_dev_keys(path: Path) -> None:
    """Write a fresh dev key file that only its owner can read, from its first byte on."""
    material = {
        "master_keys": new_key_text("dev1"),
        "pseudonym_key": new_key_text("p").split(":", 1)[1],
    }
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(material))


def _check_private(path: Path) -> None:
    """Refuse a dev key file that its group or others could read or write."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise StartupError(f"{path}: the development key file is not a file", "dev_keys")
    if mode & 0o077:
        raise StartupError(
            f"{path}: the development key file is readable by others "
            f"(mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}",
            "dev_keys_mode",
        )

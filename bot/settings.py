"""Settings from the environment (and `.env`), and the organisation file they point at."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

from bot.errors import StartupError
from conversations.errors import ConfigError
from conversations.org import Org, parse_org
from storage.crypto import MASTER_KEYS_VAR, PSEUDONYM_KEY_VAR, Keyring, new_key_text
from storage.errors import KeyConfigError

SAMPLES = Path(__file__).parent / "samples"
DEV_KEY_WARNING = (
    "WARNING: using the development key file {path}; it is not for production "
    f"(set {MASTER_KEYS_VAR} and {PSEUDONYM_KEY_VAR})."
)
PLATFORM_TOKENS = ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything read from the environment; secrets never come from the organisation file."""

    database_url: str
    config_path: Path
    dev_key_file: Path
    master_keys: str
    pseudonym_key: str
    log_level: str
    telegram_token: str
    slack_bot_token: str
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = ""
    telegram_api_base_url: str = ""
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8080

    @classmethod
    def from_env(cls, env_file: str | None = ".env") -> Settings:
        if env_file:
            load_dotenv(env_file, override=False)
        env = os.environ
        config = env.get("TRYGG_CONFIG") or (
            "trygg.toml" if Path("trygg.toml").exists() else str(SAMPLES / "trygg.toml")
        )
        return cls(
            database_url=env.get("DATABASE_URL") or "sqlite:///trygg.db",
            config_path=Path(config),
            dev_key_file=Path(env.get("TRYGG_DEV_KEY_FILE") or "trygg-dev.key"),
            master_keys=env.get(MASTER_KEYS_VAR, ""),
            pseudonym_key=env.get(PSEUDONYM_KEY_VAR, ""),
            log_level=env.get("TRYGG_LOG_LEVEL") or "WARNING",
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", ""),
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            slack_api_url=env.get("SLACK_API_URL", ""),
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", ""),
            telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL", ""),
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", ""),
            http_host=env.get("TRYGG_HTTP_HOST") or "127.0.0.1",
            http_port=_port(env.get("TRYGG_HTTP_PORT") or "8080"),
        )

    @property
    def platforms_configured(self) -> bool:
        return bool(self.telegram_token or self.slack_bot_token)


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
    except tomllib.TOMLDecodeError as exc:
        raise StartupError(f"{path}: not valid TOML: {exc}", "config_syntax") from None
    try:
        return parse_org(data, source=str(path))
    except ConfigError as exc:
        raise StartupError(str(exc), "config") from None


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
    if not path.exists():
        material = {
            "master_keys": new_key_text("dev1"),
            "pseudonym_key": new_key_text("p").split(":", 1)[1],
        }
        path.write_text(json.dumps(material))
        path.chmod(0o600)
    try:
        material = json.loads(path.read_text())
        env = {
            MASTER_KEYS_VAR: material["master_keys"],
            PSEUDONYM_KEY_VAR: material["pseudonym_key"],
        }
        return Keyring.from_env(env), DEV_KEY_WARNING.format(path=path)
    except (ValueError, KeyError, KeyConfigError) as exc:
        raise StartupError(f"{path}: not a Trygg dev key file ({exc})", "dev_keys") from None

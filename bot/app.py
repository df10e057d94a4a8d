"""Wiring: database, keys, engine and the chosen adapter, built from Settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine as DbEngine
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import StartupError
from bot.settings import Settings, keyring, load_org
from conversations.engine import Engine
from conversations.org import Org
from storage.db import make_engine, migrate, session_factory
from storage.vault import Vault

log = logging.getLogger(__name__)


@dataclass(slots=True)
class App:
    """The running parts of one Trygg process."""

    settings: Settings
    org: Org
    db: DbEngine
    engine: Engine
    vault: Vault
    warning: str | None


def build(settings: Settings) -> App:
    """Load config and keys, migrate the database, and build the engine; fail with one line."""
    org = load_org(settings.config_path)
    ring, warning = keyring(settings, allow_dev_keys=not settings.platforms_configured)
    try:
        db = make_engine(settings.database_url)
        migrate(db)
    except SQLAlchemyError as exc:
        raise StartupError(
            f"DATABASE_URL: cannot open the database ({type(exc).__name__})", "database"
        ) from None
    vault = Vault(ring)
    engine = Engine(session_factory(db), vault, org)
    return App(settings, org, db, engine, vault, warning)

"""Handlers by name: the display name a platform gives is stored encrypted per pseudonym."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import ErasedError
from storage.models import HandlerName
from storage.vault import Vault, place

MAX_NAME = 200


def remember_name(
    session: Session, vault: Vault, actor: str, name: str | None, now: datetime
) -> None:
    """Store (or update) the display name of the handler `actor`, encrypted; None keeps it."""
    name = " ".join((name or "").split())[:MAX_NAME]
    if not name or not actor.startswith("handler:"):
        return
    row = session.get(HandlerName, actor)
    if row is not None and row.data_key_id is not None:
        try:
            key = vault.load(session, row.data_key_id)
        except ErasedError:
            key = None
        if key is not None:
            if key.decrypt(row.name, place("handler_names", actor, "name")) == name:
                return
            row.name = key.encrypt(name, place("handler_names", actor, "name"))
            row.updated_at = now
            return
    key = vault.create(session)
    sealed = key.encrypt(name, place("handler_names", actor, "name"))
    if row is None:
        session.add(HandlerName(actor=actor, data_key_id=key.key_id, name=sealed, updated_at=now))
    else:
        row.data_key_id, row.name, row.updated_at = key.key_id, sealed, now


def handler_names(session: Session, vault: Vault) -> dict[str, str]:
    """Every known handler's name by pseudonym (a handler whose key is gone is left out)."""
    names: dict[str, str] = {}
    for row in session.scalars(select(HandlerName)):
        try:
            key = vault.load(session, row.data_key_id)
        except ErasedError:
            continue
        names[row.actor] = key.decrypt(row.name, place("handler_names", row.actor, "name"))
    return names


def who(actor: str | None, names: dict[str, str]) -> str:
    """How a log shows an actor: the handler's name, or the actor as stored ("system", a
    pseudonym of a handler whose name the platform never gave)."""
    if actor is None:
        return "—"
    return names.get(actor) or actor


def name_of(session: Session, vault: Vault, actor: str) -> str | None:
    """One handler's stored name (None: the platform never gave one, or its key is gone)."""
    row = session.get(HandlerName, actor)
    if row is None:
        return None
    try:
        key = vault.load(session, row.data_key_id)
    except ErasedError:
        return None
    return key.decrypt(row.name, place("handler_names", actor, "name"))

"""Wiring: database, keys, engine, adapters and the delivery sweep, built from Settings."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine as DbEngine
from sqlalchemy.exc import SQLAlchemyError

from bot.channels import AdapterChannels
from bot.delivery import PARALLEL, DeliverySweep
from bot.errors import StartupError
from bot.settings import Settings, keyring, load_org
from bot.sweeps import FollowUpSweep, PurgeSweep
from conversations.adapter import Adapter, KeepsChatLog
from conversations.chat_log import ChatLog
from conversations.engine import Engine, build_engine
from conversations.fairness import Fairness
from conversations.followups import FollowUpActor
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
    sweep: DeliverySweep
    follow_ups: FollowUpSweep
    purger: PurgeSweep
    warning: str | None


def build(settings: Settings, adapters: Sequence[Adapter], *, local: bool = False) -> App:
    """Load config and keys, migrate the database, and wire the engine to the adapters.

    `local`: no chat platform is configured (the console, or an operator command on a
    machine without platform tokens): the development key file may be used.
    """
    org = load_org(settings.config_path)
    ring, warning = keyring(settings, allow_dev_keys=local)
    try:
        db = make_engine(settings.database_url)
        migrate(db)
    except SQLAlchemyError as exc:
        raise StartupError(
            f"DATABASE_URL: cannot open the database ({type(exc).__name__})", "database"
        ) from None
    channels = AdapterChannels(org, adapters)
    unreachable = channels.unreachable()
    if unreachable:
        names = ", ".join(g.id for g in unreachable)
        raise StartupError(
            f"{settings.config_path}: groups without a channel on any running platform: {names} "
            "(name each one's place under [groups.channels])",
            "group_unreachable",
        )
    vault = Vault(ring)
    sessions = session_factory(db)
    for adapter in adapters:
        if isinstance(adapter, KeepsChatLog):
            adapter.keep_chat_log(ChatLog(sessions, vault))
    sweep = DeliverySweep(
        sessions,
        vault,
        {a.name: a for a in adapters},
        give_up_after=timedelta(days=org.deadlines.acknowledge_days),
        parallel=1 if local else PARALLEL,
    )
    # People on a chat platform are limited per person, so no one can slow the bot for
    # another; the local console has one person at one keyboard (or a script).
    limits = org.limits
    fairness = None if local else Fairness(limits.burst_messages, limits.messages_per_minute)
    engine = build_engine(sessions, vault, org, channels, fairness=fairness)
    sweep.on_recipient_gone = lambda session, case_id: engine.notifier.reporter_unreachable(
        session, case_id, engine.clock()
    )
    sweep.on_dead_letter = lambda session, row: engine.notifier.undeliverable(
        session, row.case_id, row.kind, engine.clock()
    )
    follow_ups = FollowUpSweep(sessions, FollowUpActor(engine.notifier), owner=sweep.owner)
    purger = PurgeSweep(sessions, vault, org)
    return App(settings, org, db, engine, vault, sweep, follow_ups, purger, warning)

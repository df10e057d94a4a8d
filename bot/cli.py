"""The `trygg` command: run the bot, check the config, manage keys."""

from __future__ import annotations

import getpass
import logging
import os
import sys

import click
from apscheduler.schedulers.background import BackgroundScheduler

from adapters.console import ConsoleAdapter
from bot.app import build
from bot.errors import StartupError
from bot.settings import Settings, load_org
from conversations.export import export_case
from storage.crypto import new_key_text
from storage.db import transaction

SWEEP_SECONDS = 10


def _fail(exc: StartupError) -> None:
    click.echo(f"trygg: {exc}", err=True)
    sys.exit(2)


@click.group()
def main() -> None:
    """Trygg: a safe chat-bot for reporting harassment and misconduct."""


@main.command()
def run() -> None:
    """Run the bot (with no platform tokens: the local console chat on SQLite)."""
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if settings.platforms_configured:
            raise StartupError(
                "TELEGRAM_BOT_TOKEN / SLACK_BOT_TOKEN is set, but this build has only the "
                "console adapter; unset them to use the console chat",
                "adapter_missing",
            )
        console = ConsoleAdapter()
        app = build(settings, [console])
    except StartupError as exc:
        _fail(exc)
        return
    if app.warning:
        click.echo(app.warning, err=True)
    # The console delivers what a turn queued right after the turn's own replies; the
    # interval job is the safety net that retries what could not be delivered.
    console.after_each = app.sweep.run_once
    scheduler = BackgroundScheduler()
    scheduler.add_job(
        app.sweep.run_once,
        "interval",
        seconds=SWEEP_SECONDS,
        id="deliver",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    try:
        console.start(app.engine.handle)
    finally:
        scheduler.shutdown(wait=True)


@main.command("check-config")
def check_config() -> None:
    """Validate the organisation file and say what it holds."""
    settings = Settings.from_env()
    try:
        org = load_org(settings.config_path)
    except StartupError as exc:
        _fail(exc)
        return
    click.echo(
        f"{settings.config_path}: ok — {org.organisation.name}, "
        f"{len(org.units)} units, {len(org.groups)} groups, "
        f"{len(org.helplines)} help lines"
    )


@main.group()
def keys() -> None:
    """Create and rotate encryption keys."""


@keys.command("new")
@click.option("--id", "key_id", default="k1", show_default=True, help="Name of the master key.")
def keys_new(key_id: str) -> None:
    """Print a new master key and pseudonym key for the environment."""
    click.echo(f"TRYGG_MASTER_KEYS={new_key_text(key_id)}")
    click.echo(f"TRYGG_PSEUDONYM_KEY={new_key_text('p').split(':', 1)[1]}")


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every data key under the first key in TRYGG_MASTER_KEYS."""
    settings = Settings.from_env()
    try:
        app = build(settings, [ConsoleAdapter()])
    except StartupError as exc:
        _fail(exc)
        return
    with transaction(app.engine.sessions) as session:
        count = app.vault.rotate(session)
    click.echo(f"re-wrapped {count} data keys under master key {app.vault.keyring.current!r}")


@main.command("export")
@click.argument("reference")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file.")
def export(reference: str, output: str | None) -> None:
    """Export one case (report and case log) as Markdown; the export is audited."""
    settings = Settings.from_env()
    try:
        app = build(settings, [ConsoleAdapter()])
    except StartupError as exc:
        _fail(exc)
        return
    actor = f"operator:{getpass.getuser()}"
    with transaction(app.engine.sessions) as session:
        document = export_case(session, app.engine.desk, reference, actor, app.engine.clock())
    if document is None:
        _fail(StartupError(f"no case {reference.upper()} (check the reference)", "unknown_case"))
        return
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(document)
        os.chmod(output, 0o600)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(document)

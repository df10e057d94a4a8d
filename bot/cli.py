"""The `trygg` command: run the bot, check the config, manage keys."""

from __future__ import annotations

import getpass
import io
import logging
import os
import sys
from typing import NoReturn

import click
from sqlalchemy import select

from adapters.console import ConsoleAdapter
from adapters.slack import SlackAdapter
from adapters.telegram import TelegramAdapter
from bot.app import App, build
from bot.errors import StartupError
from bot.serve import run_platforms
from bot.settings import Settings, load_org
from bot.sweeps import start_scheduler
from conversations.audit import audit
from conversations.export import export_case
from conversations.org import Org
from storage.crypto import new_key_text
from storage.db import transaction
from storage.health import health
from storage.models import Case


def _fail(exc: StartupError) -> NoReturn:
    click.echo(f"trygg: {exc}", err=True)
    sys.exit(2)


def _console_app() -> App:
    """Settings, config, keys and database for an operator command; one line if they fail."""
    try:
        return build(Settings.from_env(), [ConsoleAdapter()])
    except StartupError as exc:
        _fail(exc)


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
            org = load_org(settings.config_path)
            telegram, slack = platform_adapters(settings, org)
            app = build(settings, [a for a in (telegram, slack) if a is not None])
            run_platforms(app, telegram, slack)
            return
        # Bytes that are not UTF-8 (a pasted binary, say) become U+FFFD instead of a crash.
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="replace")
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
    scheduler = start_scheduler(app.sweep, app.follow_ups, app.purger)
    try:
        console.start(app.engine.handle)
    finally:
        scheduler.shutdown(wait=True)


def platform_adapters(
    settings: Settings, org: Org
) -> tuple[TelegramAdapter | None, SlackAdapter | None]:
    """The adapters whose tokens are set; a half-configured platform names what is missing."""
    language, zone = org.default_language, org.organisation.timezone
    telegram = slack = None
    if settings.telegram_token:
        telegram = TelegramAdapter(
            settings.telegram_token,
            base_url=settings.telegram_api_base_url or None,
            language=language,
            timezone=zone,
        )
    if settings.slack_bot_token:
        if not (settings.slack_signing_secret or settings.slack_app_token):
            raise StartupError(
                "SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket "
                "Mode) must be set with SLACK_BOT_TOKEN",
                "slack_config",
            )
        slack = SlackAdapter(
            settings.slack_bot_token,
            settings.slack_signing_secret,
            api_url=settings.slack_api_url or None,
            language=language,
            timezone=zone,
        )
    return telegram, slack


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
    app = _console_app()
    with transaction(app.engine.sessions) as session:
        count = app.vault.rotate(session)
    click.echo(f"re-wrapped {count} data keys under master key {app.vault.keyring.current!r}")


@main.command("export")
@click.argument("reference")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file.")
def export(reference: str, output: str | None) -> None:
    """Export one case (report and case log) as Markdown; the export is audited."""
    app = _console_app()
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


@main.command()
def doctor() -> None:
    """Check config, keys and database, and count what is pending, overdue or dead."""
    app = _console_app()
    click.echo(f"config:   {app.settings.config_path} ({app.org.organisation.name}) ok")
    click.echo(
        f"keys:     master key {app.vault.keyring.current!r}"
        + (" (development key file)" if app.warning else "")
    )
    click.echo(f"database: {app.db.url.render_as_string(hide_password=True)} ok, migrated")
    with transaction(app.engine.sessions) as session:
        found = health(session, app.engine.clock(), app.vault.keyring.current)
    click.echo(
        f"cases:    {found.open_cases} open, "
        f"{found.unacknowledged_past_deadline} past the acknowledge deadline"
    )
    click.echo(
        f"outbox:   {found.outbox_pending} pending, {found.outbox_overdue} overdue, "
        f"{found.outbox_dead} dead letters"
    )
    click.echo(
        f"follow-ups: {found.follow_ups_pending} pending, {found.follow_ups_overdue} overdue"
    )
    if found.keys_not_current:
        click.echo(
            f"keys:     {found.keys_not_current} data keys under an older master key "
            "(run 'trygg keys rotate')"
        )
    for problem in found.problems:
        click.echo(f"PROBLEM:  {problem}", err=True)
    sys.exit(1 if found.problems else 0)


@main.command("cases")
def list_cases() -> None:
    """Open cases with their group, status and deadlines (no content)."""
    app = _console_app()
    tr = app.engine.notifier.desk_tr
    with transaction(app.engine.sessions) as session:
        cases = session.scalars(
            select(Case).where(Case.status != "closed").order_by(Case.received_at)
        ).all()
        audit(
            session,
            "operator:" + getpass.getuser(),
            "list_cases",
            now=app.engine.clock(),
            count=len(cases),
        )
    click.echo(
        f"{'reference':<10} {'group':<12} {'status':<13} {'received':<18} "
        f"{'acknowledge by':<18} feedback by"
    )
    for case in cases:
        feedback = tr.moment(case.feedback_due_at) if case.feedback_due_at else "—"
        click.echo(
            f"{case.reference:<10} {case.group_id or '—':<12} {case.status:<13} "
            f"{tr.moment(case.received_at):<18} {tr.moment(case.ack_due_at):<18} "
            f"{feedback}"
        )

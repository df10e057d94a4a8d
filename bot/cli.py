"""The `trygg` command: run the bot, check the config, manage keys."""

from __future__ import annotations

import csv
import getpass
import io
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy import select

from adapters.console import ConsoleAdapter
from bot.app import App, build
from bot.delivery import DeliveryWorker, requeue
from bot.errors import StartupError
from bot.logs import configure_logging, redact
from bot.platforms import Platform, configured, discover
from bot.settings import Settings, load_org
from bot.sweeps import start_scheduler
from conversations.cases import (
    ANONYMITY,
    CATEGORIES,
    RECEIVED_VIA,
    ROLES,
    audit,
    handler_names,
    read_audit,
    who,
)
from conversations.desk import (
    NoFont,
    Recorded,
    case_file,
    find_font,
    record_report,
    to_markdown,
    to_pdf,
)
from conversations.intake import Person
from storage.crypto import new_key_text
from storage.db import transaction
from storage.errors import StorageError
from storage.health import health
from storage.models import Case, OutboxMessage

log = logging.getLogger(__name__)
MAX_LINE = 400
PLATFORM_HINT = "check the platform tokens and that the platform can be reached"


def _say(message: str) -> None:
    """One line on stderr, `trygg: …`, redacted (before the settings are read: token and id
    shapes only)."""
    line = " ".join(redact(message).split())
    click.echo(f"trygg: {line[:MAX_LINE]}", err=True)


def _fail(exc: StartupError | StorageError | str, status: int = 2) -> NoReturn:
    _say(str(exc))
    sys.exit(status)


def _settings() -> Settings:
    """Settings and logging for any command; one line and exit 2 if they are wrong."""
    try:
        settings = Settings.from_env()
    except StartupError as exc:
        _fail(exc)
    configure_logging(
        settings.log_level, settings.secrets, library_level=settings.library_log_level
    )
    return settings


@contextmanager
def _operator_errors(hint: str = "") -> Iterator[None]:
    """Every failure of a command is one redacted line and a non-zero exit, never a traceback.

    The traceback is logged (redacted) at DEBUG, for TRYGG_LOG_LEVEL=DEBUG.
    """
    try:
        yield
    except StartupError as exc:
        _fail(exc)
    except StorageError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit as exc:  # e.g. the HTTP server when the app's start-up failed
        if exc.code in (0, None):
            raise
        _fail(f"stopped: the server could not start (exit status {exc.code})", status=1)
    except Exception as exc:  # the one place that turns any crash into one line
        log.debug("stopped by an unexpected error", exc_info=True)
        detail = str(exc).strip()
        advice = f"{hint}; " if hint else ""
        _fail(
            f"stopped: {type(exc).__name__}{': ' + detail if detail else ''} "
            f"({advice}TRYGG_LOG_LEVEL=DEBUG shows the details)",
            status=1,
        )


@dataclass(slots=True)
class Prepared:
    """What `run` serves: the wired app and the adapters it will start."""

    app: App
    platforms: list[Platform]
    console: ConsoleAdapter | None = None


def prepare(settings: Settings) -> Prepared:
    """Everything `run` checks before it serves, and `doctor` checks the same way.

    Organisation file, platform settings, keys, database and migrations, and that every
    group has a channel on a configured platform. With no platform configured: the console.
    """
    if configured(os.environ):
        org = load_org(settings.config_path)
        platforms = discover(os.environ, org)
        return Prepared(build(settings, platforms), platforms)
    console = ConsoleAdapter()
    return Prepared(build(settings, [console], local=True), [], console=console)


def _console_app(settings: Settings) -> App:
    """Settings, config, keys and database for an operator command (no platform started)."""
    return build(settings, [ConsoleAdapter()], local=not configured(os.environ))


@click.group()
def main() -> None:
    """Trygg: a safe chat-bot for reporting harassment and misconduct."""


@main.command()
def run() -> None:
    """Run the bot (with no platform tokens: the local console chat on SQLite)."""
    settings = _settings()
    with _operator_errors(PLATFORM_HINT):
        if not configured(os.environ) and isinstance(sys.stdin, io.TextIOWrapper):
            # Bytes that are not UTF-8 (a pasted binary, say) become U+FFFD instead of a crash.
            sys.stdin.reconfigure(errors="replace")
        ready = prepare(settings)
        app = ready.app
        if ready.console is None:
            from bot.serve import run_platforms  # the web server: not for the console

            run_platforms(app, ready.platforms)
            return
        if app.warning:
            click.echo(app.warning, err=True)
        # The console delivers what a turn queued (its replies, alerts) right after the turn;
        # the worker is the safety net that retries what could not be delivered.
        console = ready.console
        console.after_each = app.sweep.drain
        worker = DeliveryWorker(app.sweep)
        worker.start()
        scheduler = start_scheduler(app.follow_ups, app.purger)
        signal.signal(signal.SIGTERM, _stop_console)
        try:
            console.start(app.engine.handle)
        except KeyboardInterrupt:
            pass  # Ctrl-C or SIGTERM: the draft is saved; stop cleanly
        finally:
            worker.stop()
            scheduler.shutdown(wait=True)


def _stop_console(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@main.command("check-config")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def check_config(path: Path | None) -> None:
    """Validate the organisation file (PATH, else TRYGG_CONFIG) and say what it holds."""
    settings = _settings()
    config = path or settings.config_path
    with _operator_errors():
        org = load_org(config)
    click.echo(
        f"{config}: ok — {org.organisation.name}, "
        f"{len(org.units)} units, {len(org.groups)} groups, "
        f"{len(org.helplines)} help lines"
    )


@main.group()
def keys() -> None:
    """Create and rotate encryption keys."""


@keys.command("new")
@click.option("--id", "key_id", default="k1", show_default=True, help="Name of the master key.")
@click.option(
    "--master-only",
    is_flag=True,
    help="Only a new master key (for rotation): the pseudonym key must never change.",
)
def keys_new(key_id: str, master_only: bool) -> None:
    """Print a new master key (and, for a first set-up, a pseudonym key) for the environment."""
    if master_only:
        click.echo(f"{key_id}:{new_key_text(key_id).split(':', 1)[1]}")
        return
    click.echo(f"TRYGG_MASTER_KEYS={new_key_text(key_id)}")
    click.echo("# Keep this pseudonym key for good: a new one makes every reporter a stranger")
    click.echo("# to their own reports. To rotate, use 'trygg keys new --id k2 --master-only'.")
    click.echo(f"TRYGG_PSEUDONYM_KEY={new_key_text('p').split(':', 1)[1]}")


def _operator() -> str:
    return f"operator:{getpass.getuser()}"


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every data key under the first key in TRYGG_MASTER_KEYS (audited).

    Data keys under a master key that is no longer configured are left alone and named.
    """
    settings = _settings()
    with _operator_errors():
        app = _console_app(settings)
        current = app.vault.keyring.current
        with transaction(app.engine.sessions) as session:
            done = app.vault.rotate_all(session)
            audit(
                session,
                _operator(),
                "keys_rotate",
                now=app.engine.clock(),
                current=current,
                rewrapped=done.rewrapped,
                unknown=done.unknown,
            )
    click.echo(f"re-wrapped {done.rewrapped} data keys under master key {current!r}")
    for master, count in sorted(done.unknown.items()):
        _say(
            f"could not re-wrap {count} data keys: master key {master!r} is not in "
            "TRYGG_MASTER_KEYS (add it back after the current key and run this again)"
        )
    sys.exit(1 if done.unknown else 0)


@main.command("export")
@click.argument("reference")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option(
    "--format",
    "form",
    type=click.Choice(["md", "pdf"]),
    default="md",
    show_default=True,
    help="Markdown, or a PDF (needs --output).",
)
def export(reference: str, output: str | None, form: str) -> None:
    """Export one case file (the report, its facts and its log, dated); audited."""
    if form == "pdf" and not output:
        raise click.UsageError("a PDF needs --output FILE")
    settings = _settings()
    with _operator_errors():
        app = _console_app(settings)
        try:
            font = find_font(os.environ.get("TRYGG_PDF_FONT")) if form == "pdf" else None
        except NoFont as exc:
            raise StartupError(str(exc), "no_font") from None
        with transaction(app.engine.sessions) as session:
            file = case_file(session, app.engine.desk, reference, _operator(), app.engine.clock())
    if file is None:
        _fail(StartupError(f"no case {reference.upper()} (check the reference)", "unknown_case"))
    document = to_pdf(file, font) if font is not None else to_markdown(file).encode()
    if output:
        with _operator_errors():
            descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(document)
            os.chmod(output, 0o600)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(document.decode())


@main.command("record")
@click.option("--via", type=click.Choice(sorted(RECEIVED_VIA)), required=True,
              help="How the report came in.")  # fmt: skip
@click.option("--unit", "unit_id", required=True, help="The unit it concerns (its id).")
@click.option("--anonymity", type=click.Choice(sorted(ANONYMITY)), default="anonymous")
@click.option("--role", type=click.Choice(sorted(ROLES)), default="me",
              help="How the reporter knows: me, witness (saw it), told.")  # fmt: skip
@click.option("--category", type=click.Choice(sorted(CATEGORIES)), default=None)
def record(via: str, unit_id: str, anonymity: str, role: str, category: str | None) -> None:
    """Record a report that came by phone, in a meeting or by e-mail (audited).

    The report itself is asked for on the terminal (or read from stdin, one answer a line),
    never taken from the command line, where the shell's history would keep it. It is
    routed, alerted and owed the same deadlines as a report through the bot.
    """
    settings = _settings()
    with _operator_errors():
        app = _console_app(settings)
        what = click.prompt("What happened", prompt_suffix=": ")
        when = click.prompt("When (the reporter's words)", default="", show_default=False)
        where = click.prompt("Where", default="", show_default=False)
        people: list[Person] = []
        while person := click.prompt(
            "A person it is about (name; role; leader yes/no/unknown), empty when done",
            default="",
            show_default=False,
        ):
            name, _, rest = person.partition(";")
            title, _, leader = rest.partition(";")
            lead = leader.strip().lower()
            people.append({"name": name.strip(), "role": title.strip(),
                           "leader": lead if lead in ("yes", "no") else "unknown"})  # fmt: skip
        witnesses = click.prompt("Witnesses", default="", show_default=False)
        wishes = click.prompt("The reporter's wishes", default="", show_default=False)
        name = ""
        if anonymity != "anonymous":
            name = click.prompt("The reporter's name", default="", show_default=False)
        report = Recorded(via, unit_id, what, when, where, people, witnesses, wishes,
                          anonymity, role, category, name)  # fmt: skip
        with transaction(app.engine.sessions) as session:
            try:
                case = record_report(
                    session, app.engine.desk, report, _operator(), app.engine.clock()
                )
            except ValueError as exc:
                raise StartupError(str(exc), "record") from None
            reference, group = case.reference, app.engine.notifier.group_of(case).name
    click.echo(f"recorded {reference} for {group}; a running trygg sends the alert")


@main.command("audit")
@click.option("--case", "reference", help="Only this case (K-…).")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="From this day (UTC), e.g. 2026-11-01."
)
@click.option(
    "--format", "form", type=click.Choice(["text", "csv"]), default="text", show_default=True
)
def audit_log(reference: str | None, since: datetime | None, form: str) -> None:
    """Who viewed, acted, exported or was refused: times, names and pseudonyms (no content).

    Reading the audit log is itself audited.
    """
    settings = _settings()
    with _operator_errors():
        app = _console_app(settings)
        tr = app.engine.notifier.desk_tr
        with transaction(app.engine.sessions) as session:
            rows = read_audit(
                session,
                app.vault,
                case_ref=reference.upper() if reference else None,
                since=since.replace(tzinfo=UTC) if since else None,
            )
            audit(
                session,
                _operator(),
                "audit_read",
                now=app.engine.clock(),
                case_ref=reference.upper()[:16] if reference else None,
                count=len(rows),
            )
    if form == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["at", "actor", "name", "action", "case", "allowed", "facts"])
        for row in rows:
            facts = json.dumps(row.facts, ensure_ascii=False, sort_keys=True)
            allowed = "yes" if row.allowed else "no"
            case = row.case_ref or ""
            writer.writerow([row.at.isoformat(), row.actor, row.name or "", row.action, case,
                             allowed, facts])  # fmt: skip
        click.echo(out.getvalue(), nl=False)
        return
    if not rows:
        click.echo("no audit rows")
    for row in rows:
        person = f"{row.name} [{row.actor}]" if row.name else row.actor
        refused = "" if row.allowed else f"  REFUSED ({row.facts.get('reason', '—')})"
        click.echo(
            f"{tr.moment(row.at):<18} {row.case_ref or '—':<10} {row.action:<18} {person}{refused}"
        )


@main.command()
def doctor() -> None:
    """Check what `run` checks, then count what is pending, overdue, failed or dead (audited)."""
    settings = _settings()
    with _operator_errors(PLATFORM_HINT):
        app = prepare(settings).app
        ring = app.vault.keyring
        with transaction(app.engine.sessions) as session:
            found = health(session, app.engine.clock(), ring.current, ring.master_ids)
            audit(
                session,
                _operator(),
                "doctor",
                now=app.engine.clock(),
                problems=len(found.problems),
                dead=found.outbox_dead,
                failed_follow_ups=found.follow_ups_failed,
                unknown_master_keys=list(found.unknown_masters),
            )
    click.echo(f"config:   {app.settings.config_path} ({app.org.organisation.name}) ok")
    click.echo(
        f"keys:     master key {ring.current!r}"
        + (" (development key file)" if app.warning else "")
    )
    in_use = ", ".join(f"{m}: {n}" for m, n in sorted(found.keys_by_master.items())) or "none"
    click.echo(f"data keys: {in_use}")
    click.echo(f"database: {app.db.url.render_as_string(hide_password=True)} ok, migrated")
    click.echo(
        f"cases:    {found.open_cases} open, "
        f"{found.unacknowledged_past_deadline} past the acknowledge deadline"
    )
    click.echo(
        f"outbox:   {found.outbox_pending} pending, {found.outbox_overdue} overdue, "
        f"{found.outbox_dead} dead letters"
    )
    click.echo(
        f"follow-ups: {found.follow_ups_pending} pending, {found.follow_ups_overdue} overdue, "
        f"{found.follow_ups_failed} failed"
    )
    for warning in found.warnings:
        click.echo(f"WARNING:  {warning}")
    for problem in found.problems:
        click.echo(f"PROBLEM:  {problem}", err=True)
    sys.exit(1 if found.problems else 0)


@main.command("cases")
def list_cases() -> None:
    """Open cases with their group, status and deadlines (no content)."""
    settings = _settings()
    with _operator_errors():
        app = _console_app(settings)
        tr = app.engine.notifier.desk_tr
        with transaction(app.engine.sessions) as session:
            cases = session.scalars(
                select(Case).where(Case.status != "closed").order_by(Case.received_at)
            ).all()
            audit(session, _operator(), "list_cases", now=app.engine.clock(), count=len(cases))
            names = handler_names(session, app.vault)
    click.echo(
        f"{'reference':<10} {'group':<12} {'status':<13} {'received':<18} "
        f"{'acknowledge by':<18} {'feedback by':<18} owner"
    )
    for case in cases:
        feedback = tr.moment(case.feedback_due_at) if case.feedback_due_at else "—"
        if case.feedback_given_at:
            feedback = "given " + tr.moment(case.feedback_given_at)
        click.echo(
            f"{case.reference:<10} {case.group_id or '—':<12} {case.status:<13} "
            f"{tr.moment(case.received_at):<18} {tr.moment(case.ack_due_at):<18} "
            f"{feedback:<18} {who(case.owner, names)}"
        )


@main.group()
def outbox() -> None:
    """See and re-send messages that could not be delivered (dead letters)."""


@outbox.command("list")
def outbox_list() -> None:
    """Dead letters and what is waiting, per case (no content)."""
    settings = _settings()
    with _operator_errors(), transaction(_console_app(settings).engine.sessions) as session:
        rows = session.execute(
            select(
                Case.reference,
                OutboxMessage.kind,
                OutboxMessage.status,
                OutboxMessage.attempts,
                OutboxMessage.last_error,
            )
            .outerjoin(Case, Case.id == OutboxMessage.case_id)
            .where(OutboxMessage.status.in_(("pending", "claimed", "dead")))
            .order_by(OutboxMessage.seq)
        ).all()
    if not rows:
        click.echo("nothing waiting and no dead letters")
    for reference, kind, status, attempts, error in rows:
        click.echo(
            f"{reference or '—':<10} {kind:<10} {status:<8} {attempts:>3} tries  {error or ''}"
        )


@outbox.command("retry")
@click.argument("reference", required=False)
@click.option("--all", "everything", is_flag=True, help="Every dead letter.")
def outbox_retry(reference: str | None, everything: bool) -> None:
    """Re-queue the dead letters of one case (K-…), or all of them with --all."""
    if bool(reference) == everything:
        raise click.UsageError("name one case (K-…) or give --all")
    settings = _settings()
    with _operator_errors():
        app = _console_app(settings)
    with transaction(app.engine.sessions) as session:
        case_id = None
        if reference:
            case_id = session.scalar(select(Case.id).where(Case.reference == reference.upper()))
            if case_id is None:
                _fail(StartupError(f"no case {reference.upper()} (check the reference)", "case"))
        count = requeue(session, app.engine.clock(), case_id)
        audit(
            session,
            _operator(),
            "outbox_retry",
            now=app.engine.clock(),
            case_ref=reference.upper() if reference else None,
            count=count,
        )
    click.echo(f"re-queued {count} messages; a running trygg delivers them within seconds")

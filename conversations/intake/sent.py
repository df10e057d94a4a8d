"""A reporter's sent reports: listed by /status, read back with the exchange, added to."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases import (
    ANONYMITY,
    CATEGORIES,
    ROLES,
    STATUS,
    append_log,
    read_case,
    reporter_cases,
)
from conversations.i18n import N_, Translator
from conversations.intake.flow import person_text
from conversations.intake.turn import Turn
from conversations.messages import Choice
from conversations.states import Status
from conversations.when import words_and_reading
from storage.models import Case, CaseLogEntry
from storage.vault import Vault, place

# The case log's events that are the exchange between the reporter and the group.
EXCHANGE = {"reporter_message": N_("sent.from_you"), "reply_sent": N_("sent.from_group")}


def mine(turn: Turn, session: Session) -> list[Case]:
    """The reporter's own cases that can still be read (not erased)."""
    conversation = turn.conversation
    cases = reporter_cases(session, conversation.platform, conversation.user_ref)
    return [c for c in cases if c.data_key_id is not None]


def status_reply(turn: Turn, session: Session) -> tuple[str, tuple[Choice, ...]]:
    """The list of sent reports, with a button to read each and to add to each open one."""
    tr = turn.ctx.tr
    cases = reporter_cases(session, turn.conversation.platform, turn.conversation.user_ref)
    if not cases:
        return tr.t("status.none"), ()
    lines = [
        tr.t(
            "status.line",
            reference=c.reference,
            status=tr.t(STATUS[c.status]),
            received=tr.date_text(tr.local(c.received_at).date()),
        )
        for c in cases
    ]
    choices: list[Choice] = []
    for case in cases[-4:]:  # the latest few: a phone shows a short list of buttons
        if case.data_key_id is None:
            continue
        choices.append(
            Choice(f"sent:read:{case.reference}", tr.t("button.read", reference=case.reference))
        )
        if case.status != Status.CLOSED:
            choices.append(
                Choice(
                    f"sent:add:{case.reference}", tr.t("button.add_to", reference=case.reference)
                )
            )
    return tr.t("status.intro") + "\n" + "\n".join(lines), tuple(choices)


def find(turn: Turn, session: Session, reference: str) -> Case | None:
    """The reporter's own case `reference` (never anyone else's)."""
    return next((c for c in mine(turn, session) if c.reference == reference), None)


def read_back(turn: Turn, session: Session, vault: Vault, case: Case) -> str:
    """The report as it was sent, and every message between the reporter and the group."""
    tr = turn.ctx.tr
    t = tr.t
    fields = read_case(session, vault, case)
    reading = json.loads(fields["when_reading"]) | {"words": fields["when_words"]}
    people = [person_text(p, tr) for p in json.loads(fields["people"])]
    role = t(ROLES.get(case.role, "answer.dont_know"))
    if "affected" in fields:
        role += " · " + t("review.affected", person=fields["affected"] or t("answer.dont_know"))
    lines = [
        t("sent.title", reference=case.reference, status=t(STATUS[case.status])),
        "",
        f"{t('field.what')}:",
        fields["what"] or "—",
        "",
        f"{t('field.when')}: {words_and_reading(reading, tr)}",
        f"{t('field.where')}: {fields['place'] or '—'}",
        f"{t('field.who')}: " + ("\n".join(people) or "—"),
        f"{t('field.witnesses')}: {fields['witnesses'] or '—'}",
        f"{t('field.anonymity')}: {t(ANONYMITY[case.anonymity])}",
        f"{t('field.role')}: {role} · "
        + t(CATEGORIES.get(case.category or "", "answer.dont_know")),
        f"{t('field.wishes')}: {fields['wishes'] or '—'}",
    ]
    exchange = exchange_lines(session, vault, case, tr)
    lines += ["", t("sent.exchange"), *(exchange or [t("sent.no_messages")])]
    append_log(session, case, "reporter", "read_by_reporter")
    return "\n".join(lines)


def exchange_lines(session: Session, vault: Vault, case: Case, tr: Translator) -> list[str]:
    entries = session.scalars(
        select(CaseLogEntry)
        .where(CaseLogEntry.case_id == case.id, CaseLogEntry.event.in_(list(EXCHANGE)))
        .order_by(CaseLogEntry.seq)
    ).all()
    if not entries:
        return []
    key = vault.load(session, case.data_key_id)
    lines = []
    for entry in entries:
        text = ""
        if entry.detail is not None:
            text = key.decrypt(entry.detail, place("case_log", entry.id, "detail"))
        when = tr.moment(entry.at)
        lines.append(tr.t(EXCHANGE[entry.event], at=when) + f"\n{text}")
    return lines

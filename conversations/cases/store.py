"""A stored case: its reference, its encrypted fields, its append-only log, a reporter's cases."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Case, CaseLogEntry, new_id
from storage.vault import Vault, place

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a reference is read aloud and typed on phones.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CASE_FIELDS = ("what", "when_words", "when_reading", "place", "people", "witnesses", "wishes")


def new_reference(session: Session) -> str:
    while True:
        reference = "K-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference


def append_log(
    session: Session,
    case: Case,
    actor: str,
    event: str,
    facts: dict[str, object] | None = None,
    detail: str | None = None,
    vault: Vault | None = None,
) -> CaseLogEntry:
    """Add one entry to a case's append-only log; free text is encrypted under the case key."""
    seq = (
        session.scalar(select(func.max(CaseLogEntry.seq)).where(CaseLogEntry.case_id == case.id))
        or 0
    ) + 1
    entry = CaseLogEntry(
        id=new_id(),
        case_id=case.id,
        seq=seq,
        actor=actor,
        event=event,
        facts=facts or {},
        at=case.last_activity_at,
    )
    if detail is not None and vault is not None:
        key = vault.load(session, case.data_key_id)
        entry.detail = key.encrypt(detail, place("case_log", entry.id, "detail"))
    session.add(entry)
    return entry


def read_case(session: Session, vault: Vault, case: Case) -> dict[str, str]:
    """Decrypt a case's fields (callers audit the view)."""
    key = vault.load(session, case.data_key_id)
    fields = {n: key.decrypt(getattr(case, n), place("cases", case.id, n)) for n in CASE_FIELDS}
    for optional in ("reporter_name", "affected"):
        value = getattr(case, optional)
        if value is not None:
            fields[optional] = key.decrypt(value, place("cases", case.id, optional))
    return fields


def reporter_cases(session: Session, platform: str, reporter_ref: str) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .where(Case.platform == platform, Case.reporter_ref == reporter_ref)
            .order_by(Case.received_at)
        )
    )

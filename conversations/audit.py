"""The append-only audit log of handler views, actions, refusals and exports (never content)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import AuditEntry


def audit(
    session: Session,
    actor: str,
    action: str,
    *,
    now: datetime,
    case_ref: str | None = None,
    allowed: bool = True,
    **facts: object,
) -> None:
    """Record one access; `facts` hold ids and codes, never report text."""
    session.add(
        AuditEntry(
            at=now, actor=actor, action=action, case_ref=case_ref, allowed=allowed, facts=facts
        )
    )

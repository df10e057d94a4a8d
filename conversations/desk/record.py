"""Reading a case's record at the desk: its audit log (/audit), and its case file in a private
chat (/export). A mixin of `Desk`; access is checked (and the reading audited) before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conversations.cases import read_audit
from conversations.desk.duties import Duties
from conversations.desk.export import build_file, to_markdown
from conversations.desk.requests import Request
from conversations.messages import Reply
from storage.models import Case

# The newest rows /audit shows in a chat; `trygg audit --case` shows them all.
AUDIT_LINES = 50


class Record(Duties):
    """/audit and /export, beside the actions and duties (its attributes are set by `Desk`)."""

    def _audit(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        """Who viewed, acted, exported or was refused on this case: names and times."""
        tr = self.notifier.desk_tr
        rows = read_audit(session, self.vault, case_ref=case.reference)
        lines = [tr.t("desk.audit.title", reference=case.reference, count=len(rows))]
        for row in rows[-AUDIT_LINES:]:
            person = f"{row.name} [{row.actor}]" if row.name else row.actor
            outcome = (
                ""
                if row.allowed
                else " · " + tr.t("desk.audit.refused", reason=str(row.facts.get("reason", "—")))
            )
            lines.append(f"{tr.moment(row.at)} · {person} · {row.action}{outcome}")
        return [Reply("\n".join(lines))]

    def _export(
        self,
        session: Session,
        case: Case,
        req: Request,
        actor: str,
        now: datetime,
        *,
        in_channel: bool,
    ) -> list[Reply]:
        """The case file as Markdown, in a private chat only (checked before)."""
        return [Reply(to_markdown(build_file(session, self, case, actor, now)))]

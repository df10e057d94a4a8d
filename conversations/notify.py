"""Messages that must arrive: alerts and posts in a group's case thread, and reporter notes."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases import append_log, read_case
from conversations.channels import Channels
from conversations.i18n import N_, Translator
from conversations.intake import ANONYMITY, CATEGORIES, LEADER, ROLES, describe_when
from conversations.messages import Choice, Outbound
from conversations.org import Group, Org
from conversations.outbox import enqueue
from storage.models import Case, OutboxMessage
from storage.vault import Vault, place

SUMMARY_CHARS = 280
ALERT_BUTTONS = {
    "ack": N_("desk.button.ack"),
    "reply": N_("desk.button.reply"),
    "note": N_("desk.button.note"),
    "minutes": N_("desk.button.minutes"),
    "progress": N_("desk.button.progress"),
    "log": N_("desk.button.log"),
    "escalate": N_("desk.button.escalate"),
}
# Buttons whose action needs text: adapters that can ask for it (a forced reply, a modal) do.
TEXT_ACTIONS = ("reply", "note", "minutes")


def thread_key(group: Group, address: str) -> str:
    return f"group:{group.id}:{address}"


class Notifier:
    """Queues what the group and the reporter must see, in the same transaction as the change."""

    def __init__(self, vault: Vault, org: Org, channels: Channels) -> None:
        self.vault = vault
        self.org = org
        self.channels = channels

    @cached_property
    def desk_tr(self) -> Translator:
        """Handler-side messages use the organisation's first language (built once)."""
        return Translator(self.org.default_language, self.org.organisation.timezone)

    def group_of(self, case: Case) -> Group:
        group = self.org.group(case.group_id)
        return group if group is not None else self.org.groups[0]

    # --- to the group ------------------------------------------------------------------

    def alert(self, session: Session, case: Case, now: datetime, *, key: str = "alert") -> int:
        """Queue the case alert to every channel of the case's group; returns how many."""
        group = self.group_of(case)
        text = self.alert_text(session, case)
        choices = self.case_buttons(case)
        addresses = self.channels.addresses(group)
        for address in addresses:
            enqueue(
                session,
                self.vault,
                case,
                Outbound(address, text, choices),
                kind="alert",
                key=f"{key}:{group.id}:{address}",
                now=now,
                thread_key=thread_key(group, address),
            )
        return len(addresses)

    def case_buttons(self, case: Case) -> tuple[Choice, ...]:
        t = self.desk_tr.t
        return tuple(
            Choice(f"desk:{action}:{case.reference}", t(label))
            for action, label in ALERT_BUTTONS.items()
        )

    def to_group(
        self,
        session: Session,
        case: Case,
        text: str,
        now: datetime,
        *,
        key: str,
        choices: tuple[Choice, ...] = (),
    ) -> None:
        """Queue a post under the case's alert in each of its group's channels."""
        group = self.group_of(case)
        for address in self.channels.addresses(group):
            thread = thread_key(group, address)
            parent = session.scalar(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.case_id == case.id,
                    OutboxMessage.kind == "alert",
                    OutboxMessage.thread_key == thread,
                )
                .order_by(OutboxMessage.created_at.desc())
            )
            enqueue(
                session,
                self.vault,
                case,
                Outbound(address, text, choices),
                kind="post",
                key=f"{key}:{address}",
                now=now,
                thread_of=parent,
                thread_key=thread,
            )

    def to_channel(
        self, session: Session, case: Case, group_id: str, text: str, now: datetime, *, key: str
    ) -> None:
        """Queue a post (not in a case thread) to every channel of the group `group_id`.

        It is encrypted under `case`'s key like every outbox row, so it goes when that case does.
        """
        group = self.org.group(group_id)
        if group is None:
            return
        for address in self.channels.addresses(group):
            enqueue(
                session,
                self.vault,
                case,
                Outbound(address, text),
                kind="nudge",
                key=f"{key}:{address}",
                now=now,
            )

    def alert_text(self, session: Session, case: Case) -> str:
        """The alert at the organisation's detail level; `minimal` shows no content at all."""
        tr = self.desk_tr
        t = tr.t
        unit = self.org.unit(case.unit_id)
        fields = read_case(session, self.vault, case)
        lines = [
            t("desk.alert.title", reference=case.reference),
            t(
                "desk.alert.facts",
                unit=unit.name if unit else "—",
                anonymity=t(ANONYMITY[case.anonymity]),
                role=t(ROLES[case.role]),
                category=t(CATEGORIES.get(case.category or "", "answer.dont_know")),
            ),
            t(
                "desk.alert.times",
                received=tr.moment(case.received_at),
                acknowledge_by=tr.local_day(case.ack_due_at),
            ),
        ]
        if case.anonymity != "anonymous" and "reporter_name" in fields:
            lines.append(t("desk.alert.name", name=fields["reporter_name"]))
        detail = self.org.organisation.report_detail
        if detail == "minimal":
            lines.append(t("desk.alert.minimal", reference=case.reference))
        else:
            lines.append(self.content_text(fields, case, full=detail == "full"))
        lines.append(t("desk.alert.how", reference=case.reference))
        return "\n".join(lines)

    def content_text(self, fields: dict[str, str], case: Case, *, full: bool) -> str:
        """The report itself, for handlers: everything, or a summary of what happened."""
        tr = self.desk_tr
        t = tr.t
        reading = json.loads(fields["when_reading"])
        when = f"{fields['when_words']} ({describe_when(reading, tr)})"
        people = [
            t(
                "review.person",
                name=p.get("name", ""),
                role=p.get("role", ""),
                leader=t(LEADER.get(p.get("leader", "unknown"), "answer.dont_know")),
            )
            for p in json.loads(fields["people"])
        ]
        what = fields["what"]
        if not full and len(what) > SUMMARY_CHARS:
            what = what[:SUMMARY_CHARS].rstrip() + "…"
        parts = [
            f"{t('field.when')}: {when}",
            f"{t('field.where')}: {fields['place'] or '—'}",
            f"{t('field.who')}:\n" + ("\n".join(people) or "—"),
            f"{t('field.what')}:\n{what}",
        ]
        if full:
            contact = t("answer.yes") if case.contact_ok else t("answer.no")
            parts += [
                f"{t('field.witnesses')}: {fields['witnesses'] or '—'}",
                f"{t('field.wishes')}: {fields['wishes'] or '—'}",
                t("review.contact", answer=contact),
            ]
        return "\n".join(parts)

    # --- to the reporter ---------------------------------------------------------------

    def to_reporter(
        self,
        session: Session,
        case: Case,
        body: str,
        now: datetime,
        *,
        key: str,
        separator: str = "\n",
    ) -> None:
        """Queue a message to the reporter at the address stored encrypted with their case.

        The first line only says there is news: a phone's lock screen shows no more than that.
        """
        data_key = self.vault.load(session, case.data_key_id)
        address = data_key.decrypt(
            case.reporter_address, place("cases", case.id, "reporter_address")
        )
        text = self.reporter_tr(case).t("reporter.news") + separator + body
        enqueue(
            session, self.vault, case, Outbound(address, text), kind="reporter", key=key, now=now
        )

    def reporter_unreachable(self, session: Session, case_id: str, now: datetime) -> None:
        """The reporter blocked the bot or left: log it and tell the group in the case thread."""
        case = session.get(Case, case_id)
        if case is None or case.data_key_id is None:
            return
        append_log(session, case, "system", "reporter_unreachable")
        text = self.desk_tr.t("desk.posted.unreachable", reference=case.reference)
        self.to_group(session, case, text, now, key=f"unreachable:{now.isoformat()}")

    def reporter_tr(self, case: Case) -> Translator:
        return Translator(case.language, self.org.organisation.timezone)

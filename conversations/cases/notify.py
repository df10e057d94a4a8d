"""Messages that must arrive: alerts and posts in a group's case thread, and reporter notes."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.cases.labels import ANONYMITY, CATEGORIES, LEADER, RECEIVED_VIA, ROLES
from conversations.cases.minutes import form as minutes_form
from conversations.cases.routing import name_tokens
from conversations.cases.state import live_actions, state_line
from conversations.cases.store import append_log, read_case
from conversations.channels import Channels
from conversations.i18n import N_, Translator
from conversations.messages import Choice, Outbound
from conversations.org import Group, Org
from conversations.outbox import ALERT_EDIT, enqueue
from conversations.when import words_and_reading
from storage.models import Case, CaseLogEntry, OutboxMessage
from storage.vault import Vault, place

SUMMARY_CHARS = 280
ALERT_BUTTONS = {
    "ack": N_("desk.button.ack"),
    "take": N_("desk.button.take"),
    "reply": N_("desk.button.reply"),
    "note": N_("desk.button.note"),
    "minutes": N_("desk.button.minutes"),
    "progress": N_("desk.button.progress"),
    "log": N_("desk.button.log"),
    "escalate": N_("desk.button.escalate"),
    "feedback": N_("desk.button.feedback"),
}
# Buttons whose action needs text: adapters that can ask for it (a forced reply, a modal) do.
TEXT_ACTIONS = ("reply", "note", "minutes", "feedback", "assign", "hold")


HIDDEN = "[…]"
_WORD = re.compile(r"\w+")


def names_in(fields: dict[str, str]) -> tuple[str, ...]:
    """The names a report holds: the people it names and the reporter's given name."""
    people = [str(p.get("name", "")) for p in json.loads(fields.get("people") or "[]")]
    others = (fields.get("reporter_name", ""), fields.get("affected", ""))
    return tuple(n for n in (*people, *others) if n)


def redact(text: str, names: Iterable[str]) -> str:
    """`text` with every word of the given names left out, however it is spelled or accented.

    Only the words of a name written with a capital letter count (a description such as "the
    new boss" hides nothing), and a single letter is not hidden.
    """
    hidden = {
        token
        for name in names
        for word in _WORD.findall(name)
        if word[:1].isupper() and len(word) > 1
        for token in name_tokens(word)
    }
    if not hidden:
        return text

    def swap(match: re.Match[str]) -> str:
        return HIDDEN if set(name_tokens(match.group(0))) & hidden else match.group(0)

    return _WORD.sub(swap, text)


def thread_key(group: Group, address: str) -> str:
    """The case thread in one group channel; a channel's address is stored only as a hash."""
    return f"group:{group.id}:{hashlib.sha256(address.encode()).hexdigest()[:24]}"


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
                key=f"{key}:{group.id}",
                now=now,
                thread_key=thread_key(group, address),
            )
        return len(addresses)

    def case_buttons(self, case: Case) -> tuple[Choice, ...]:
        """The alert's buttons that still make sense for the case as it is now."""
        t = self.desk_tr.t
        return tuple(
            Choice(
                f"desk:{action}:{case.reference}",
                t(ALERT_BUTTONS[action]),
                asks_text=action in TEXT_ACTIONS,
                command=f"/{action} {case.reference}",
                form=minutes_form(self.desk_tr) if action == "minutes" else (),
            )
            for action in live_actions(case, tuple(ALERT_BUTTONS))
        )

    def edit_alerts(self, session: Session, case: Case, now: datetime) -> int:
        """Queue an edit of the case's latest alert in each channel it went to: the alert as
        it is now, its state ("Acknowledged by …"), and only the buttons that still make
        sense. A group that no longer holds the case (escalated) is shown who does, with no
        buttons. Through the outbox, so it arrives in order after the alert; best effort
        where a platform cannot edit. Returns how many edits were queued."""
        session.flush()
        step = session.scalar(
            select(func.max(CaseLogEntry.seq)).where(CaseLogEntry.case_id == case.id)
        )
        alerts: dict[str, OutboxMessage] = {}
        for row in session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case.id, OutboxMessage.kind == "alert")
            .order_by(OutboxMessage.seq)
        ):
            alerts[row.thread_key or row.id] = row  # the latest alert per channel
        if not alerts:
            return 0
        key = self.vault.load(session, case.data_key_id)
        t = self.desk_tr.t
        body = self.alert_text(session, case)
        state = state_line(session, self.vault, case, self.desk_tr)
        holder = self.group_of(case)
        for thread, row in alerts.items():
            address = key.decrypt(row.address, place("outbox", row.id, "address"))
            here = thread.split(":")[1] if thread.startswith("group:") else holder.id
            if here == holder.id:
                text = body + (f"\n\n{state}" if state else "")
                choices = self.case_buttons(case)
            else:
                text = body + "\n\n" + t("desk.state.moved", group=holder.name)
                choices = ()
            enqueue(
                session,
                self.vault,
                case,
                Outbound(address, text, choices),
                kind=ALERT_EDIT,
                key=f"edit:{step}",
                now=now,
                thread_of=row.id,
                thread_key=row.thread_key,
            )
        return len(alerts)

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
                key=key,
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
                key=key,
                now=now,
            )

    @property
    def detail(self) -> str:
        """What the group's channel may show: "full", "summary" (no names) or "minimal" (none)."""
        return self.org.organisation.report_detail

    def last_digest(self, session: Session, group_id: str) -> datetime | None:
        """When the group's last grouped reminder was queued (None: none is on record).

        The outbox is the record: a digest is queued with the key `nudge:<group>:<sweep>`
        (see followups), so no table of its own is needed. A digest whose case has since been
        purged is forgotten, which at worst lets one digest come early.
        """
        group = group_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return session.scalar(
            select(func.max(OutboxMessage.created_at)).where(
                OutboxMessage.kind == "nudge",
                OutboxMessage.idempotency_key.like(f"%:nudge:{group}:%", escape="\\"),
            )
        )

    def alert_text(self, session: Session, case: Case) -> str:
        """The alert at the organisation's detail level.

        `full` shows the report and the reporter's given name; `summary` shows what happened
        (shortened) with the names of the people in the report left out and no reporter name;
        `minimal` shows no content at all, only where to read it.
        """
        tr = self.desk_tr
        t = tr.t
        unit = self.org.unit(case.unit_id)
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
        if case.received_via in RECEIVED_VIA:
            lines.append(t("desk.alert.via", via=t(RECEIVED_VIA[case.received_via])))
        if self.detail == "minimal":
            lines.append(t("desk.alert.minimal", reference=case.reference))
        else:
            fields = read_case(session, self.vault, case)
            full = self.detail == "full"
            if full and case.anonymity != "anonymous" and "reporter_name" in fields:
                lines.append(t("desk.alert.name", name=fields["reporter_name"]))
            lines.append(self.content_text(fields, case, full=full))
        lines.append(t("desk.alert.how", reference=case.reference))
        return "\n".join(lines)

    def content_text(
        self, fields: dict[str, str], case: Case, *, full: bool, names: bool | None = None
    ) -> str:
        """The report itself, for handlers: everything, or a summary of what happened.

        Without `names` (the default for a summary) the people named are only counted, and
        their names and the reporter's are left out of what happened and where.
        """
        tr = self.desk_tr
        t = tr.t
        show_names = full if names is None else names
        reading = json.loads(fields["when_reading"])
        when = words_and_reading({**reading, "words": fields["when_words"]}, tr)
        named = json.loads(fields["people"])
        if show_names:
            people = [
                t(
                    "review.person",
                    name=p.get("name") or t("person.unknown"),
                    role=p.get("role") or t("answer.dont_know"),
                    leader=t(LEADER.get(p.get("leader", "unknown"), "answer.dont_know")),
                )
                for p in named
            ]
        else:
            leaders = sum(1 for p in named if p.get("leader") == "yes")
            people = [t("desk.alert.people_count", count=len(named), leaders=leaders)]
        hidden = () if show_names else names_in(fields)
        what = redact(fields["what"], hidden)
        if not full and len(what) > SUMMARY_CHARS:
            what = what[:SUMMARY_CHARS].rstrip() + "…"
        parts = [
            f"{t('field.when')}: {when}",
            f"{t('field.where')}: {redact(fields['place'], hidden) or '—'}",
            f"{t('field.who')}:\n" + ("\n".join(people) or "—"),
            f"{t('field.what')}:\n{what}",
        ]
        if "affected" in fields:  # the reporter saw it or was told: whom it happened to
            affected = fields["affected"] or t("answer.dont_know")
            if not show_names and fields["affected"]:
                affected = HIDDEN  # a name, left out where names are not shown
            parts.insert(3, t("desk.affected", person=affected))
        if full:
            contact = t("answer.yes") if case.contact_ok else t("answer.no")
            parts += [
                f"{t('field.witnesses')}: {redact(fields['witnesses'], hidden) or '—'}",
                f"{t('field.wishes')}: {redact(fields['wishes'], hidden) or '—'}",
                t("desk.contact", answer=contact),
            ]
        return "\n".join(parts)

    def for_channel(self, session: Session, case: Case, text: str) -> str | None:
        """Free text (a reporter's message, a note) as the group's channel may show it.

        All of it at `full`; without the names of the people in the report (and the reporter's)
        at `summary`; nothing at `minimal` (None: say where to read it instead).
        """
        if self.detail == "minimal":
            return None
        if self.detail == "full":
            return text
        return redact(text, names_in(read_case(session, self.vault, case)))

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
        """Queue a message to the reporter at the address stored encrypted with their case;
        nothing when they asked not to be written to (whoever asks, it is never sent).

        The first line only says there is news: a phone's lock screen shows no more than that.
        """
        if not case.contact_ok:
            return
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

    def undeliverable(
        self, session: Session, case_id: str | None, kind: str, now: datetime
    ) -> None:
        """A message to a group could not be delivered: tell its escalation group (or, without
        one, every other group) in a notice, so an unanswered case never goes unnoticed."""
        case = session.get(Case, case_id) if case_id else None
        if case is None or case.data_key_id is None:
            return
        group = self.group_of(case)
        targets = [self.org.group(group.escalation)] if group.escalation else []
        if not any(targets):
            targets = [g for g in self.org.groups if g.id != group.id and not g.auditor]
        text = self.desk_tr.t("desk.undeliverable", reference=case.reference, group=group.name)
        append_log(session, case, "system", "undeliverable", {"kind": kind})
        for target in targets:
            if target is not None:
                self.to_channel(
                    session, case, target.id, text, now, key=f"undeliverable:{now.isoformat()}"
                )

"""Who may act on a case, asked of the platform before the transaction; refusals audited.

A mixin of `Desk`: the membership questions, the acting groups, and the refusals (one neutral
answer for a stranger, whatever the reason, so it never learns that a case exists).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases import Notifier, Probes
from conversations.channels import Channels
from conversations.desk.requests import (
    ACTIONS,
    NO_CONTENT,
    PRIVATE_ONLY,
    READ_ONLY,
    REFERENCE,
    Request,
)
from conversations.i18n import N_
from conversations.messages import Inbound, Reply
from conversations.org import Group, Org
from conversations.states import Status
from storage.models import Case, CaseLogEntry
from storage.vault import Vault

REFUSALS = {
    "private": N_("desk.refused.private"),
    "export_privately": N_("desk.refused.export_privately"),
    "show_privately": N_("desk.refused.show_privately"),
    "closed": N_("desk.refused.closed"),
}

# One answer for "no such case", "not your group's case" and "not a member" (and a malformed
# button), so a refusal never tells a stranger that a case exists or which group holds it.
NEUTRAL = N_("desk.refused.neutral")

# What may be done to a closed case besides reading it (a hold matters most once it is closed).
ON_CLOSED = ("reopen", "hold", "release")

PROBES = ("unknown_case", "other_group", "not_member", "bad_request")

# Refusals answered before nothing more is said to the same actor within the hour.
PROBE_LIMIT = 5


class Answers(dict[str, bool]):
    """The platform's membership answers (channel address → member), and the asker's display
    name as the platform gave it (None: it could not say), asked before the transaction."""

    name: str | None = None


class Access:
    """Membership and refusals for the desk (its attributes are set by `Desk`)."""

    vault: Vault
    org: Org
    channels: Channels
    notifier: Notifier
    probes: Probes

    def questions(
        self, session: Session, inbound: Inbound, request: Request
    ) -> list[tuple[str, bool]]:
        """The membership questions `handle` will need answered: (channel address, fresh).

        Read before the write transaction opens, so that the platform is asked with no
        transaction waiting on it; `handle` re-reads the case inside the transaction.
        """
        if request.action not in ACTIONS or not REFERENCE.match(request.reference):
            return []
        case = session.scalar(select(Case).where(Case.reference == request.reference))
        if case is None:
            return []
        acting = self.acting_groups(session, case)
        if inbound.private:
            return [(a, True) for g in acting for a in self.channels.addresses(g)]
        here = self.channels.group_at(inbound.address)
        if here is not None and here.auditor and request.action == "audit":
            return [(inbound.address, True)]
        if here is None or here.id not in {g.id for g in acting}:
            return []
        return [(inbound.address, request.action in READ_ONLY)]

    def ask(self, inbound: Inbound, questions: list[tuple[str, bool]]) -> Answers:
        """Ask the platform each membership question, and the asker's name where they are a
        member (no transaction is open)."""
        answers = Answers(
            (address, self.channels.is_member(address, inbound.user_id, fresh=fresh))
            for address, fresh in questions
        )
        member_at = next((address for address, yes in answers.items() if yes), None)
        if member_at is not None:
            answers.name = self.channels.display_name(member_at, inbound.user_id)
        return answers

    def actor(self, inbound: Inbound) -> str:
        """The handler as stored: a pseudonym, never the raw platform id."""
        return "handler:" + self.vault.keyring.pseudonym(inbound.platform, inbound.user_id)[:12]

    def acting_groups(self, session: Session, case: Case) -> list[Group]:
        """The groups that may act on `case`: its own, then each escalation group above it that
        has been told about it (an `escalation_notice` in the case log), nearest first.
        """
        group = self.notifier.group_of(case)
        told = {
            str(entry.facts.get("to"))
            for entry in session.scalars(
                select(CaseLogEntry).where(
                    CaseLogEntry.case_id == case.id, CaseLogEntry.event == "escalation_notice"
                )
            )
        }
        groups, seen = [group], {group.id}
        above = self.org.group(group.escalation)
        while above is not None and above.id not in seen:
            if above.id in told:
                groups.append(above)
            seen.add(above.id)
            above = self.org.group(above.escalation)
        return groups

    def _here(self, inbound: Inbound, acting: list[Group]) -> Group:
        """The acting group: the channel's group, or in private the first the actor is in."""
        here = self.channels.group_at(inbound.address)
        return here if here is not None else acting[0]

    def _probe(
        self,
        session: Session,
        actor: str,
        action: str,
        reference: str | None,
        reason: str,
        now: datetime,
    ) -> list[Reply]:
        """The one neutral refusal, audited (aggregated) and silent after PROBE_LIMIT an hour."""
        answer = self.probes.refuse(
            session, actor, action, now=now, case_ref=reference, reason=reason
        )
        if not answer:
            return []
        return [Reply(self.notifier.desk_tr.t(NEUTRAL), only_asker=True)]

    def _refusal(
        self,
        inbound: Inbound,
        case: Case,
        acting: list[Group],
        request: Request,
        answers: Mapping[str, bool] | None,
    ) -> str | None:
        reading = request.action in READ_ONLY
        user = inbound.user_id
        if inbound.private:
            # Reading in private: a member of a group that may act, asked of the platform now.
            member = any(
                self._member(answers, address, user, fresh=True)
                for group in acting
                for address in self.channels.addresses(group)
            )
            return None if member else "not_member"
        here = self.channels.group_at(inbound.address)
        if here is not None and here.auditor:
            # An auditors' channel reads the audit of any case, and nothing else.
            if request.action != "audit":
                return "other_group"
            member = self._member(answers, inbound.address, user, fresh=True)
            return None if member else "not_member"
        if here is None or here.id not in {g.id for g in acting}:
            return "other_group"
        if not self._member(answers, inbound.address, user, fresh=reading):
            return "not_member"
        if request.action in PRIVATE_ONLY:
            return "export_privately"
        if reading and request.action not in NO_CONTENT and self.notifier.detail == "minimal":
            return "show_privately"
        if case.status == Status.CLOSED and request.action not in (*READ_ONLY, *ON_CLOSED):
            return "closed"
        return None

    def _member(
        self, answers: Mapping[str, bool] | None, address: str, user: str, *, fresh: bool
    ) -> bool:
        if answers is None:
            return self.channels.is_member(address, user, fresh=fresh)
        return answers.get(address, False)  # the case moved meanwhile: refuse

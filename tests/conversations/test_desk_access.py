"""Who may read and act on a case: fresh membership, one neutral refusal, probes limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.console import GROUP_PREFIX
from bot.channels import AdapterChannels
from conversations.engine import Engine
from conversations.messages import Inbound, Reply
from storage.models import AuditEntry
from tests.chat import Chat, the_case
from tests.conftest import RecordingConsole
from tests.conversations.test_intake import file_report

REGION = f"{GROUP_PREFIX}region"
SENTRAL = f"{GROUP_PREFIX}sentral"


def ask(engine: Engine, inbound: Inbound) -> list[Reply]:
    """The desk's own answer (with `only_asker`), in one transaction as the engine runs it."""
    from conversations.desk import parse

    request = parse(inbound)
    assert request is not None
    with engine.sessions() as session, session.begin():
        return engine.desk.handle(session, inbound, request)


def in_channel(user: str, address: str, text: str = "", choice: str | None = None) -> Inbound:
    content = "choice" if choice else "text"
    return Inbound("console", user, address, text=text or None, choice=choice, content=content,
                   private=False)  # fmt: skip


def refusals(engine: Engine) -> list[AuditEntry]:
    with engine.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.allowed.is_(False)).order_by(AuditEntry.id)
        return list(session.scalars(query))


@pytest.fixture
def reference(engine: Engine) -> str:
    file_report(Chat(engine, locale="en"), "en")
    return the_case(engine).reference


def test_one_neutral_answer_whether_or_not_the_case_exists(engine, reference):
    """Unknown case, another group's case, a stranger here or in private: the same words."""
    answers = [
        ask(engine, in_channel("handler", REGION, "/show K-ZZZZZZ")),
        ask(engine, in_channel("handler", SENTRAL, f"/show {reference}")),
        ask(engine, in_channel("stranger", REGION, f"/show {reference}")),
        ask(engine, Inbound("console", "other", "console:dm-2", text=f"/show {reference}")),
        ask(engine, Inbound("console", "fourth", "console:dm-3", text="/log K-ZZZZZZ")),
    ]
    texts = {a[0].text for a in answers}
    assert len(texts) == 1 and reference not in texts.pop()
    assert all(a[0].only_asker for a in answers)
    # One row per actor per hour: the handler's second refusal is counted, not written.
    assert [(r.facts["reason"], r.case_ref) for r in refusals(engine)] == [
        ("unknown_case", "K-ZZZZZZ"),
        ("not_member", reference),
        ("not_member", reference),
        ("unknown_case", "K-ZZZZZZ"),
    ]


def test_every_refusal_is_only_for_the_asker(engine, reference):
    """A refusal to a member (closed case, content not shown here) is for the asker's eyes."""
    ask(engine, in_channel("handler", REGION, f"/ack {reference}"))
    ask(engine, in_channel("handler", REGION, f"/close {reference} resolved"))
    (closed,) = ask(engine, in_channel("handler", REGION, f"/note {reference} late"))
    assert closed.only_asker and "avsluttet" in closed.text


class StaleCache(RecordingConsole):
    """A platform whose cached membership still says yes after the handler was removed."""

    def is_member(self, address: str, user_id: str, *, fresh: bool = False) -> bool:
        return not fresh and super().is_member(address, user_id)


def test_reading_content_asks_the_platform_afresh(engine, org, clock, reference):
    """A handler removed from the channel (stale cache) can no longer /show or /log the case."""
    stale = Engine(engine.sessions, engine.vault, org, AdapterChannels(org, [StaleCache()]),
                   clock=lambda: clock[0])  # fmt: skip
    assert "bekreftet" in ask(stale, in_channel("handler", REGION, f"/ack {reference}"))[0].text
    for line in (f"/show {reference}", f"/log {reference}"):
        (answer,) = ask(stale, in_channel("handler", REGION, line))
        assert answer.only_asker and answer.text.startswith("Det kan jeg ikke hjelpe")
    private = ask(stale, Inbound("console", "handler", "console:dm", text=f"/show {reference}"))
    assert private[0].text.startswith("Det kan jeg ikke hjelpe")
    assert [r.facts["reason"] for r in refusals(engine)] == ["not_member"]  # one row an hour


def test_probes_are_answered_five_times_an_hour_and_audited_once_with_a_count(
    engine, clock, reference
):
    """A stranger's eighth probe in an hour gets no answer; the log holds one row, then a sum."""
    answers = [
        ask(engine, in_channel("stranger", REGION, f"/show {reference}")) for _ in range(4)
    ] + [ask(engine, in_channel("stranger", REGION, f"/ack K-ZZZZZ{n}")) for n in range(4)]
    assert [len(a) for a in answers] == [1] * 5 + [0] * 3
    assert [r.facts for r in refusals(engine)] == [{"reason": "not_member"}]
    clock[0] += timedelta(hours=1)
    ask(engine, in_channel("handler", REGION, f"/log {reference}"))  # anyone's request rolls it
    summary = refusals(engine)[-1]
    assert summary.action == "refused_repeatedly" and summary.actor == refusals(engine)[0].actor
    assert summary.facts["count"] == 8
    assert summary.facts["reasons"] == {"not_member": 4, "unknown_case": 4}
    assert len(ask(engine, in_channel("stranger", REGION, f"/show {reference}"))) == 1


@pytest.mark.parametrize(
    "value",
    [
        "desk:ack:{ref} and some free text",
        "desk:ack:{ref}:more",
        "desk:ack",
        "desk:frobnicate:{ref}",
        "desk:ack:k-abcdef",
        "desk::{ref}",
    ],
)
def test_button_values_of_any_other_shape_are_refused_and_audited(engine, reference, value):
    """Only 'desk:<action>:<K-ref>' is a desk button; anything else is an unknown request."""
    choice = value.format(ref=reference)
    (answer,) = ask(engine, in_channel("handler", REGION, choice=choice))
    assert answer.only_asker and answer.text.startswith("Det kan jeg ikke hjelpe")
    assert the_case(engine).status == "received"
    (row,) = refusals(engine)
    assert (row.action, row.case_ref, row.facts) == ("button", None, {"reason": "bad_request"})

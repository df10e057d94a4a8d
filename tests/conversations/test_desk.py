"""The handler desk: alert, acknowledge, anonymous two-way replies, notes, minutes, close."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.console import GROUP_PREFIX
from conversations.messages import Inbound
from storage.models import AuditEntry, CaseLogEntry, OutboxMessage
from tests.chat import Chat, the_case
from tests.conversations.test_intake import file_report, file_report_until_review

LOCALES = {"nb": "nb-NO", "sv": "sv-SE", "en": "en-GB"}
REGION = f"{GROUP_PREFIX}region"


def handler(chat: Chat, line: str) -> str:
    """A handler writes `line` in the region group's channel; returns the bot's answer there."""
    replies = chat.send(f"@region {line}")
    return "\n".join(r.text for r in replies)


def group_side(console, chat: Chat) -> list[str]:
    """Every message that reached a group channel: sweep deliveries and direct answers."""
    delivered = [o.text for o in console.sent if o.address.startswith(GROUP_PREFIX)]
    direct = [o.text for o in chat.replies if o.address.startswith(GROUP_PREFIX)]
    return delivered + direct


def reporter_side(console) -> list[str]:
    return [o.text for o in console.sent if not o.address.startswith(GROUP_PREFIX)]


@pytest.mark.parametrize("language", ["nb", "sv", "en"])
def test_round_trip_report_to_close_keeps_the_reporter_anonymous(engine, sweep, console, language):
    """report → alert → ack → question → answer → note → close, and no identity leaks."""
    user_id = f"reporter-secret-id-{language}"
    chat = Chat(engine, user_id=user_id, locale=LOCALES[language])
    file_report(chat, language, what="It happened at the summer party.")
    assert sweep.run_once() == 1
    case = the_case(engine)
    alert = console.sent[-1]
    assert alert.address == REGION and case.reference in alert.text
    assert "summer party" in alert.text
    assert "Seksuell trakassering" in alert.text and case.category == "sexual"
    assert alert.choices[0].value == f"desk:ack:{case.reference}"

    chat.raw(
        Inbound(
            "console",
            "handler",
            REGION,
            choice=f"desk:ack:{case.reference}",
            content="choice",
            private=False,
        )
    )
    handler(chat, f"/reply {case.reference} Who else was there?")
    assert sweep.run_once() == 3  # the reporter's two messages, and the alert edited
    question = reporter_side(console)[-1]
    assert "Who else was there?" in question
    assert case.reference not in question.splitlines()[0]  # nothing telling on a lock screen

    chat.send("Only Per was there.")
    chat.press(case.reference)
    assert sweep.run_once() == 1
    assert "Only Per was there." in console.sent[-1].text
    assert console.sent[-1].address == REGION

    handler(chat, f"/note {case.reference} Spoke with Per.")
    handler(chat, f"/minutes {case.reference} 2026-11-19; Kari, Per; Agreed on measures")
    handler(chat, f"/progress {case.reference}")
    handler(chat, f"/close {case.reference} measures")
    sweep.run_once()
    assert the_case(engine).status == "closed"
    closing = reporter_side(console)[-1]
    assert case.reference in closing

    log = handler(chat, f"/log {case.reference}")
    for fragment in (
        "Who else was there?",
        "Only Per was there.",
        "Spoke with Per.",
        "Agreed on measures",
    ):
        assert fragment in log

    pseudonym = engine.vault.keyring.pseudonym("console", user_id)
    for text in group_side(console, chat):
        assert user_id not in text and pseudonym not in text and "console:local" not in text


def test_acknowledge_twice_is_applied_once(engine, sweep, console):
    """The same acknowledgement twice changes the case once and tells the reporter once."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    reference = the_case(engine).reference
    handler(chat, f"/ack {reference}")
    second = handler(chat, f"/ack {reference}")
    sweep.run_once()
    assert "already" in second or "allerede" in second
    told = [t for t in reporter_side(console) if reference in t]
    assert len(told) == 1
    with engine.sessions() as session:
        acks = session.scalars(select(CaseLogEntry).where(CaseLogEntry.event == "acknowledged"))
        assert len(acks.all()) == 1


def test_redelivered_button_press_is_applied_once(engine, sweep):
    """A platform redelivering the same button press (same event id) is ignored."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    reference = the_case(engine).reference
    press = Inbound(
        "console",
        "handler",
        REGION,
        choice=f"desk:ack:{reference}",
        content="choice",
        private=False,
        event_id="btn-1",
    )
    assert chat.raw(press)
    assert chat.raw(press) == []


def test_non_member_is_refused_and_the_refusal_audited(engine, sweep):
    """A user who is not a member of the group's channel cannot act, and that is logged."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    reference = the_case(engine).reference
    replies = chat.raw(
        Inbound("console", "intruder", REGION, text=f"/ack {reference}", private=False)
    )
    assert replies[0].text.startswith("Det kan jeg ikke hjelpe med her")
    assert the_case(engine).status == "received"
    with engine.sessions() as session:
        refused = session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False))).one()
    assert refused.action == "ack" and refused.case_ref == reference
    assert refused.facts == {"reason": "not_member"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/ack K-ZZZZZZ", "Sjekk saksreferansen"),
        ("/ack", "Skriv saksreferansen"),
        ("/reply {ref}", "Skriv teksten din som neste melding"),
        ("/reply {ref} " + "x" * 4001, "grensen er 4000"),
        ("/minutes {ref} only a date", "Skriv referat slik"),
        ("/close {ref} because", "Skriv et utfall"),
        ("/frobnicate {ref}", "Kommandoer for varslingsgruppen"),
    ],
)
def test_bad_handler_input_gets_a_clear_answer(engine, line, expected):
    """Unknown case, missing reference, empty or overlong text, bad outcome: a clear answer."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    reference = the_case(engine).reference
    assert expected in handler(chat, line.format(ref=reference))


def test_actions_on_a_closed_case_are_refused_until_reopened(engine):
    """A closed case takes no replies or notes; /reopen brings it back."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    reference = the_case(engine).reference
    handler(chat, f"/ack {reference}")
    handler(chat, f"/close {reference} resolved")
    assert "er avsluttet" in handler(chat, f"/note {reference} late note")
    assert "under oppfølging" in handler(chat, f"/reopen {reference}")
    assert "Notat lagt til" in handler(chat, f"/note {reference} late note")


def test_handlers_chatting_in_the_channel_are_left_alone(engine):
    """Plain messages in the group channel get no answer and store nothing."""
    chat = Chat(engine)
    assert chat.send("@region Good morning, everyone") == []


def test_escalation_alerts_the_escalation_group(engine, sweep, console):
    """Escalating moves the case to the escalation group, which gets its own alert."""
    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    sweep.run_once()
    reference = the_case(engine).reference
    assert "Sentral varslingsgruppe" in handler(chat, f"/escalate {reference}")
    sweep.run_once()
    assert console.sent[-1].address == f"{GROUP_PREFIX}sentral"
    assert the_case(engine).group_id == "sentral"
    assert "Det kan jeg ikke hjelpe" in handler(chat, f"/note {reference} too late")


def test_conflict_of_interest_routes_past_the_named_member(engine, org, sweep, console):
    """A report naming a member of the group goes to its escalation group; the log says why."""
    region = org.groups[0].model_copy(update={"members": ("Ola Nordmann",)})
    engine.org = org.model_copy(update={"groups": (region, org.groups[1])})
    chat = Chat(engine, locale="en")
    file_report(chat, "en")  # names "Ola Nordmann"
    sweep.run_once()
    assert the_case(engine).group_id == "sentral"
    assert all(o.address != REGION for o in console.sent)
    with engine.sessions() as session:
        routed = session.scalars(select(CaseLogEntry).where(CaseLogEntry.event == "routed")).one()
    assert routed.facts == {"group": "sentral", "reason": "conflict", "passed_over": "region"}


def test_minimal_detail_keeps_content_out_of_the_channel(engine, org, sweep, console):
    """With report_detail = minimal the alert has no content; /show works privately, audited."""
    minimal = org.organisation.model_copy(update={"report_detail": "minimal"})
    engine.org = engine.notifier.org = engine.desk.org = org.model_copy(
        update={"organisation": minimal}
    )
    chat = Chat(engine, locale="en")
    file_report(chat, "en", what="Secret content 55")
    sweep.run_once()
    reference = the_case(engine).reference
    assert "Secret content 55" not in console.sent[-1].text
    assert "privat" in handler(chat, f"/show {reference}")
    private = chat.raw(
        Inbound("console", "handler", "console:handler-dm", text=f"/show {reference}")
    )
    assert "Secret content 55" in private[0].text
    stranger = chat.raw(Inbound("console", "stranger", "console:dm2", text=f"/show {reference}"))
    assert "Secret content 55" not in stranger[0].text
    with engine.sessions() as session:
        views = session.scalars(select(AuditEntry).where(AuditEntry.action == "show")).all()
    assert [(v.allowed, v.facts.get("reason")) for v in views] == [
        (False, "show_privately"),
        (True, None),
        (False, "not_member"),
    ]


def test_failed_delivery_stays_queued_and_is_retried(engine, sweep, console, clock):
    """A platform outage delays the alert; the row stays pending and goes out later."""
    from datetime import timedelta

    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    console.failures.append(ConnectionError("platform down"))
    assert sweep.run_once() == 0
    with engine.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "ConnectionError")
    assert sweep.run_once() == 0  # not due yet: backoff
    clock[0] += timedelta(minutes=5)
    assert sweep.run_once() == 1
    assert the_case(engine).reference in console.sent[-1].text


def test_a_reporter_who_said_dont_write_to_me_gets_nothing_from_the_group(engine, sweep, console):
    """Guards Notifier.to_reporter: after "Don't write to me", neither the acknowledgement,
    nor the feedback, nor the closing reaches the reporter (someone may see their phone);
    the group's confirmations still come."""
    chat = Chat(engine, locale="en")
    file_report_until_review(chat)
    chat.press("Don't write to me")
    chat.press("Send the report")
    reference = the_case(engine).reference
    sweep.drain()
    alert = next(o for o in console.sent if reference in o.text and o.choices)
    labels = [c.label for c in alert.choices]
    assert labels and engine.notifier.desk_tr.t("desk.button.reply") not in labels
    before = len(reporter_side(console))
    handler(chat, f"/ack {reference}")
    handler(chat, f"/feedback {reference} We have talked to him.")
    handler(chat, f"/close {reference} resolved")
    sweep.drain()
    case = the_case(engine)
    assert case.acknowledged_at and case.feedback_given_at and case.closed_at  # all applied
    assert len(reporter_side(console)) == before

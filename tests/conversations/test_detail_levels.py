"""Detail levels: what the group's channel receives over a whole case, at full, summary, minimal."""

from __future__ import annotations

import re

from sqlalchemy import select

from adapters.console import GROUP_PREFIX
from conversations.engine import Engine
from conversations.messages import Inbound
from conversations.org import Org
from storage.models import AuditEntry
from tests.chat import Chat, the_case

NAMES = ("Rita", "Reporter", "Per", "Hansen", "Ola", "Nordmann", "Kari")
WHAT = "Per Hansen touched me at the party; Ola Nordmann saw it. WHAT-77"
MESSAGE = "Only Per Hansen was there. MESSAGE-88"


def at_level(engine: Engine, org: Org, level: str) -> None:
    organisation = org.organisation.model_copy(update={"report_detail": level})
    engine.org = engine.notifier.org = engine.desk.org = org.model_copy(
        update={"organisation": organisation}
    )


def file_named_report(chat: Chat) -> None:
    """An open report with the reporter's name, two people named, a witness and wishes."""
    chat.send("/start")
    for line in ("1", "3", "Rita Reporter", "1", WHAT, "last Thursday"):
        chat.send(line)
    for line in ("1", "At Per's office", "Per Hansen, Board member", "2"):
        chat.send(line)
    chat.press("Another person did it too")
    for line in ("Ola Nordmann, secretary", "2", "Kari saw it", "1", "WISH-66"):
        chat.send(line)
    chat.press("Send the report")


def whole_case(engine: Engine, sweep, console) -> tuple[list[str], str]:
    """Drive a case from alert to close; every text the group's channel received, and the ref."""
    chat = Chat(engine, user_id="reporter-9", locale="en")
    file_named_report(chat)
    sweep.run_once()
    reference = the_case(engine).reference
    assert the_case(engine).group_id == "region"

    def handler(line: str) -> None:
        chat.send(f"@region {line}")

    handler(f"/ack {reference}")
    handler(f"/reply {reference} Was Per Hansen alone? REPLY-55")
    sweep.run_once()
    chat.send(MESSAGE)
    chat.press(reference)
    sweep.run_once()
    handler(f"/note {reference} Spoke with Ola Nordmann. NOTE-44")
    handler(f"/log {reference}")
    handler(f"/show {reference}")
    handler(f"/close {reference} measures")
    sweep.run_once()
    delivered = [o.text for o in console.sent if o.address.startswith(GROUP_PREFIX)]
    answered = [o.text for o in chat.replies if o.address.startswith(GROUP_PREFIX)]
    assert delivered and answered
    return delivered + answered, reference


def names_in(texts: list[str]) -> set[str]:
    return {n for n in NAMES for text in texts if re.search(rf"\b{n}\b", text)}


def test_minimal_puts_no_content_in_the_channel(engine, org, sweep, console):
    """minimal: alert, relayed message, replies, log and show carry no content and no names."""
    at_level(engine, org, "minimal")
    texts, reference = whole_case(engine, sweep, console)
    joined = "\n".join(texts)
    assert names_in(texts) == set()
    for secret in ("WHAT-77", "MESSAGE-88", "REPLY-55", "NOTE-44", "WISH-66", "touched", "office"):
        assert secret not in joined
    # The desk speaks the organisation's first language (nb in the sample).
    assert f"Les den med /log {reference} i en privat chat med meg" in joined
    assert f"Skriv /show {reference} eller /log {reference} til meg" in joined
    assert "Lagt i kø til varsleren" in joined  # /reply answered without its text


def test_minimal_log_and_show_work_privately_for_members_and_are_audited(
    engine, org, sweep, console
):
    """minimal: a member reads the log and the report in a private chat; each view is audited."""
    at_level(engine, org, "minimal")
    _, reference = whole_case(engine, sweep, console)
    chat = Chat(engine)
    log = chat.raw(Inbound("console", "handler", "console:handler-dm", text=f"/log {reference}"))
    show = chat.raw(Inbound("console", "handler", "console:handler-dm", text=f"/show {reference}"))
    assert "MESSAGE-88" in log[0].text and "NOTE-44" in log[0].text
    assert "WHAT-77" in show[0].text and "Per Hansen" in show[0].text
    with engine.sessions() as session:
        reads = session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(("log", "show"))).order_by(AuditEntry.id)
        ).all()
    assert [(r.action, r.allowed, r.facts.get("reason")) for r in reads] == [
        ("log", False, "show_privately"),
        ("show", False, "show_privately"),
        ("log", True, None),
        ("show", True, None),
    ]


def test_summary_shows_what_happened_but_no_names(engine, org, sweep, console):
    """summary: the snippet and messages stay, the reporter's and the named people's names go."""
    at_level(engine, org, "summary")
    texts, _ = whole_case(engine, sweep, console)
    joined = "\n".join(texts)
    assert names_in(texts) == set()
    assert "touched me at the party" in joined and "WHAT-77" in joined
    assert "MESSAGE-88" in joined and "NOTE-44" in joined
    assert "Personer nevnt: 2 (ledere: 0)" in joined
    assert "WISH-66" not in joined  # wishes and witnesses are for the whole report


def test_full_shows_everything(engine, org, sweep, console):
    """full (unchanged): the whole report, the reporter's name and the relayed message."""
    at_level(engine, org, "full")
    texts, _ = whole_case(engine, sweep, console)
    joined = "\n".join(texts)
    assert names_in(texts) == set(NAMES)
    for fragment in ("WHAT-77", "MESSAGE-88", "NOTE-44", "WISH-66", "Rita Reporter"):
        assert fragment in joined

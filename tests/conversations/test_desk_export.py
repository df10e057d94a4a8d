"""The written record: a case file as Markdown (escaped) and as PDF, read back as text; the
audit log read at the desk and by an auditors' group."""

from __future__ import annotations

import io
import tomllib

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from adapters.console import GROUP_PREFIX
from bot.channels import AdapterChannels
from conversations.desk import case_file, find_font, to_markdown, to_pdf
from conversations.engine import build_engine
from conversations.messages import Inbound
from conversations.org import parse_org
from storage.models import AuditEntry
from storage.vault import Vault
from tests.chat import Chat, the_case
from tests.conftest import NOW, SAMPLES, RecordingConsole
from tests.conversations.test_intake import file_report

REGION = f"{GROUP_PREFIX}region"
TRICKY = "Han sa <b>**ære**</b> [lenke](http://x) | på møtet, og så gikk han. Åsa så det."


@pytest.fixture
def console() -> RecordingConsole:
    console = RecordingConsole()
    console.handler_names = {"handler": "Kari Nilsen"}
    return console


def say(chat: Chat, line: str, user: str = "handler", where: str = REGION) -> list:
    return chat.raw(Inbound("console", user, where, text=line, private=False))


@pytest.fixture
def reference(engine) -> str:
    file_report(Chat(engine, locale="en"), "en", what=TRICKY)
    reference = the_case(engine).reference
    chat = Chat(engine)
    say(chat, f"/ack {reference}")
    say(chat, f"/minutes {reference} 2026-11-19; Kari, Per; Spoke with both")
    return reference


def made(engine, reference: str):
    with engine.sessions() as session, session.begin():
        return case_file(session, engine.desk, reference, "operator:test", NOW)


def test_markdown_case_file_escapes_the_reporter_text(engine, reference):
    """The report is shown as written, but nothing in it is read as Markdown or HTML."""
    document = to_markdown(made(engine, reference))
    assert "saksmappe" in document and "Saksloggen" in document  # the organisation's language
    assert "<b>" not in document and "\\<b\\>" in document
    assert "\\*\\*ære\\*\\*" in document and "\\[lenke\\]" in document
    assert "Kari Nilsen · bekreftet mottatt" in document
    assert "Spoke with both" in document


def test_pdf_case_file_holds_the_text_with_nordic_letters(engine, reference):
    """The PDF, read back with pypdf, holds the report, the handler's name and æøå."""
    pdf = to_pdf(made(engine, reference), find_font())
    assert pdf.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    for fragment in ("på møtet", "Åsa så det", "**ære**", "Kari Nilsen", reference, "Saksloggen"):
        assert fragment in flat, fragment


def test_export_is_refused_in_the_channel_and_given_in_private(engine, reference):
    """/export in the group channel is refused; in a private chat it is the file, audited."""
    chat = Chat(engine)
    (refused,) = say(chat, f"/export {reference}")
    assert refused.only_for == "handler" and "privat" in refused.text
    private = chat.raw(Inbound("console", "handler", "console:dm", text=f"/export {reference}"))
    assert "saksmappe" in private[0].text and "på møtet" in private[0].text
    with engine.sessions() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.allowed).where(AuditEntry.action == "export")
        ).all()
    assert sorted(rows) == [("export", False), ("export", True)]


def test_audit_in_the_channel_names_who_viewed_and_who_was_refused(engine, reference):
    """/audit K-… lists the handler's name and pseudonym, and a stranger's refusal."""
    chat = Chat(engine)
    say(chat, f"/log {reference}")
    say(chat, f"/ack {reference}", user="stranger")
    (answer,) = say(chat, f"/audit {reference}")
    assert "Kari Nilsen [handler:" in answer.text
    assert "log" in answer.text and "avvist (not_member)" in answer.text
    assert "på møtet" not in answer.text  # no content


def test_an_auditors_group_reads_the_audit_and_nothing_else(db, keyring, clock):
    """A group with auditor = true may /audit any case, but not /show or /ack it."""
    with (SAMPLES / "trygg.toml").open("rb") as handle:
        data = tomllib.load(handle)
    data["groups"].append({"id": "revisjon", "name": "Revisjon", "auditor": True})
    org = parse_org(data)
    console = RecordingConsole()
    engine = build_engine(sessionmaker(db), Vault(keyring), org,
                          AdapterChannels(org, [console]), clock=lambda: clock[0])  # fmt: skip
    reporter = Chat(engine, locale="en")
    reporter.send("/start")
    assert "Revisjon" not in reporter.last  # the welcome names only those who read reports
    file_report(reporter, "en", what=TRICKY)
    reference = the_case(engine).reference
    chat = Chat(engine)
    auditors = f"{GROUP_PREFIX}revisjon"
    (answer,) = say(chat, f"/audit {reference}", where=auditors)
    assert reference in answer.text and "på møtet" not in answer.text
    for line in (f"/show {reference}", f"/ack {reference}", f"/log {reference}"):
        (refused,) = say(chat, line, where=auditors)
        assert refused.text.startswith("Det kan jeg ikke hjelpe")
    assert the_case(engine).status == "received"


def test_an_auditors_group_takes_no_reports(org):
    """An auditors' group that covers units is a configuration error naming the key."""
    with (SAMPLES / "trygg.toml").open("rb") as handle:
        data = tomllib.load(handle)
    data["groups"].append({"id": "revisjon", "name": "R", "auditor": True, "units": ["oslo"]})
    with pytest.raises(Exception, match="auditor"):
        parse_org(data)


def test_audit_is_read_in_the_channel_even_at_minimal_detail(db, keyring, org, clock):
    """At `minimal` the channel shows no content, but /audit (which holds none) is answered."""
    minimal = org.model_copy(
        update={"organisation": org.organisation.model_copy(update={"report_detail": "minimal"})}
    )
    console = RecordingConsole()
    engine = build_engine(sessionmaker(db), Vault(keyring), minimal,
                          AdapterChannels(minimal, [console]), clock=lambda: clock[0])  # fmt: skip
    file_report(Chat(engine, locale="en"), "en", what=TRICKY)
    reference = the_case(engine).reference
    chat = Chat(engine)
    (refused,) = say(chat, f"/log {reference}")
    assert refused.only_for == "handler"
    (answer,) = say(chat, f"/audit {reference}")
    assert answer.only_for is None and reference in answer.text and "log" in answer.text


def test_a_character_the_font_lacks_is_shown_as_a_replacement_and_never_logged(
    engine, reference, caplog
):
    """漢字 (not in DejaVu Sans) become U+FFFD in the PDF; the library logs none of it."""
    file = made(engine, reference)
    file.report.append(("Extra", "漢字 og æøå"))
    with caplog.at_level("DEBUG"):
        pdf = to_pdf(file, find_font())
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "漢" not in text and "og æøå" in text
    assert "漢" not in caplog.text


def test_without_a_font_the_error_says_what_to_install(monkeypatch, tmp_path):
    """No configured font and none of the system ones: NoFont names TRYGG_PDF_FONT; a
    configured font that exists is used first."""
    from conversations.desk import NoFont, export

    monkeypatch.setattr(export, "FONTS", (str(tmp_path / "missing.ttf"),))
    with pytest.raises(NoFont, match="TRYGG_PDF_FONT"):
        find_font(str(tmp_path / "also-missing.ttf"))
    mine = tmp_path / "mine.ttf"
    mine.write_bytes(b"")
    assert find_font(str(mine)) == mine

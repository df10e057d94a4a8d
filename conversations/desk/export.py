"""A case file: the report as written, its facts and its whole log, dated, in the
organisation's language, rendered as Markdown (reporter text escaped) or as a PDF (fpdf2)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.cases import (
    ANONYMITY,
    CATEGORIES,
    LEADER,
    RECEIVED_VIA,
    ROLES,
    STATUS,
    audit,
    handler_names,
    read_case,
    who,
)
from conversations.desk.actions import OUTCOMES
from conversations.i18n import N_, Translator
from conversations.when import describe_when
from storage.models import Case

if TYPE_CHECKING:
    from conversations.cases import Notifier
    from conversations.desk.desk import Desk
    from conversations.org import Org
    from storage.vault import Vault


class Reader(Protocol):
    """What a case file is made from: the desk's vault, organisation, notifier and log."""

    vault: Vault
    org: Org
    notifier: Notifier

    def log_text(self, session: Session, case: Case, *, hide_names: bool = False) -> str: ...


# Fonts that cover æøå/åäö, where the common systems install them (TRYGG_PDF_FONT first).
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",  # Fedora, RHEL
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",  # Alpine (font-dejavu)
    "/usr/share/fonts/TTF/DejaVuSans.ttf",  # Arch (ttf-dejavu)
    "/Library/Fonts/Arial Unicode.ttf",  # macOS
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
)


OTHER_VIA = N_("export.via.other")


class NoFont(LookupError):
    """No font that covers the Nordic letters was found for the PDF."""


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A case as a document: a title, when it was made, facts, the report, and the log.

    `report` is (label, text as written) pairs; reporter text is never interpreted, only
    escaped by each renderer.
    """

    title: str
    dated: str
    facts: list[tuple[str, str]]
    report_title: str
    report: list[tuple[str, str]]
    log_title: str
    log: list[tuple[str, str]]  # (the line: when · who · what, its text if any)
    footer: str


def case_file(
    session: Session, desk: Desk, reference: str, actor: str, now: datetime
) -> CaseFile | None:
    """The case `reference` as a case file (None if there is none); the try is audited."""
    case = session.scalar(select(Case).where(Case.reference == reference.upper()))
    if case is None:
        audit(session, actor, "export", now=now, case_ref=reference.upper()[:16], allowed=False,
              reason="unknown_case")  # fmt: skip
        return None
    audit(session, actor, "export", now=now, case_ref=case.reference)
    return build_file(session, desk, case, actor, now)


def build_file(session: Session, desk: Reader, case: Case, actor: str, now: datetime) -> CaseFile:
    """The case file of `case` (the caller has checked and audited the reader)."""
    tr = desk.notifier.desk_tr
    t = tr.t
    group = desk.notifier.group_of(case)
    unit = desk.org.unit(case.unit_id)
    fields = read_case(session, desk.vault, case)
    names = handler_names(session, desk.vault)

    def moment(value: datetime | None) -> str:
        return tr.moment(value) if value else "—"

    status = t(STATUS[case.status])
    if case.outcome:
        status += f" ({t(OUTCOMES[case.outcome]) if case.outcome in OUTCOMES else case.outcome})"
    received = moment(case.received_at)
    if case.received_via:
        received += f" ({t(RECEIVED_VIA.get(case.received_via, OTHER_VIA))})"
    facts = [
        (t("export.group"), group.name),
        (t("field.unit"), unit.name if unit else "—"),
        (t("export.status"), status),
        (t("export.owner"), who(case.owner, names) if case.owner else "—"),
        (t("field.anonymity"), t(ANONYMITY[case.anonymity])),
        (t("field.role"), t(ROLES[case.role])),
        (t("export.category"), t(CATEGORIES.get(case.category or "", "answer.dont_know"))),
        (t("export.received"), received),
        (t("export.acknowledge_by"), moment(case.ack_due_at)),
        (t("export.acknowledged"), moment(case.acknowledged_at)),
        (t("export.feedback_by"), moment(case.feedback_due_at)),
        (t("export.feedback_given"), moment(case.feedback_given_at)),
        (t("export.closed"), moment(case.closed_at)),
        (t("export.legal_hold"), t("answer.yes") if case.legal_hold else t("answer.no")),
    ]
    if "reporter_name" in fields:
        facts.append((t("export.reporter_name"), fields["reporter_name"]))
    reading = json.loads(fields["when_reading"])
    people = [
        t(
            "review.person",
            name=p.get("name") or t("person.unknown"),
            role=p.get("role") or t("answer.dont_know"),
            leader=t(LEADER.get(p.get("leader", "unknown"), "answer.dont_know")),
        )
        for p in json.loads(fields["people"])
    ]
    report = [
        (t("field.what"), fields["what"]),
        (t("field.when"), fields["when_words"] or "—"),
        (t("export.when_reading"), _reading(reading, tr)),
        (t("field.where"), fields["place"] or "—"),
        (t("field.who"), "\n".join(people) or "—"),
        (t("field.witnesses"), fields["witnesses"] or "—"),
        (t("field.wishes"), fields["wishes"] or "—"),
        (t("export.contact"), t("answer.yes") if case.contact_ok else t("answer.no")),
    ]
    log: list[tuple[str, str]] = []
    for line in desk.log_text(session, case).splitlines()[1:]:
        if line.startswith("    ") and log:
            head, text = log[-1]
            log[-1] = (head, (text + "\n" if text else "") + line.strip())
        else:
            log.append((line, ""))
    return CaseFile(
        title=t("export.title", organisation=desk.org.organisation.name, reference=case.reference),
        dated=t("export.dated", moment=tr.moment(now), name=who(actor, names)),
        facts=facts,
        report_title=t("export.report"),
        report=report,
        log_title=t("export.log"),
        log=log,
        footer=t("export.footer"),
    )


def _reading(reading: dict[str, object], tr: Translator) -> str:
    """The bot's reading of "when", as the reporter confirmed it ("—": none)."""
    return "—" if reading.get("kind") in (None, "unknown") else describe_when(reading, tr)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~!])")


def escape_markdown(text: str) -> str:
    """Text shown as written: every character Markdown (or HTML in it) would act on is escaped."""
    return _MARKDOWN.sub(r"\\\1", text.replace("&", "&amp;"))


def to_markdown(file: CaseFile) -> str:
    """The case file as Markdown; all text from people is escaped, line breaks kept."""

    def block(text: str) -> list[str]:
        return [f"> {escape_markdown(line)}" if line else ">" for line in text.splitlines()]

    lines = [f"# {escape_markdown(file.title)}", "", f"_{escape_markdown(file.dated)}_", ""]
    lines += ["| | |", "| --- | --- |"]
    lines += [
        f"| {escape_markdown(k)} | {escape_markdown(v).replace(chr(10), ' ')} |"
        for k, v in file.facts
    ]
    lines += ["", f"## {escape_markdown(file.report_title)}", ""]
    for label, text in file.report:
        lines += [f"**{escape_markdown(label)}**", "", *block(text), ""]
    lines += [f"## {escape_markdown(file.log_title)}", ""]
    for head, text in file.log:
        lines.append(f"- {escape_markdown(head)}")
        lines += [f"  {line}" for line in block(text)]
    lines += ["", f"_{escape_markdown(file.footer)}_", ""]
    return "\n".join(lines)


def find_font(configured: str | None = None) -> Path:
    """A TrueType font that covers æøå/åäö: `configured` (TRYGG_PDF_FONT), else a system one."""
    for candidate in (configured, *FONTS):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise NoFont(
        "no font for the PDF (it needs one that covers æøå/åäö): install DejaVu Sans "
        "(fonts-dejavu-core) or set TRYGG_PDF_FONT to a .ttf file"
    )


def to_pdf(file: CaseFile, font: Path) -> bytes:
    """The case file as a PDF (fpdf2), in `font`; text is written as text, never markup."""
    from fpdf import FPDF  # imported here: only exports need it
    from fpdf.fonts import TTFFont

    pdf = FPDF(format="A4")
    pdf.set_title(file.title)
    pdf.set_creator("Trygg")
    pdf.add_font("body", "", str(font))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    body = pdf.fonts["body"]
    known = body.cmap if isinstance(body, TTFFont) else {}

    def shown(value: str) -> str:
        # A character the font lacks becomes U+FFFD (visible) rather than a blank, and the
        # library never logs it (its warning would name the characters of a report).
        return "".join(c if ord(c) in known or c in "\n\t" else "\ufffd" for c in value)

    def text(value: str, size: float = 10, gap: float = 1.5) -> None:
        pdf.set_font("body", size=size)
        pdf.multi_cell(0, size * 0.5, shown(value), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    text(file.title, 16, 2)
    text(file.dated, 9, 4)
    for label, value in file.facts:
        text(f"{label}: {value}", 10, 0.5)
    pdf.ln(4)
    text(file.report_title, 13, 2)
    for label, value in file.report:
        text(label, 11, 0.5)
        text(value, 10, 2)
    pdf.ln(2)
    text(file.log_title, 13, 2)
    for head, value in file.log:
        text(head + (f"\n    {value}" if value else ""), 9, 1)
    pdf.ln(4)
    text(file.footer, 8)
    return bytes(pdf.output())

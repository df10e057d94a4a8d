"""The handler desk: a handler's requests parsed, checked against membership, acted on and
audited; a case file as Markdown or PDF."""

from __future__ import annotations

from conversations.desk.desk import Desk
from conversations.desk.export import CaseFile, NoFont, case_file, find_font, to_markdown, to_pdf
from conversations.desk.recorded import Recorded, record_report
from conversations.desk.requests import Request, parse

__all__ = [
    "CaseFile",
    "Desk",
    "NoFont",
    "Recorded",
    "Request",
    "case_file",
    "find_font",
    "parse",
    "record_report",
    "to_markdown",
    "to_pdf",
]

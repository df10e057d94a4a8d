"""The handler desk: a handler's requests parsed, checked against membership, acted on and
audited; a case exported as Markdown."""

from __future__ import annotations

from conversations.desk.desk import Desk
from conversations.desk.export import export_case
from conversations.desk.requests import Request, parse

__all__ = ["Desk", "Request", "export_case", "parse"]

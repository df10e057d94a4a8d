"""Time reading: the reporter's everyday words ("sist torsdag", "i julas") read into dates,
and the reading told back in plain words."""

from __future__ import annotations

from conversations.when.describe import describe_when, words_and_reading
from conversations.when.finding import find_when
from conversations.when.reading import Kind, When, read_when

__all__ = ["Kind", "When", "describe_when", "find_when", "read_when", "words_and_reading"]

"""Tests for reading the reporter's words about when something happened."""

from __future__ import annotations

from datetime import datetime

import pytest

from conversations.when import read_when
from tests.conversations.when_corpus import CORPUS, NOW


@pytest.mark.parametrize(("language", "words", "kind", "start", "end"), CORPUS)
def test_reads_everyday_expressions(language, words, kind, start, end):
    """Each everyday expression is read into the expected kind and dates."""
    reading = read_when(words, language, NOW)
    assert (reading.kind, reading.start, reading.end) == (kind, start, end)


def test_keeps_the_reporters_words():
    """The words are kept exactly as written, whatever the reading."""
    assert read_when("  sist torsdag, tror jeg  ", "nb", NOW).words == "sist torsdag, tror jeg"


def test_empty_words_are_unknown():
    """Empty or blank text reads as unknown rather than failing."""
    assert read_when("   ", "nb", NOW).kind == "unknown"


def test_never_reads_a_future_date():
    """A date later than now is not offered as a reading of the past."""
    reading = read_when("i desember", "nb", NOW)
    assert reading.start is not None and reading.start.year == 2025


def test_counts_from_the_given_now():
    """The same words read relative to another day give another date."""
    later = read_when("i går", "nb", datetime(2027, 1, 1, 9, 0))
    assert (later.start, later.end) == (datetime(2026, 12, 31).date(),) * 2


def test_weekday_on_that_same_weekday_means_a_week_ago():
    """'Last Wednesday' said on a Wednesday is the Wednesday a week before."""
    reading = read_when("last Wednesday", "en", NOW)
    assert reading.start == datetime(2026, 11, 11).date()

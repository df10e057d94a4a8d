"""What the reading rules share: word edges that know the Nordic letters, and day spans."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from datetime import date

from conversations.when import words as w

Span = tuple[date, date]
Occurrence = Callable[[int], Span]
Rule = Callable[[str, date], Span | None]

B = r"(?<![\wåäöæø])"  # word edges that know the Nordic letters
E = r"(?![\wåäöæø])"


def alt(words: Iterable[str]) -> str:
    """A regex alternation of the words, the longest first."""
    return "(?:" + "|".join(re.escape(x) for x in sorted(words, key=len, reverse=True)) + ")"


def phrase(words: Iterable[str]) -> re.Pattern[str]:
    """Any of the words, matched whole."""
    return re.compile(B + alt(words) + E)


def number(name: str) -> str:
    """A count in digits or words, captured as `name`."""
    return rf"(?P<{name}>\d{{1,3}}|{alt(w.NUMBERS)})"


def count(word: str) -> int:
    return int(word) if word.isdigit() else w.NUMBERS[word]


LAST = alt(w.LAST)
LAST_YEAR = phrase(w.LAST_YEAR)
THIS_YEAR = phrase(w.THIS_YEAR)
YEAR = re.compile(B + r"(?P<y>(?:19|20)\d\d)" + E)


def month_span(year: int, month: int) -> Span:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def day(year: int, month: int, day_of_month: int) -> Span | None:
    try:
        value = date(year, month, day_of_month)
    except ValueError:
        return None
    return value, value


def latest_day(month: int, day_of_month: int, today: date, year: int | None) -> Span | None:
    """A day of the given year, or its latest occurrence that is not in the future."""
    if year is not None:
        return day(year, month, day_of_month)
    span = day(today.year, month, day_of_month)
    if span and span[0] > today:
        span = day(today.year - 1, month, day_of_month)
    return span


def recent(occurrence: Occurrence, today: date, ended: bool = False) -> Span:
    """The latest occurrence that has begun (or, with `ended`, that is over) by today."""
    year = today.year + 1
    while True:
        start, end = occurrence(year)
        if (end < today) if ended else (start <= today):
            return start, end
        year -= 1


def year_hint(text: str, today: date) -> int | None:
    if match := YEAR.search(text):
        return int(match["y"])
    if LAST_YEAR.search(text):
        return today.year - 1
    if THIS_YEAR.search(text):
        return today.year
    return None

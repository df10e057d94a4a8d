"""Reading rules for named times: dates, months, holidays, seasons, years, and parts of them
("3. mai", "i mars", "julaften", "i somras", "early last year")."""

from __future__ import annotations

import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from conversations.when import words as w
from conversations.when.holidays import CALENDAR
from conversations.when.text import (
    LAST,
    B,
    E,
    Occurrence,
    Span,
    alt,
    day,
    latest_day,
    month_span,
    phrase,
    recent,
    year_hint,
)

MONTH = rf"(?P<month>{alt(w.MONTHS)})"
DAY_MONTH = re.compile(rf"{B}(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?\s+(?:of\s+)?{MONTH}{E}")
MONTH_DAY = re.compile(rf"{B}{MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{E}(?!\s*\d{{3}})")
NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})(?:[./-](\d{2,4}))?(?![\d/])")
ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
NAMED_MONTH = re.compile(rf"{B}{MONTH}{E}")
ENGLISH_MAY = re.compile(
    r"\b(?:in|of|since|early|late|mid|last|this|from|during|until|to|and)\s+may\b"
    r"|\bmay\s+(?:(?:19|20)\d\d|last|this)\b|^may$"
)
PARTS = (
    ("early", phrase(w.MONTH_EARLY)),
    ("mid", phrase(w.MONTH_MID)),
    ("late", phrase(w.MONTH_LATE)),
)
# A part said first ("early last year", "i slutten av forrige uke"): not "late one evening".
_PERIOD_STARTS = (
    *w.LAST,
    *w.BEFORE_LAST_WORDS,
    "this",
    "denne",
    "denna",
    "detta",
    "den",
    "i",
    "in",
    "of",
    "av",
    "på",
    "the",
    "fjor",
    "fjol",
    "fjoråret",
    "året",
    "year",
    "week",
    "uka",
    "uken",
    "veckan",
    "month",
    "måneden",
    "månaden",
    *(x.split()[-1] for words, _, _ in w.SEASONS for x in words),
)
PART_FIRST = re.compile(
    r"^(?:(?:it was|det var|sometime|some time|around|rundt|runt|omkring|ca\.?)\s+)*"
    r"(?:in\s+the\s+|in\s+|at\s+the\s+|the\s+|på\s+|i\s+)?"
    rf"(?P<p>{alt(w.MONTH_EARLY + w.MONTH_MID + w.MONTH_LATE)})\s+"
    rf"(?:{alt(_PERIOD_STARTS)}{E}|(?:19|20)\d\d)"
)
# "Before Christmas", "like etter påske", "veckan innan jul": a time beside the named one, not it.
BESIDE = re.compile(
    rf"{B}(?:before|after|før|etter|efter|innan|före|inför|frem mot|fram mot|leading up to)"
    r"\s+(?:the\s+)?$"
)
# "i vår" is also "in our" ("i vår avdeling"): spring only when no noun follows.
_NOT_A_NOUN = ("tror", "kanskje", "en", "i", "på", "vel", "eller", "og", "tidlig", "sent", "da")
AFTER_OUR = re.compile(rf"^\s*(?:$|\.|{alt(_NOT_A_NOUN)}{E})")


def plainly(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match that is said plainly: not "before" or "after" it, not "i vår" + noun."""
    for m in pattern.finditer(text):
        if BESIDE.search(text[: m.start()]):
            continue
        if m.group().endswith("vår") and not AFTER_OUR.search(text[m.end() :]):
            continue
        return m
    return None


HOLIDAYS = tuple((phrase(words), occurrence) for words, occurrence in CALENDAR)
_DAY_WORDS = set(w.WEEKDAYS) | set(w.MONTHS)
# Holidays named with a weekday or a month ("Black Friday", "17. mai", "Easter Monday"): read
# before the weekday or the date in their name.
DAY_NAMED_HOLIDAYS = tuple(
    (phrase(names), occurrence)
    for words, occurrence in CALENDAR
    if (names := [x for x in words if _DAY_WORDS & set(x.split())])
)
# Holidays that are themselves a range ("between Christmas and New Year").
RANGE_HOLIDAYS = phrase(
    x for words, _ in CALENDAR for x in words if set(x.split()) & set(w.RANGE_FROM)
)
LAST_BEFORE = re.compile(rf"{B}{LAST}\s")


def _season_of(first_month: int) -> Occurrence:
    def occurrence(year: int) -> Span:
        start = date(year, first_month, 1)
        return start, start + relativedelta(months=3) - timedelta(days=1)

    return occurrence


SEASONS = tuple((phrase(words), _season_of(month), ended) for words, month, ended in w.SEASONS)


def part_said_first(text: str) -> str | None:
    """'early', 'mid' or 'late' when the text begins with such a part of a period."""
    m = PART_FIRST.search(text)
    if not m:
        return None
    said = m["p"]
    return next(name for name, words in PARTS if words.fullmatch(said))


def part_of(span: Span, part: str) -> Span:
    """A third of a span: of a month 1-10, 11-20, 21-end; of whole months (a season, a year)
    the first, middle or last third of its months; of other spans (a week), a third of its days."""
    start, end = span
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    whole_months = start.day == 1 and (end + timedelta(days=1)).day == 1
    if start.day == 1 and months == 1:  # a month, or this month so far
        first, last = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}[part]
        if first > end.day:
            return span
        return start.replace(day=first), start.replace(day=min(last, end.day))
    if whole_months:
        k = max(1, round(months / 3))
        if part == "early":
            return start, start + relativedelta(months=k) - timedelta(days=1)
        if part == "late":
            return start + relativedelta(months=months - k), end
        last_month = start + relativedelta(months=months - k)
        return start + relativedelta(months=k), last_month - timedelta(days=1)
    days = (end - start).days + 1
    if days == 7 and start.weekday() == 0:  # a week: early Mon-Wed, mid Tue-Thu, late Thu-Sun
        first, last = {"early": (0, 2), "mid": (1, 3), "late": (3, 6)}[part]
        return start + timedelta(days=first), start + timedelta(days=last)
    k = -(-days // 3)
    if part == "early":
        return start, start + timedelta(days=k - 1)
    if part == "late":
        return end - timedelta(days=k - 1), end
    middle = start + timedelta(days=(days - k) // 2)
    return middle, middle + timedelta(days=k - 1)


def iso(text: str, today: date) -> Span | None:
    m = ISO.search(text)
    return day(int(m[1]), int(m[2]), int(m[3])) if m else None


def numeric(text: str, today: date) -> Span | None:
    """Day-first numeric dates, as written in all three languages: 12.03.2025, 12/3, 1.11."""
    m = NUMERIC.search(text)
    if not m:
        return None
    year = (int(m[3]) + (2000 if len(m[3]) == 2 else 0)) if m[3] else None
    return latest_day(int(m[2]), int(m[1]), today, year)


def day_month(text: str, today: date) -> Span | None:
    """'3. mai', '3 maj 2025', '3rd of May', 'May 3rd'."""
    m = plainly(DAY_MONTH, text) or plainly(MONTH_DAY, text)
    if not m:
        return None
    return latest_day(w.MONTHS[m["month"]], int(m["d"]), today, year_hint(text, today))


def named_month(text: str, today: date) -> Span | None:
    m = plainly(NAMED_MONTH, text)
    if not m or (m["month"] == "may" and not ENGLISH_MAY.search(text)):
        return None  # "it may be" is not May
    month = w.MONTHS[m["month"]]
    year = year_hint(text, today)
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    span = month_span(year, month)
    part = next((name for name, pattern in PARTS if pattern.search(text)), None)
    return part_of(span, part) if part else span


def day_named_holiday(text: str, today: date) -> Span | None:
    return _holiday(text, today, DAY_NAMED_HOLIDAYS)


def holiday(text: str, today: date) -> Span | None:
    return _holiday(text, today, HOLIDAYS)


def _holiday(
    text: str, today: date, holidays: tuple[tuple[re.Pattern[str], Occurrence], ...]
) -> Span | None:
    for pattern, occurrence in holidays:
        if plainly(pattern, text):
            year = year_hint(text, today)
            if year is not None:
                return occurrence(year)
            return recent(occurrence, today, ended=bool(LAST_BEFORE.search(text)))
    return None


def season(text: str, today: date) -> Span | None:
    for pattern, occurrence, ended in SEASONS:
        if plainly(pattern, text):
            year = year_hint(text, today)
            if year is not None:
                # "winter 2024" is the one that ends in 2024's first months.
                return occurrence(year - 1 if occurrence(year)[0].month == 12 else year)
            return recent(occurrence, today, ended=ended)
    return None


def year(text: str, today: date) -> Span | None:
    found = year_hint(text, today)
    return (date(found, 1, 1), date(found, 12, 31)) if found is not None else None

"""Reads everyday time expressions (nb, sv, en) into a date, a period, 'ongoing' or 'repeated'.

The reporter's own words are always kept; the reading is only shown back for confirmation.
Rules cover what people actually say ("sist torsdag", "i julas", "around Easter", "since
March"); dateparser reads the explicit dates the rules leave ("3. mai 2025", "May 3rd").
"""

from __future__ import annotations

import calendar
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import dateparser
from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

from conversations.when import words as w

Kind = Literal["date", "period", "ongoing", "repeated", "unknown"]
Span = tuple[date, date]
Occurrence = Callable[[int], Span]


@dataclass(frozen=True, slots=True)
class When:
    """A reading of the reporter's words; `start`/`end` are equal for one day."""

    kind: Kind
    start: date | None
    end: date | None
    words: str


B = r"(?<![\wåäöæø])"  # word edges that know the Nordic letters
E = r"(?![\wåäöæø])"


def _alt(words: Iterable[str]) -> str:
    return "(?:" + "|".join(re.escape(x) for x in sorted(words, key=len, reverse=True)) + ")"


def _phrase(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(B + _alt(words) + E)


NUM = rf"(?P<n>\d{{1,3}}|{_alt(w.NUMBERS)})"
MONTH = rf"(?P<month>{_alt(w.MONTHS)})"
LAST = _alt(w.LAST)
ONGOING = _phrase(w.ONGOING)
REPEATED = _phrase(w.REPEATED)
SINCE = re.compile(B + _alt(w.SINCE) + r"\s+(?P<rest>.+)")
AGO = re.compile(
    rf"{B}(?:for\s+|för\s+)?(?:{_alt(w.APPROXIMATELY)}\s+)?{NUM}\s+(?P<u>{_alt(w.UNITS)})\s+"
    rf"{_alt(w.AGO)}{E}"
)
LAST_YEAR = _phrase(w.LAST_YEAR)
THIS_YEAR = _phrase(w.THIS_YEAR)
YEAR = re.compile(B + r"(?P<y>(?:19|20)\d\d)" + E)
DAY_MONTH = re.compile(rf"{B}(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?\s+(?:of\s+)?{MONTH}{E}")
MONTH_DAY = re.compile(rf"{B}{MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{E}(?!\s*\d{{3}})")
NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})(?:[./-](\d{2,4}))?(?![\d/])")
ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
WEEKDAY = re.compile(rf"{B}(?P<wd>{_alt(w.WEEKDAYS)})(?:en|s)?{E}")
LAST_WEEK = re.compile(rf"{B}{LAST}\s+{_alt(w.WEEK)}{E}")
THIS_WEEK = _phrase(w.THIS_WEEK)
WEEKEND = re.compile(rf"{B}(?:{LAST}\s+|this\s+|i\s+|at the\s+|on the\s+)?{_alt(w.WEEKEND)}{E}")
LAST_MONTH = re.compile(rf"{B}(?:{LAST}|i forrige|i förra)\s+{_alt(w.MONTH_WORD)}{E}")
THIS_MONTH = re.compile(
    rf"{B}(?:this|denne|den här|i denne|i denna|denna)\s+"
    rf"{_alt(w.MONTH_WORD)}{E}"
)
MONTH_PARTS = (
    ("early", _phrase(w.MONTH_EARLY)),
    ("mid", _phrase(w.MONTH_MID)),
    ("late", _phrase(w.MONTH_LATE)),
)
ENGLISH_MAY = re.compile(
    r"\b(?:in|of|since|early|late|mid|last|this|from|during)\s+may\b"
    r"|\bmay\s+(?:(?:19|20)\d\d|last|this)\b|^may$"
)
RELATIVE_DAYS = tuple((_phrase(words), back) for words, back in w.RELATIVE_DAYS)


def _month_span(year: int, month: int) -> Span:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _day(year: int, month: int, day: int) -> Span | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value, value


def _latest_day(month: int, day: int, today: date, year: int | None) -> Span | None:
    """A day of the given year, or its latest occurrence that is not in the future."""
    if year is not None:
        return _day(year, month, day)
    span = _day(today.year, month, day)
    if span and span[0] > today:
        span = _day(today.year - 1, month, day)
    return span


def _recent(occurrence: Occurrence, today: date, ended: bool = False) -> Span:
    """The latest occurrence that has begun (or, with `ended`, that is over) by today."""
    year = today.year + 1
    while True:
        start, end = occurrence(year)
        if (end < today) if ended else (start <= today):
            return start, end
        year -= 1


def _year_hint(text: str, today: date) -> int | None:
    if match := YEAR.search(text):
        return int(match["y"])
    if LAST_YEAR.search(text):
        return today.year - 1
    if THIS_YEAR.search(text):
        return today.year
    return None


# --- rules: each takes the normalised text and today, and returns a span or None -----------


def _iso(text: str, today: date) -> Span | None:
    m = ISO.search(text)
    return _day(int(m[1]), int(m[2]), int(m[3])) if m else None


def _numeric(text: str, today: date) -> Span | None:
    """Day-first numeric dates, as written in all three languages: 12.03.2025, 12/3, 1.11."""
    m = NUMERIC.search(text)
    if not m:
        return None
    year = (int(m[3]) + (2000 if len(m[3]) == 2 else 0)) if m[3] else None
    return _latest_day(int(m[2]), int(m[1]), today, year)


def _day_month(text: str, today: date) -> Span | None:
    """'3. mai', '3 maj 2025', '3rd of May', 'May 3rd'."""
    m = DAY_MONTH.search(text) or MONTH_DAY.search(text)
    if not m:
        return None
    return _latest_day(w.MONTHS[m["month"]], int(m["d"]), today, _year_hint(text, today))


def _ago(text: str, today: date) -> Span | None:
    m = AGO.search(text)
    if not m:
        return None
    n = int(m["n"]) if m["n"].isdigit() else w.NUMBERS[m["n"]]
    unit = w.UNITS[m["u"]]
    if unit == "d":
        day = today - timedelta(days=n)
        return day, day
    if unit == "w":
        day = today - timedelta(weeks=n)
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if unit == "m":
        then = today - relativedelta(months=n)
        return _month_span(then.year, then.month)
    return date(today.year - n, 1, 1), date(today.year - n, 12, 31)


def _relative_day(text: str, today: date) -> Span | None:
    for pattern, back in RELATIVE_DAYS:
        if pattern.search(text):
            day = today - timedelta(days=back)
            return day, day
    return None


def _weekday(text: str, today: date) -> Span | None:
    """The latest such weekday before today ('on Thursday' said on a Thursday: a week ago)."""
    m = WEEKDAY.search(text)
    if not m:
        return None
    day = today - timedelta(days=(today.weekday() - w.WEEKDAYS[m["wd"]]) % 7 or 7)
    return day, day


def _week(text: str, today: date) -> Span | None:
    monday = today - timedelta(days=today.weekday())
    if LAST_WEEK.search(text):
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if THIS_WEEK.search(text):
        return monday, today
    if WEEKEND.search(text):
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        return saturday, min(saturday + timedelta(days=1), today)
    return None


def _month_words(text: str, today: date) -> Span | None:
    first_of_this = today.replace(day=1)
    if LAST_MONTH.search(text):
        prev = first_of_this - timedelta(days=1)
        return _month_span(prev.year, prev.month)
    if THIS_MONTH.search(text):
        return first_of_this, today
    return None


def _named_month(text: str, today: date) -> Span | None:
    m = re.search(rf"{B}{MONTH}{E}", text)
    if not m or (m["month"] == "may" and not ENGLISH_MAY.search(text)):
        return None  # "it may be" is not May
    month = w.MONTHS[m["month"]]
    year = _year_hint(text, today)
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    start, end = _month_span(year, month)
    part = next((name for name, pattern in MONTH_PARTS if pattern.search(text)), None)
    if part == "early":
        end = date(year, month, 10)
    elif part == "mid":
        start, end = date(year, month, 11), date(year, month, 20)
    elif part == "late":
        start = date(year, month, 21)
    return start, end


def _fixed(month: int, first: int, last_month: int, last: int) -> Occurrence:
    def occurrence(year: int) -> Span:
        end_year = year + 1 if last_month < month else year
        return date(year, month, first), date(end_year, last_month, last)

    return occurrence


def _easter(year: int) -> Span:
    """Palm Sunday to Easter Monday."""
    sunday = easter(year)
    return sunday - timedelta(days=7), sunday + timedelta(days=1)


def _season_of(first_month: int) -> Occurrence:
    def occurrence(year: int) -> Span:
        start = date(year, first_month, 1)
        return start, start + relativedelta(months=3) - timedelta(days=1)

    return occurrence


HOLIDAYS: tuple[tuple[re.Pattern[str], Occurrence], ...] = (
    (_phrase(w.CHRISTMAS_PARTY), _fixed(12, 1, 12, 23)),
    (_phrase(w.NEW_YEAR), _fixed(12, 31, 1, 1)),
    (_phrase(w.CHRISTMAS), _fixed(12, 20, 1, 1)),
    (_phrase(w.EASTER), _easter),
    (_phrase(w.MIDSUMMER), _fixed(6, 19, 6, 26)),
    (_phrase(w.SUMMER_PARTY), _fixed(6, 1, 6, 30)),
    (_phrase(w.NATIONAL_DAY_NB), _fixed(5, 17, 5, 17)),
    (_phrase(w.WINTER_BREAK), _fixed(2, 15, 3, 10)),
    (_phrase(w.AUTUMN_BREAK), _fixed(10, 1, 11, 5)),
)
SEASONS = tuple((_phrase(words), _season_of(month), ended) for words, month, ended in w.SEASONS)
LAST_BEFORE = re.compile(rf"{B}{LAST}\s")


def _holiday(text: str, today: date) -> Span | None:
    for pattern, occurrence in HOLIDAYS:
        if pattern.search(text):
            year = _year_hint(text, today)
            if year is not None:
                return occurrence(year)
            return _recent(occurrence, today, ended=bool(LAST_BEFORE.search(text)))
    return None


def _season(text: str, today: date) -> Span | None:
    for pattern, occurrence, ended in SEASONS:
        if pattern.search(text):
            year = _year_hint(text, today)
            if year is not None:
                # "winter 2024" is the one that ends in 2024's first months.
                return occurrence(year - 1 if occurrence(year)[0].month == 12 else year)
            return _recent(occurrence, today, ended=ended)
    return None


def _year(text: str, today: date) -> Span | None:
    year = _year_hint(text, today)
    return (date(year, 1, 1), date(year, 12, 31)) if year is not None else None


RULES: tuple[Callable[[str, date], Span | None], ...] = (
    _iso, _numeric, _day_month, _ago, _relative_day, _weekday, _week, _month_words,
    _named_month, _holiday, _season, _year,
)  # fmt: skip


def _anchor(text: str, today: date) -> Span | None:
    for rule in RULES:
        span = rule(text, today)
        if span is not None:
            return span
    return None


def _dateparser(text: str, language: str, now: datetime) -> Span | None:
    """What the rules leave: explicit dates in any of the three languages."""
    languages = [language] + [x for x in ("nb", "sv", "en") if x != language]
    settings = {
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month"],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser warns about its own use of pytz
        found = dateparser.parse(text, languages=languages, settings=settings)
    if found is None or found.date() > now.date():
        return None
    return found.date(), found.date()


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("`", "'")
    text = re.sub(r"[!?,;:()\"]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def read_when(text: str, language: str, now: datetime) -> When:
    """Read the reporter's words about when it happened, relative to `now` (their local time)."""
    return read_words(text, language, now, explicit_dates=True)


def read_words(text: str, language: str, now: datetime, *, explicit_dates: bool) -> When:
    """`read_when`, with dateparser's reading of explicit dates only when `explicit_dates`."""
    words = text.strip()
    plain = normalise(words)
    today = now.date()
    if not plain:
        return When("unknown", None, None, words)
    ongoing = bool(ONGOING.search(plain))
    repeated = bool(REPEATED.search(plain))
    since = SINCE.search(AGO.sub(" ", plain))  # "for 2 uker siden" is "ago", not "since"
    anchor = _anchor(since["rest"], today) if since else None
    if since and anchor:
        kind: Kind = "repeated" if repeated and not ongoing else "ongoing"
        return When(kind, min(anchor[0], today), today, words)
    anchor = _anchor(plain, today)
    if anchor is None and explicit_dates and not (ongoing or repeated):
        anchor = _dateparser(plain, language, now)
    if anchor is not None:
        anchor = None if anchor[0] > today else (anchor[0], min(anchor[1], today))
    if ongoing:
        return When("ongoing", anchor[0] if anchor else None, today, words)
    if repeated:
        if anchor is None:
            return When("repeated", None, None, words)
        return When("repeated", anchor[0], anchor[1], words)
    if anchor is None:
        return When("unknown", None, None, words)
    start, end = anchor
    return When("date" if start == end else "period", start, end, words)

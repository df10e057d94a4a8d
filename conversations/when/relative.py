"""Reading rules for times counted back from today: "i går", "for tre uker siden", "last Friday",
"the week before last", "the past two weeks", "den 3."."""

from __future__ import annotations

import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from conversations.when import words as w
from conversations.when.text import (
    LAST,
    B,
    E,
    Span,
    alt,
    count,
    day,
    month_span,
    number,
    phrase,
)

AGO = re.compile(
    rf"{B}(?:for\s+|för\s+)?(?P<about>{alt(w.APPROXIMATELY)}\s+)?{number('n')}\s+"
    rf"(?P<u>{alt(w.UNITS)})\s+{alt(w.AGO)}{E}"
)
ROLLING = re.compile(
    rf"{B}(?:(?:the|den|de|det)\s+(?:last|past|siste|senaste|sista)|past|senaste|sista)\s+"
    rf"(?:{number('n')}\s+)?(?P<u>{alt(w.SPAN_UNITS)}){E}"
)
WEEKDAY = re.compile(rf"{B}(?P<wd>{alt(w.WEEKDAYS)})(?:en|s)?{E}")
WEEK_WORD = re.compile(rf"{B}{alt(w.WEEK)}{E}")
WEEKEND_WORD = phrase(w.WEEKEND)
MONTH_WORD = phrase(w.MONTH_WORD)
LAST_WEEK = re.compile(rf"{B}{LAST}\s+{alt(w.WEEK)}{E}")
THIS_WEEK = phrase(w.THIS_WEEK)
WEEKEND = re.compile(rf"{B}(?:{LAST}\s+|this\s+|i\s+|at the\s+|on the\s+)?{alt(w.WEEKEND)}{E}")
LAST_MONTH = re.compile(rf"{B}(?:{LAST}|i forrige|i förra)\s+{alt(w.MONTH_WORD)}{E}")
THIS_MONTH = re.compile(
    rf"{B}(?:this|denne|den här|i denne|i denna|denna)\s+{alt(w.MONTH_WORD)}{E}"
    r"|(?:av|of|på|i)\s+(?:måneden|månaden|the month)$"
)
# "the last week of October", "første uka i mars", "sista veckan i maj"
WEEK_OF_MONTH = re.compile(
    rf"{B}(?P<which>first|last|første|siste|sista|första)\s+(?:{alt(w.WEEK)}|uken|uka)\s+"
    rf"(?:of|i|av)\s+(?P<month>{alt(w.MONTHS)}){E}"
)
RELATIVE_DAYS = tuple((phrase(words), back) for words, back in w.RELATIVE_DAYS)
LAST_NIGHT = phrase(w.LAST_NIGHT)
BEFORE_LAST = phrase(w.BEFORE_LAST)
AGAIN = re.compile(
    rf"{B}{LAST}\s+(?:{alt(w.WEEK + w.WEEKEND + w.MONTH_WORD)}|{alt(w.WEEKDAYS)}(?:en)?)\s+"
    rf"{alt(w.AGAIN)}{E}"
)
YEAR_BEFORE_LAST = phrase(w.YEAR_BEFORE_LAST)
FILLERS = r"(?:\s+(?:i think|tror jeg|tror jag|maybe|kanskje|kanske|vel|or so|eller så))?"
INDEFINITE = re.compile(rf"{B}(?:a|an|one|en|ein|ett|ei|some|någon|noen)\s+$")
OF_LAST_MONTH = (
    "of last month",
    "last month",
    "forrige måned",
    "i forrige måned",
    "förra månaden",
    "i förra månaden",
)
BARE_DAY = re.compile(
    rf"^(?:(?:it was|det var|on|på)\s+)?(?:the|den)\s+"
    rf"(?:(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th|:e|:a|e)?|(?P<o>{alt(w.ORDINALS)}))"
    rf"(?P<last>\s+{alt(OF_LAST_MONTH)})?{FILLERS}$"
)


def back(today: date, n: int, unit: str) -> date:
    """The day `n` units before today."""
    if unit == "d":
        return today - timedelta(days=n)
    if unit == "w":
        return today - timedelta(weeks=n)
    if unit == "m":
        return today - relativedelta(months=n)
    return today - relativedelta(years=n)


def _saturday(today: date, weekends_back: int = 1) -> Span:
    """The weekend `weekends_back` before today (1: the latest one that has begun)."""
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 + 7 * (weekends_back - 1))
    return saturday, min(saturday + timedelta(days=1), today)


def ago(text: str, today: date) -> Span | None:
    """About that long ago: "three weeks ago" is 19-23 days back (a tenth either side, at least
    two days; one for days), "a few days ago" two to five days back; up to six days back (without
    "about") is the day itself."""
    m = AGO.search(text)
    if not m:
        return None
    unit = w.UNITS[m["u"]]
    low, high = w.VAGUE_NUMBERS.get(m["n"]) or (count(m["n"]),) * 2
    if unit == "h":
        return _saturday(today, high)[0], _saturday(today, low)[1]
    if unit == "w" and low == high and (named_day := WEEKDAY.search(text)):
        # "tirsdag for to uker siden": that weekday nearest to two weeks back
        then = back(today, low, unit)
        ahead = (w.WEEKDAYS[named_day["wd"]] - then.weekday()) % 7
        found = then + timedelta(days=ahead if ahead < 4 else ahead - 7)
        return (found, found) if found < today else None
    earliest, latest = back(today, high, unit), back(today, low, unit)
    if unit == "d" and high < 7 and not m["about"]:
        return earliest, latest
    least = 2 if unit != "d" else 1
    margin = timedelta(days=max(least, round((today - earliest).days / 10)))
    return earliest - margin, min(latest + margin, today)


def week_of_month(text: str, today: date) -> Span | None:
    """The first or last seven days of a named month."""
    m = WEEK_OF_MONTH.search(text)
    if not m:
        return None
    month = w.MONTHS[m["month"]]
    start, end = month_span(today.year if month <= today.month else today.year - 1, month)
    if m["which"] in ("first", "første", "första"):
        return start, start + timedelta(days=6)
    return end - timedelta(days=6), end


def rolling(text: str, today: date) -> Span | None:
    """ "The past two weeks", "de siste ukene", "senaste månaden": from then until today."""
    m = ROLLING.search(text)
    if not m:
        return None
    n = 1 if m["n"] is None else (w.VAGUE_NUMBERS.get(m["n"]) or (count(m["n"]),) * 2)[1]
    if m["n"] is None and m["u"] in ("dagene", "dagane", "dagarna", "ukene", "ukane"):
        return None  # "de siste ukene" without a count: how many is not said
    return back(today, n, w.SPAN_UNITS[m["u"]]), today


def before_last(text: str, today: date) -> Span | None:
    """ "The week before last", "forrige uke igjen", "förrförra månaden", "i forfjor"."""
    if YEAR_BEFORE_LAST.search(text):
        return date(today.year - 2, 1, 1), date(today.year - 2, 12, 31)
    if not (BEFORE_LAST.search(text) or AGAIN.search(text)):
        return None
    if m := WEEKDAY.search(text):
        last = today - timedelta(days=(today.weekday() - w.WEEKDAYS[m["wd"]]) % 7 or 7)
        return last - timedelta(days=7), last - timedelta(days=7)
    if WEEKEND_WORD.search(text):
        return _saturday(today, 2)
    if WEEK_WORD.search(text):
        monday = today - timedelta(days=today.weekday(), weeks=2)
        return monday, monday + timedelta(days=6)
    if MONTH_WORD.search(text):
        then = today - relativedelta(months=2)
        return month_span(then.year, then.month)
    return None


def relative_day(text: str, today: date) -> Span | None:
    if LAST_NIGHT.search(text):
        return today - timedelta(days=1), today
    for pattern, days in RELATIVE_DAYS:
        if pattern.search(text):
            return today - timedelta(days=days), today - timedelta(days=days)
    return None


def weekday(text: str, today: date) -> Span | None:
    """The latest such weekday before today ('on Thursday' said on a Thursday: a week ago), or
    that weekday of last week or this week when the week is said. "A Friday" is no day."""
    m = WEEKDAY.search(text)
    if not m or INDEFINITE.search(text[: m.start()]):
        return None
    wanted = w.WEEKDAYS[m["wd"]]
    monday = today - timedelta(days=today.weekday())
    if LAST_WEEK.search(text):
        found = monday - timedelta(days=7 - wanted)
    elif THIS_WEEK.search(text):
        found = monday + timedelta(days=wanted)
        if found > today:
            return None
    else:
        found = today - timedelta(days=(today.weekday() - wanted) % 7 or 7)
    return found, found


def week(text: str, today: date) -> Span | None:
    monday = today - timedelta(days=today.weekday())
    if LAST_WEEK.search(text):
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if THIS_WEEK.search(text):
        return monday, today
    if WEEKEND.search(text):
        return _saturday(today)
    return None


def month_words(text: str, today: date) -> Span | None:
    first_of_this = today.replace(day=1)
    if LAST_MONTH.search(text):
        prev = first_of_this - timedelta(days=1)
        return month_span(prev.year, prev.month)
    if THIS_MONTH.search(text):
        return first_of_this, today
    return None


def bare_day(text: str, today: date) -> Span | None:
    """ "On the 3rd", "den 3.", "den tredje": the latest such day of a month, up to today."""
    m = BARE_DAY.search(text)
    if not m:
        return None
    wanted = int(m["d"]) if m["d"] else w.ORDINALS[m["o"]]
    if not 1 <= wanted <= 31:
        return None
    month = today.replace(day=1)
    if m["last"]:
        month = (month - timedelta(days=1)).replace(day=1)
        return day(month.year, month.month, wanted)
    for _ in range(3):  # a 31st is at most two months back
        span = day(month.year, month.month, wanted)
        if span and span[0] <= today:
            return span
        month = (month - timedelta(days=1)).replace(day=1)
    return None

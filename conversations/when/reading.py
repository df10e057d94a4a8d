"""Reads everyday time expressions (nb, sv, en) into a date, a period, 'ongoing' or 'repeated'.

The reporter's own words are always kept; the reading is only shown back for confirmation.
Rules cover what people actually say ("sist torsdag", "i julas", "around Easter", "since
March", "the week before last", "julaften"); dateparser reads the explicit dates the rules leave
("3. mai 2025", "May 3rd"). Words the rules cannot read with confidence are left unread.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import dateparser

from conversations.when import named, relative
from conversations.when import words as w
from conversations.when.spelling import correct
from conversations.when.text import B, E, Rule, Span, alt, phrase

Kind = Literal["date", "period", "ongoing", "repeated", "unknown"]


@dataclass(frozen=True, slots=True)
class When:
    """A reading of the reporter's words; `start`/`end` are equal for one day."""

    kind: Kind
    start: date | None
    end: date | None
    words: str


ONGOING = phrase(w.ONGOING)
HEDGES = phrase(w.HEDGES)
REPEATED = phrase(w.REPEATED)
_ENGLISH_DAYS = [d for d in w.WEEKDAYS if d.endswith("day")]
_NORDIC_DAYS = [d for d in w.WEEKDAYS if not d.endswith("day")]
# "every Friday", "hver fredag", "on Fridays", "på fredager", "om fredagarna"
REPEATED_DAYS = re.compile(
    rf"{B}(?:{alt(w.EVERY)}\s+(?:single\s+|eneste\s+|enda\s+)?{alt(w.WEEKDAYS)}(?:en)?"
    rf"|{alt(_ENGLISH_DAYS)}s|{alt(_NORDIC_DAYS)}(?:er|ar|arna|ene|ane|erne)){E}"
)
SINCE = re.compile(B + alt(w.SINCE) + r"\s+(?P<rest>.+)")
RANGE_FROM = re.compile(rf"{B}{alt(w.RANGE_FROM)}\s+")
RANGE_TO = re.compile(rf"\s+{alt(w.RANGE_TO)}\s+")
NOW = re.compile(rf"^{alt(w.NOW)}$")
DIGIT = re.compile(r"\d")
OR = re.compile(rf"{B}(?P<a>[\w.:]+)\s+(?:or|eller)\s+(?P<b>[\w.:]+){E}")

# Each rule takes the normalised text and today, and returns a span or None; the first wins.
RULES: tuple[Rule, ...] = (
    named.iso, named.numeric, named.day_named_holiday, named.day_month, relative.bare_day,
    relative.week_of_month, relative.before_last, relative.ago,
    relative.rolling, relative.relative_day, relative.weekday, relative.week,
    relative.month_words, named.named_month, named.holiday, named.season, named.year,
)  # fmt: skip
WHOLE_PERIODS = (
    relative.before_last,
    relative.week,
    relative.month_words,
    named.holiday,
    named.season,
    named.year,
)


def _cover(spans: list[Span | None]) -> Span | None:
    """The span that holds them all, or None when one of them is not read."""
    if not spans or any(span is None for span in spans):
        return None
    read = [span for span in spans if span is not None]
    return min(s[0] for s in read), max(s[1] for s in read)


def _only(pattern: re.Pattern[str], word: str, text: str) -> str:
    """The text with every other match of the pattern left out."""
    return pattern.sub(lambda m: m.group() if m.group() == word else "", text)


def _each_named(text: str, today: date) -> Span | None:
    """Two months or two weekdays named without a date ("probably March, possibly April",
    "mandag, kanskje tirsdag"): a span that holds each, not the first alone."""
    if DIGIT.search(text):
        return None
    for pattern in (named.NAMED_MONTH, relative.WEEKDAY):
        said = sorted({m.group() for m in pattern.finditer(text)})
        if len(said) > 1:
            return _cover([_anchor(_only(pattern, word, text), today) for word in said])
    return None


def _anchor(text: str, today: date) -> Span | None:
    if either := OR.search(text):
        # "fredag eller lørdag", "for to eller tre uker siden": a span that holds both
        first = _anchor(text[: either.start()] + either["a"] + text[either.end() :], today)
        second = _anchor(text[: either.start()] + either["b"] + text[either.end() :], today)
        if first and second:
            return min(first[0], second[0]), max(first[1], second[1])
    if both := _each_named(text, today):
        return both
    for rule in RULES:
        span = rule(text, today)
        if span is None:
            continue
        part = named.part_said_first(text) if rule in WHOLE_PERIODS else None
        if part and (span[1] - span[0]).days >= 6:
            span = named.part_of(span, part)
        return span
    return None


def _range(text: str, today: date) -> Span | None:
    """ "Between Easter and summer", "fra januar til nå", "från maj till augusti": from the start
    of the first to the end of the second, the first read as the latest before the second."""
    opening = RANGE_FROM.search(text)
    if not opening or named.RANGE_HOLIDAYS.search(text):
        return None
    rest = text[opening.end() :]
    for joint in RANGE_TO.finditer(rest):
        first, second = rest[: joint.start()], rest[joint.end() :]
        until = (today, today) if NOW.match(second.strip()) else _anchor(second, today)
        if until is None or until[0] > today:
            continue
        since = _anchor(first, until[1])
        if since is not None and since[0] <= until[1]:
            return since[0], min(until[1], today)
    return None


def _dateparser(text: str, language: str, now: datetime) -> Span | None:
    """What the rules leave: explicit dates (with digits) in any of the three languages."""
    if not DIGIT.search(text):
        return None  # without a number dateparser guesses ("forra veckan" became a Wednesday)
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
    text = re.sub(r"[!?,;()\"]|:(?![ea]\b)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def read_when(text: str, language: str, now: datetime) -> When:
    """Read the reporter's words about when it happened, relative to `now` (their local time)."""
    return read_words(text, language, now, free_text=False)


def read_words(text: str, language: str, now: datetime, *, free_text: bool) -> When:
    """`read_when`; with `free_text` (words picked out of a longer text) more careful: no
    guessing at typos and no dateparser."""
    words = text.strip()
    plain = correct(normalise(words), typos=not free_text)
    today = now.date()
    if not plain:
        return When("unknown", None, None, words)
    ongoing = bool(ONGOING.search(plain))
    repeated = bool(REPEATED.search(plain) or REPEATED_DAYS.search(plain))
    # "every Friday for the last month": the span is the month, not the last Friday.
    spans = REPEATED_DAYS.sub(" ", REPEATED.sub(" ", HEDGES.sub(" ", plain)))
    spans = re.sub(r"\s+", " ", spans).strip()
    if between := _range(spans, today):
        kind: Kind = "repeated" if repeated else "date" if between[0] == between[1] else "period"
        return When(kind, between[0], between[1], words)
    since = SINCE.search(relative.AGO.sub(" ", spans))  # "for 2 uker siden" is "ago"
    anchor = _anchor(since["rest"], today) if since else None
    if since and anchor:
        kind = "repeated" if repeated and not ongoing else "ongoing"
        return When(kind, min(anchor[0], today), today, words)
    anchor = _anchor(spans, today)
    if anchor is None and not free_text and not (ongoing or repeated):
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

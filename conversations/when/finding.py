"""Finds a time expression inside a longer free text ("Det skjedde forrige fredag, han …").

Careful by design: a text with no dated expression, with two that disagree, or with only a word
that is also an everyday non-time word ("fall", "i vår avdeling", "3 times") gives None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from conversations.when import words as w
from conversations.when.reading import When, read_words
from conversations.when.relative import BARE_DAY, WEEKDAY
from conversations.when.spelling import correct, known_words
from conversations.when.text import alt

TOKEN = re.compile(
    r"\d{1,4}(?:[./-]\d{1,4}){0,2}(?:st|nd|rd|th|:e|:a)?\.?(?!\w)"
    r"|[^\W\d_]+(?:['\u2019][^\W\d_]+)*\.?"
)
BREAK = re.compile(r"[,;:!?()\"\u201c\u201d\n]|\s[-\u2013\u2014]\s")
CONJUNCTIONS = frozenset({"and", "og", "och", "but", "men", "så"})
EITHER = frozenset({"or", "eller"})  # kept inside a stretch: "fredag eller lørdag"
RANGE_WORDS = frozenset({"between", "mellom", "mellan", "from", "fra", "från", "fram"})
ABBREVIATIONS = frozenset(
    {"st", "ca", "kl", "jan", "feb", "aug", "sep", "sept", "okt", "oct", "nov", "des", "dec",
     "thurs", "thu", "tue", "tues", "mon", "wed", "fri", "sat", "sun", "man", "tir", "tis",
     "ons", "tor", "tors", "fre", "lør", "lör", "søn", "sön", "mnd"}
)  # fmt: skip
# Words that may stretch a found expression at its edges ("forrige" fredag, "i" mars).
MODIFIERS = frozenset(
    {"i", "på", "for", "för", "in", "on", "at", "the", "of", "this", "denne", "denna", "den",
     "det", "om", "during", "under", "rundt", "runt", "around", "about", "omtrent", "cirka",
     "ungefär", "ca", "ca.", "kring", "omkring", "tidlig", "tidigt", "sent", "early", "late",
     "mid", "every", "hver", "varje", "each", "helt", "ända", "allt", "ever"}
    | {x for x in w.LAST}
)  # fmt: skip
# Edge words that say nothing about time, trimmed from the words given back.
GLUE = frozenset({"the", "on", "in", "at", "of", "to", "a", "an", "på", "om", "during", "under"})
# Words that are also everyday non-time words: read only beside a word that makes them time.
AMBIGUOUS: dict[str, frozenset[str]] = {
    "fall": frozenset({"the", "last", "this", "early", "late", "past"}),
    "spring": frozenset({"the", "last", "this", "early", "late", "past"}),
    "vår": frozenset({"forrige", "sist", "fjor", "fjol"}),
    "lucia": frozenset({"på", "at", "on", "i", "around", "rundt", "kring"}),
    "may": frozenset(
        {"in", "of", "since", "early", "late", "mid", "last", "this", "from", "during", "until"}
    ),
}
# What may follow "on the 14th" when it is a day: a pronoun, a conjunction, a preposition.
AFTER_A_DAY = frozenset(
    {"he", "she", "they", "we", "i", "it", "my", "his", "her", "and", "but", "when", "at", "in",
     "after", "before", "during", "han", "hun", "hon", "de", "dei", "vi", "jeg", "jag", "eg",
     "det", "og", "och", "men", "da", "då", "när", "på", "etter", "efter", "før", "före",
     "under", "mens", "medan", "kom", "sa", "tok", "tog", "skjedde", "hände", "happened",
     "var", "was", "klokka", "kl", "kl.", "om"}
)  # fmt: skip
YEAR_ONLY = re.compile(r"(?:19|20)\d\d")
YEAR_CUES = frozenset({"in", "i", "år", "året", "since", "siden", "sedan", "during", "under",
                       "of", "fra", "från", "from", "until", "til", "till"})  # fmt: skip
YEAR_AFTER = re.compile(
    rf"{alt(w.LAST_YEAR + w.THIS_YEAR + w.YEAR_BEFORE_LAST)}|(?:in |i )?(?:19|20)\d\d"
)
PART_NUMERIC = re.compile(r"\d{1,2}[./]\d{1,2}")
NUMERIC_CUES = frozenset({"den", "on", "the", "på", "i", "fra", "från", "from", "since"})


VOCABULARY = known_words() | MODIFIERS


@dataclass(frozen=True, slots=True)
class _Token:
    text: str  # lower case, without a sentence's full stop
    start: int
    end: int


def _is_time_word(token: str) -> bool:
    """A number, a word of the reader's, or a word read as a time on its own ("tirsdagen")."""
    if token[0].isdigit():
        return True
    if token in VOCABULARY or correct(token, typos=False) in VOCABULARY:
        return True
    return bool(read_words(token, "en", datetime(2000, 1, 1), free_text=True).start)


def _runs(text: str) -> list[list[_Token]]:
    """Stretches of consecutive time words, broken at punctuation, sentence ends and 'and'."""
    runs: list[list[_Token]] = []
    current: list[_Token] = []
    previous_end = 0
    for match in TOKEN.finditer(text):
        raw = match.group().lower()
        word = raw.rstrip(".")
        gap = text[previous_end : match.start()]
        if current and BREAK.search(gap):
            runs.append(current)
            current = []
        end = match.end() - (len(raw) - len(word)) if not word[:1].isdigit() else match.end()
        token = _Token(word if not word[:1].isdigit() else raw, match.start(), end)
        if word in CONJUNCTIONS and not any(t.text in RANGE_WORDS for t in current):
            runs.append(current)
            current = []
        elif _is_time_word(word) or (word in EITHER and current):
            current.append(token)
        else:
            runs.append(current)
            current = []
        previous_end = match.end()
        full_stop = raw.endswith(".") and not word[:1].isdigit() and word not in ABBREVIATIONS
        if full_stop:
            runs.append(current)
            current = []
    runs.append(current)
    for run in runs:
        while run and run[-1].text in EITHER:
            run.pop()
    return [run for run in runs if run]


def _phrase(text: str, run: list[_Token], i: int, j: int) -> str:
    return text[run[i].start : run[j - 1].end]


def _same(a: When, b: When) -> bool:
    return (a.kind, a.start, a.end) == (b.kind, b.start, b.end)


def _trustworthy(run: list[_Token], i: int, j: int, text: str) -> bool:
    """False for readings that rest on a word that is often not about time here."""
    words = [t.text for t in run[i:j]]
    before = run[i - 1].text if i > 0 else ""
    for k, word in enumerate(words):
        cues = AMBIGUOUS.get(word)
        if cues is not None:
            context = set(words[:k]) | {before}
            after = text[run[i + k].end :].lstrip()
            ends_sentence = not after or after[0] in ".!?,;"
            dated = word == "may" and k + 1 < len(words) and words[k + 1][:1].isdigit()
            if not (context & cues or dated or (word == "vår" and ends_sentence)):
                return False
    if len(words) == 1 and YEAR_ONLY.fullmatch(words[0]) and before not in YEAR_CUES:
        return False
    said = " ".join(words)
    following = TOKEN.match(text[run[j - 1].end :].lstrip())
    if BARE_DAY.search(said) and following and following.group().lower() not in AFTER_A_DAY:
        return False  # "on the 3rd floor", "den 3. gangen": a number of something else
    if set(words) & RANGE_WORDS and len(WEEKDAY.findall(said)) > 1:
        return False  # "fra mandag til fredag": a working week, not a time it happened
    for k, word in enumerate(words):
        if PART_NUMERIC.fullmatch(word):  # "14.30", "1.5": a time or a number, not a date
            prior = words[k - 1] if k else before
            if prior not in NUMERIC_CUES:
                return False
    return True


MOST_WORDS = 12  # a longer stretch of time words is a list of times, not one


# Small words that change what a time means ("a Friday", "not in March", "before Christmas").
BEARING = frozenset(
    {"a", "an", "one", "en", "ett", "ei", "ein", "some", "noen", "någon", "no", "not", "ikke",
     "inte", "next", "neste", "nästa", "before", "after", "før", "etter", "efter", "innan",
     "före", "until", "til", "till", "since", "siden", "sedan", "ago", "sen"}
)  # fmt: skip


def _droppable(word: str) -> bool:
    """A word of a run that may be left out of its reading: not a number, not one that bears
    on the time."""
    return not (word[0].isdigit() or word in BEARING or word in MODIFIERS or word in w.NUMBERS)


def _longest_read(text: str, run: list[_Token], language: str, now: datetime) -> When | None:
    """A run that is not read whole ("dinner on the 14th"): its longest part that is read, when
    the parts of that length that are read agree."""
    for size in range(len(run) - 1, 0, -1):
        found = [
            (i, read_words(_phrase(text, run, i, i + size), language, now, free_text=True))
            for i in range(len(run) - size + 1)
        ]
        dated = [
            (i, reading)
            for i, reading in found
            if reading.start is not None
            and all(_droppable(t.text) for t in run[:i] + run[i + size :])
        ]
        if dated:
            if any(not _same(reading, dated[0][1]) for _, reading in dated[1:]):
                return None
            i = dated[0][0]
            return _read_run(text, run[i : i + size], language, now)
    return None


def _read_run(text: str, run: list[_Token], language: str, now: datetime) -> When | None:
    whole = read_words(_phrase(text, run, 0, len(run)), language, now, free_text=True)
    if whole.start is None:
        return _longest_read(text, run, language, now) if len(run) > 1 else None
    # The shortest stretch that gives the whole run's reading, then its modifiers.
    best: tuple[int, int] | None = None
    for size in range(1, len(run) + 1):
        for i in range(len(run) - size + 1):
            found = read_words(_phrase(text, run, i, i + size), language, now, free_text=True)
            if _same(found, whole):
                best = (i, i + size)
                break
        if best:
            break
    i, j = best or (0, len(run))  # the whole run is itself a candidate

    def keeps(a: int, b: int) -> bool:
        found = read_words(_phrase(text, run, a, b), language, now, free_text=True)
        return _same(found, whole)

    while i > 0 and run[i - 1].text in MODIFIERS and keeps(i - 1, j):
        if language == "en" and run[i - 1].text == "i":
            break  # "I started in 2019": the pronoun, not Nordic "i"
        i -= 1
    for more in (2, 1):  # "julfesten förra året", "17. mai i fjor": the year said after it
        tail = " ".join(t.text for t in run[j : j + more])
        if j + more <= len(run) and YEAR_AFTER.fullmatch(tail) and keeps(i, j + more):
            j += more
            break
    while j - i > 1 and run[i].text in GLUE and keeps(i + 1, j):
        i += 1
    while j - i > 1 and run[j - 1].text in GLUE and keeps(i, j - 1):
        j -= 1
    if not _trustworthy(run, i, j, text):
        return None
    return When(whole.kind, whole.start, whole.end, _phrase(text, run, i, j))


def find_when(text: str, language: str, now: datetime) -> When | None:
    """The one dated time expression in a free text, read relative to `now`, or None when there
    is none, when two disagree, or when it cannot be read with confidence."""
    runs = _runs(text)
    if any(len(run) > MOST_WORDS for run in runs):
        return None
    readings = [
        reading for run in runs if (reading := _read_run(text, run, language, now)) is not None
    ]
    if not readings or any(not _same(r, readings[0]) for r in readings[1:]):
        return None
    return readings[0]

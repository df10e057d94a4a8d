"""Forgiving spelling: dialect forms, missing Nordic letters and small slips made known words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from conversations.when import words as w
from conversations.when.holidays import CALENDAR

WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Spoken and dialect forms, and abbreviations long enough not to be other words.
ALIASES = {
    "sia": "siden", "morse": "morges",
    "igårkveld": "i går kveld", "ijula": "i jula",
    "thurs": "thursday", "thur": "thursday", "tues": "tuesday", "weds": "wednesday",
    "wednes": "wednesday", "tors": "torsdag", "tirs": "tirsdag", "onsd": "onsdag",
    "chrismas": "christmas",
}  # fmt: skip
# Real words that lie one letter from a time word: never "corrected".
LEAVE = frozenset(
    {"later", "mandat", "julie", "fredrik", "marsh", "mayor", "sister", "weak", "yeah", "years",
     "june", "junior", "augustin", "august", "mari", "marie", "sunda", "monda", "dagen", "dager",
     "siden", "sedan", "hele", "hela", "heller", "vecka", "veckor", "uker", "uken", "uka",
     "siste", "sista", "sist", "første", "forste", "forsta", "hver", "varje", "every", "some",
     "varen", "varer", "frida", "freda", "helen", "karen", "maren", "marta", "martha", "match",
     "matchen", "jaguar", "helsen", "faredag", "torgdag", "fridas", "augusta"}
)  # fmt: skip
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


def fold(word: str) -> str:
    """The word without Nordic letters or accents: 'förra' -> 'forra', 'høstes' -> 'hostes'."""
    plain = word.translate(_FOLD)
    return "".join(c for c in unicodedata.normalize("NFKD", plain) if c.isascii())


def _tokens(phrases: Iterable[str]) -> set[str]:
    return {t for phrase in phrases for t in WORD.findall(phrase.lower())}


def _weekday_forms() -> set[str]:
    forms = {"en", "s", "er", "ar", "ene", "arna", "ane"}
    return {day + form for day in w.WEEKDAYS for form in forms} | set(w.WEEKDAYS)


def _by_fold(content: Iterable[str]) -> dict[str, str]:
    """Folded spelling -> the known word; a folded spelling two words share is left out."""
    folded: dict[str, str] = {}
    clashes: set[str] = set()
    for word in content:
        if len(word) < 5:
            continue
        key = fold(word)
        if key in folded and folded[key] != word:
            clashes.add(key)
        folded[key] = word
    return {k: v for k, v in folded.items() if k not in clashes}


@cache
def _typo_targets() -> dict[str, str]:
    """The words a one-letter slip is corrected to: days, months, "last", weeks. Not holidays
    or seasons: "eastern", "sprint", "kommer" lie one letter from them."""
    content: set[str] = set(w.MONTHS) | _weekday_forms() | set(w.UNITS) | _tokens(w.LAST)
    content |= _tokens(w.WEEK + w.MONTH_WORD + w.BEFORE_LAST_WORDS)
    content |= _tokens(x for words, _ in w.RELATIVE_DAYS for x in words)
    return {k: v for k, v in _by_fold(content).items() if len(k) >= 6 and v != "march"}


@cache
def _targets() -> dict[str, str]:
    """The words a spelling without Nordic letters is read as: all the reader's time words."""
    content = set(_typo_targets().values()) | _tokens(w.LAST_YEAR)
    content |= _tokens(x for words, _, _ in w.SEASONS for x in words)
    content |= _tokens(x for words, _ in CALENDAR for x in words)
    return _by_fold(content)


@cache
def _known() -> frozenset[str]:
    """Every word of every phrase the reader knows, left as it is."""
    phrases: list[str] = []
    for name in dir(w):
        value = getattr(w, name)
        if name.isupper() and isinstance(value, dict):
            phrases += [str(k) for k in value]
        elif name.isupper() and isinstance(value, tuple):
            for item in value:
                if isinstance(item, str):
                    phrases.append(item)
                elif isinstance(item, tuple) and item and isinstance(item[0], tuple):
                    phrases += [str(x) for x in item[0]]
    phrases += [x for words, _ in CALENDAR for x in words]
    return frozenset(_tokens(phrases) | _weekday_forms())


def known_words() -> frozenset[str]:
    """The words the reader knows (for finding time words in a longer text)."""
    return _known()


def _fix(word: str, typos: bool) -> str:
    if word in _known():
        return word
    if word.endswith("'s"):  # "Monday's meeting": the day, not "Mondays"
        return _fix(word[:-2], typos) + "'s"
    if "'" in word:
        return word
    if word in ALIASES:
        return ALIASES[word]
    if len(word) < 4 or word in LEAVE or word in _known():
        return word
    if "aa" in word and (spelt := word.replace("aa", "å")) in _known():
        return spelt  # "i gaar", "paaske": å typed the old way
    key = fold(word)
    if key in _targets():
        return _targets()[key]
    if not typos or len(word) < 5:
        return word
    # one slip, never in the first letter (people rarely mistype that, and "match", "riksdagen"
    # and "middagen" are other words)
    targets = {k: v for k, v in _typo_targets().items() if k[0] == key[0]}
    found = process.extract(key, list(targets), scorer=OSA.distance, score_cutoff=1, limit=5)
    # a six-letter word only by two letters swapped ("fredga"): "sundry" is not "sunday"
    found = [f for f in found if len(f[0]) > 6 or sorted(f[0]) == sorted(key)]
    closest = [known for known, distance, _ in found if distance == found[0][1]] if found else []
    if len(closest) > 1:  # equally close: a swap of two letters ("veckna") before a lost one
        closest = [known for known in closest if len(known) == len(key)]
    return targets[closest[0]] if len(closest) == 1 else word


FORTNIGHT = re.compile(r"\b(?:a\s+)?fortnight\b")


def correct(plain: str, *, typos: bool = True) -> str:
    """Lower-case text with dialect forms, missing letters and (with `typos`) one-letter slips
    made into the words the reader knows; other words are left as they are."""
    return WORD.sub(lambda m: _fix(m.group(), typos), FORTNIGHT.sub("two weeks", plain))

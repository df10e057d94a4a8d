"""How many corpus expressions read_when gets right, against dateparser alone (one run), in
each language, and how many each reads wrong (a reading that is not the expected one, where
leaving the words unread would have been honest)."""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Callable

import dateparser

from conversations.when import read_when
from tests.conversations.when_corpus import CORPUS, NOW

Reading = tuple[str, object, object]


def dateparser_alone(words: str, language: str) -> Reading:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = dateparser.parse(
            words,
            languages=[language],
            settings={"PREFER_DATES_FROM": "past", "RELATIVE_BASE": NOW, "DATE_ORDER": "DMY"},
        )
    if found is None:
        return ("unknown", None, None)
    return ("date", found.date(), found.date())


def ours(words: str, language: str) -> Reading:
    reading = read_when(words, language, NOW)
    return (reading.kind, reading.start, reading.end)


def score(reader: Callable[[str, str], Reading]) -> tuple[Counter[str], Counter[str], float]:
    right: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    started = time.perf_counter()
    for language, words, kind, start, end in CORPUS:
        got = reader(words, language)
        if got == (kind, start, end):
            right[language] += 1
        elif got[0] != "unknown":
            wrong[language] += 1
    return right, wrong, time.perf_counter() - started


def main() -> None:
    total = Counter(language for language, *_ in CORPUS)
    our_right, our_wrong, our_seconds = score(ours)
    their_right, their_wrong, their_seconds = score(dateparser_alone)
    n = len(CORPUS)
    print(f"expressions: {n} ({', '.join(f'{k} {v}' for k, v in sorted(total.items()))})")
    for name, right, wrong in (
        ("read_when", our_right, our_wrong),
        ("dateparser alone", their_right, their_wrong),
    ):
        r, x = sum(right.values()), sum(wrong.values())
        by_language = ", ".join(f"{k} {right[k]}/{total[k]}" for k in sorted(total))
        print(f"{name + ' right:':24}{r}/{n} ({r / n:.0%}; {by_language}); read wrong: {x}")
    print(f"time ratio read_when/dateparser: {our_seconds / their_seconds:.2f}")


if __name__ == "__main__":
    main()

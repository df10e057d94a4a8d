"""How many corpus expressions read_when gets right, against dateparser alone (one run)."""

from __future__ import annotations

import time
import warnings

import dateparser

from conversations.when import read_when
from tests.conversations.when_corpus import CORPUS, NOW


def dateparser_alone(words: str, language: str) -> tuple[str, object, object]:
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


def main() -> None:
    ours = theirs = 0
    started = time.perf_counter()
    for language, words, kind, start, end in CORPUS:
        reading = read_when(words, language, NOW)
        ours += (reading.kind, reading.start, reading.end) == (kind, start, end)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for language, words, kind, start, end in CORPUS:
        theirs += dateparser_alone(words, language) == (kind, start, end)
    theirs_seconds = time.perf_counter() - started
    total = len(CORPUS)
    print(f"expressions: {total}")
    print(f"read_when right:       {ours}/{total} ({ours / total:.0%})")
    print(f"dateparser alone right: {theirs}/{total} ({theirs / total:.0%})")
    print(f"time ratio read_when/dateparser: {ours_seconds / theirs_seconds:.2f}")


if __name__ == "__main__":
    main()

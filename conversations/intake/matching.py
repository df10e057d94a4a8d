"""Reading a typed answer as one of the offered choices, forgivingly (accents, case, a slip)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from conversations.messages import Choice

# How close a typed word must come to a choice's label (rapidfuzz's ratio, 0-100).
CUTOFF = 85
# Words for "don't know" and "skip" in the three languages, as people type them.
UNKNOWN = (
    "vet ikke",
    "veit ikke",
    "aner ikke",
    "vet inte",
    "vet ej",
    "ingen aning",
    "dont know",
    "don't know",
    "do not know",
    "idk",
    "not sure",
    "usikker",
    "osäker",
)
SKIP = (
    "hopp over",
    "hopp",
    "hoppa over",
    "hoppa över",
    "skip",
    "ingen",
    "inga",
    "none",
    "nei",
    "nej",
    "no",
    "nobody",
    "ingen vitner",
    "inga vittnen",
    "nei ingen",
    "nej ingen",
    "ingen andre",
    "inga andra",
    "no one",
    "noone",
    "nobody else",
)
# "Yes" and "no" as people type them, for the yes/no buttons (is the reading right? a leader?).
YES = ("ja", "jo", "japp", "jepp", "yes", "yep", "yeah", "stemmer", "det stemmer", "stämmer",
       "det stämmer", "riktig", "rätt", "right", "correct", "ok", "okay")  # fmt: skip
NO = ("nei", "nej", "no", "nope", "feil", "fel", "wrong", "ikke riktig", "inte rätt")
# A message at the review that begins with one of these asks to change an answer.
CHANGE = ("endre", "endra", "rette", "ändra", "change", "edit", "correct")
MARKS = re.compile(r"[\s.,!?;:'\"«»”“()\[\]-]+")


def fold(text: str) -> str:
    """Text as compared: no accents, no case, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return MARKS.sub(" ", bare.casefold()).strip()


def typed_choice(text: str, offered: Sequence[Choice], *, forgiving: bool) -> str | None:
    """The value of the choice `text` names: its label (any case or accents), or, `forgiving`
    (where only a choice is a valid answer), a label with a slip or two; else None."""
    folded = fold(text)
    if not folded:
        return None
    labels = {c.value: fold(c.label) for c in offered}
    exact = [value for value, label in labels.items() if label == folded]
    if exact:
        return exact[0]
    if not forgiving:
        return None
    found = process.extract(folded, labels, scorer=fuzz.ratio, limit=2, score_cutoff=CUTOFF)
    if not found:
        return _by_words(folded, labels)
    if len(found) > 1 and found[1][1] >= found[0][1] - 5:
        return None  # two labels are as close: ask again rather than guess
    return str(found[0][2])


def _by_words(folded: str, labels: dict[str, str]) -> str | None:
    """The one label that has every typed word in it (with a slip): "oslo" for "Oslo
    lokallag", "mobbing" for "Annen trakassering eller mobbing"; None when it fits several."""
    typed = [word for word in folded.split() if len(word) >= 3]
    if not typed:
        return None
    fits = [
        value
        for value, label in labels.items()
        if all(
            process.extractOne(w, label.split(), scorer=fuzz.ratio, score_cutoff=CUTOFF)
            for w in typed
        )
    ]
    return fits[0] if len(fits) == 1 else None


def is_number(text: str) -> bool:
    """ASCII digits only: not '²' or '①', which `int()` refuses."""
    return text.isascii() and text.isdigit()


def numbered_choice(text: str, offered: Sequence[Choice]) -> str | None:
    """The value of the choice shown with the number `text` ("2" is the second), or None."""
    if not is_number(text):
        return None
    index = int(text) - 1
    return offered[index].value if 0 <= index < len(offered) else None


def words_for(text: str, offered: Sequence[Choice]) -> str | None:
    """ "vet ikke", "don't know", "hopp over", "skip" …: the offered unknown/skip choice."""
    folded = fold(text)
    kinds = {choice.value.rsplit(":", 1)[-1]: choice.value for choice in offered}
    for kind, value in kinds.items():
        if folded in WORDS.get(kind, ()):
            return value
    if "unknown" in kinds and "skip" not in kinds and folded in WORDS["skip"]:
        return kinds["unknown"]  # "skip" where only "don't know" is offered: not a name
    return None


# The word lists as they are compared, folded once.
WORDS = {
    "unknown": frozenset(map(fold, UNKNOWN)),
    "skip": frozenset(map(fold, SKIP)),
    "yes": frozenset(map(fold, YES)),
    "no": frozenset(map(fold, NO)),
    "change": frozenset(map(fold, CHANGE)),
}

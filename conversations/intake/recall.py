"""Free recall: the time and place a reporter already wrote in "what", read out to confirm."""

from __future__ import annotations

import re
from datetime import datetime

from conversations.intake.draft import Recalled, when_answer
from conversations.when import find_when

PREPOSITIONS = {
    "nb": r"på|i|hos|ved|utenfor|under|bak|inne\s+på",
    "sv": r"på|i|vid|hos|utanför|under|bakom|inne\s+på",
    "en": r"at|in|on|outside|during|behind|inside|by",
}
# Places people name; a long stem may end a compound ("julebordet", "firmafesten"), a short
# one must be the whole word ("bar", not "barn").
LONG_STEMS = {
    "nb": "kontor julebord fest møte kantin heis garderob toalett lager hotell restaurant "
    "kjøkken kurs seminar samling trapp korridor parkering hytt leilighet stasjon vakt "
    "patrulj arrangement kickoff landsmøte lunsj pause møterom kafé kafe jobb arbeid "
    "skole bussen toget flyet taxi nachspiel",
    "sv": "kontor julbord fest möte fika personalrum hiss omklädningsrum toalett lager hotell "
    "restaurang kök kurs konferens korridor parkering stuga lägenhet station kickoff "
    "lunch kafé jobb arbet skola bussen tåget flyget taxi efterfest",
    "en": "office party meeting canteen elevator changing toilet bathroom warehouse hotel "
    "restaurant kitchen course conference seminar corridor hallway parking cabin "
    "apartment station shift patrol event kick-off lunch cafe café work school train "
    "flight taxi afterparty stairwell room",
}
SHORT_WORDS = {
    "nb": r"bar(?:en)?|pub(?:en)?|bil(?:en)?|rom(?:met)?|hjemme|gang(?:en)?|buss|tog|fly",
    "sv": r"bar(?:en)?|pub(?:en)?|bil(?:en)?|rum(?:met)?|hemma|buss|tåg|flyg",
    "en": r"bar|pub|car|room|home|bus|gym|hall|lift",
}
# Words before the place noun ("the", "det store", "our new"), but never a person or another
# preposition: "på mig på festen" is not a place, "på festen" is.
NOT_LEAD = r"(?:meg|mig|me|deg|dig|you|ham|han|honom|henne|hun|hon|him|her|oss|us|seg|sig|them|dem)"


def _pattern(language: str) -> re.Pattern[str]:
    stems = "|".join(re.escape(s) for s in LONG_STEMS[language].split())
    lead = rf"(?:(?!{NOT_LEAD}\b|(?:{PREPOSITIONS[language]})\b)\w+\s+){{0,3}}?"
    noun = rf"(?:\w*(?:{stems})\w*|(?:{SHORT_WORDS[language]}))"
    # "at the office party": a second place word after the first belongs to the place
    return re.compile(
        rf"\b(?:{PREPOSITIONS[language]})\s+{lead}{noun}(?:\s+{noun})?\b", re.IGNORECASE
    )


PATTERNS = {language: _pattern(language) for language in PREPOSITIONS}


def find_place(text: str, language: str) -> str | None:
    """The first place phrase in `text` as the reporter wrote it ("på julebordet"), or None."""
    found = PATTERNS[language].search(text)
    return found.group(0) if found else None


def recall(what: str, language: str, now: datetime) -> Recalled:
    """The time (and place) `what` names clearly enough to offer; empty when no time is read."""
    reading = find_when(what, language, now)
    if reading is None or reading.kind == "unknown":
        return {}
    found: Recalled = {"when": when_answer(reading, confirmed=True)}
    place = find_place(what, language)
    if place:
        found["where"] = place
    return found

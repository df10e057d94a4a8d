"""Tests for reading the reporter's words about when something happened."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from dateutil.easter import easter

from conversations.i18n import Translator
from conversations.when import find_when, read_when, words_and_reading
from tests.conversations.when_corpus import CORPUS, NOW


@pytest.mark.parametrize(("language", "words", "kind", "start", "end"), CORPUS)
def test_reads_everyday_expressions(language, words, kind, start, end):
    """Each everyday expression is read into the expected kind and dates."""
    reading = read_when(words, language, NOW)
    assert (reading.kind, reading.start, reading.end) == (kind, start, end)


def test_keeps_the_reporters_words():
    """The words are kept exactly as written, whatever the reading."""
    assert read_when("  sist torsdag, tror jeg  ", "nb", NOW).words == "sist torsdag, tror jeg"


def test_empty_words_are_unknown():
    """Empty or blank text reads as unknown rather than failing."""
    assert read_when("   ", "nb", NOW).kind == "unknown"


def test_never_reads_a_future_date():
    """A date later than now is not offered as a reading of the past."""
    reading = read_when("i desember", "nb", NOW)
    assert reading.start is not None and reading.start.year == 2025


def test_counts_from_the_given_now():
    """The same words read relative to another day give another date."""
    later = read_when("i går", "nb", datetime(2027, 1, 1, 9, 0))
    assert (later.start, later.end) == (datetime(2026, 12, 31).date(),) * 2


def test_weekday_on_that_same_weekday_means_a_week_ago():
    """'Last Wednesday' said on a Wednesday is the Wednesday a week before."""
    reading = read_when("last Wednesday", "en", NOW)
    assert reading.start == datetime(2026, 11, 11).date()


D = date
# (language, free text, kind, start, end, the words found)
FOUND = [
    ("nb", "Det skjedde på julebordet forrige fredag, han tok på meg", "date",
     D(2026, 11, 13), D(2026, 11, 13), "forrige fredag"),
    ("nb", "Han tok på meg for tre uker siden i kantina", "period",
     D(2026, 10, 26), D(2026, 10, 30), "for tre uker siden"),
    ("nb", "Det skjedde i går. Han sa noe stygt til meg.", "date",
     D(2026, 11, 17), D(2026, 11, 17), "i går"),
    ("nb", "Han har kommentert kroppen min flere ganger i høst", "repeated",
     D(2026, 9, 1), D(2026, 11, 18), "flere ganger i høst"),
    ("sv", "Det hände i torsdags på kontoret, han tog på mig", "date",
     D(2026, 11, 12), D(2026, 11, 12), "i torsdags"),
    ("sv", "Han har skickat meddelanden sedan i somras", "ongoing",
     D(2026, 6, 1), D(2026, 11, 18), "sedan i somras"),
    ("sv", "För två veckor sedan på festen sa han saker", "period",
     D(2026, 11, 2), D(2026, 11, 6), "För två veckor sedan"),
    ("en", "He grabbed me last Thursday at the office", "date",
     D(2026, 11, 12), D(2026, 11, 12), "last Thursday"),
    ("en", "It happened on 12 March 2025 in the meeting room", "date",
     D(2025, 3, 12), D(2025, 3, 12), "12 March 2025"),
    ("en", "He has done it several times since March", "repeated",
     D(2026, 3, 1), D(2026, 11, 18), "several times since March"),
    ("en", "He touched me at the Christmas party last year", "period",
     D(2025, 12, 1), D(2025, 12, 23), "Christmas party last year"),
    ("en", "I started in 2019 and he was my manager", "ongoing",
     D(2019, 1, 1), D(2026, 11, 18), "started in 2019"),
    ("en", "He sent the message between Christmas and New Year", "period",
     D(2025, 12, 25), D(2025, 12, 31), "between Christmas and New Year"),
    ("sv", "Han tog på mig på julfesten förra året", "period",
     D(2025, 12, 1), D(2025, 12, 23), "julfesten förra året"),
    ("nb", "Det skjedde på 17. mai i fjor, i parken", "date",
     D(2025, 5, 17), D(2025, 5, 17), "17. mai i fjor"),
    ("en", "At the team dinner on the 14th he put his hand on my knee", "date",
     D(2026, 11, 14), D(2026, 11, 14), "the 14th"),
    ("nb", "Det var fredag eller lørdag, på festen", "period",
     D(2026, 11, 13), D(2026, 11, 14), "fredag eller lørdag"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text", "kind", "start", "end", "words"), FOUND)
def test_finds_the_time_inside_a_free_text(language, text, kind, start, end, words):
    """The time expression in a longer text is read, and its words are the reporter's own."""
    found = find_when(text, language, NOW)
    assert found is not None
    assert (found.kind, found.start, found.end, found.words) == (kind, start, end, words)


NOT_FOUND = [
    ("nb", "Han tok på meg og sa at jeg var pen"),  # no time at all
    ("nb", "Han sa det 3 ganger og 2 personer så det"),  # numbers that are not dates
    ("nb", "Han tok på meg i vår avdeling"),  # "i vår" is "in our", not "this spring"
    ("nb", "Møtet var kl. 14.30 og han tok på meg"),  # a clock time, not 14 March
    ("nb", "Det startet i mars og skjedde igjen forrige uke"),  # two times that disagree
    ("sv", "Han tog på mig och sa att jag var snygg"),
    ("sv", "Det var sex personer där och två av dem skrattade"),  # "sex" is six
    ("sv", "Han sa det 4 gånger"),
    ("en", "He said it 3 times"),
    ("en", "2 people saw it"),
    ("en", "It may have been nothing, but he made me fall"),  # "may" and "fall" are verbs
    ("en", "The last time he did it I cried"),
    ("en", "He has 2024 followers and posted about me"),  # a number that looks like a year
    ("en", "On the 3rd floor, near the kitchen"),  # a floor, not the 3rd
    ("nb", "Den 3. gangen han gjorde det sa jeg ifra"),  # the third time, not the 3rd
    ("en", "It was a Friday, I remember that"),  # a Friday, not last Friday
    ("nb", "Han er på jobb fra mandag til fredag"),  # a working week, not when it happened
    ("nb", "Han tok på meg i går og i dag"),  # two days that differ: not one reading
    ("sv", "Han är 50 och jag är 22"),
    ("sv", "Han sa till Lucia att hon var söt"),  # a name, not 13 December
]


@pytest.mark.parametrize(("language", "text"), NOT_FOUND)
def test_finds_nothing_rather_than_something_wrong(language, text):
    """A text with no time, with numbers that are not dates, or with disagreeing times is None."""
    assert find_when(text, language, NOW) is None


MARCH = datetime(2027, 3, 10, 9, 0)  # a Wednesday in March, away from the corpus's November
LATER = datetime(2031, 12, 31, 12, 0)  # after every year the calendar tests name


@pytest.mark.parametrize("year", range(2020, 2032))
def test_swedish_midsummer_eve_is_the_friday_between_19_and_25_june(year):
    """Midsommarafton is one day: the Friday from 19 to 25 June of the year said."""
    found = read_when(f"midsommarafton {year}", "sv", LATER)
    assert found.kind == "date" and found.start is not None
    assert found.start.weekday() == 4 and 19 <= found.start.day <= 25 and found.start.month == 6


@pytest.mark.parametrize("year", range(2020, 2032))
def test_easter_sunday_moves_with_easter(year):
    """Første påskedag is Easter Sunday of the year said, as dateutil counts it."""
    found = read_when(f"første påskedag {year}", "nb", LATER)
    assert (found.start, found.end) == (easter(year), easter(year))


def test_black_friday_is_the_day_after_the_fourth_thursday_of_november():
    """Black Friday 2026 is 27 November, not the last Friday."""
    found = read_when("Black Friday", "en", datetime(2026, 12, 2, 12, 0))
    assert (found.start, found.end) == (D(2026, 11, 27), D(2026, 11, 27))


@pytest.mark.parametrize(
    ("now", "year"), [(datetime(2026, 12, 23, 12, 0), 2025), (datetime(2026, 12, 24, 20, 0), 2026)]
)
def test_a_holiday_is_its_latest_occurrence_up_to_now(now, year):
    """Christmas Eve said on 23 December is last year's; said that evening, this year's."""
    assert read_when("julaften", "nb", now).start == D(year, 12, 24)


def test_about_ago_is_a_span_around_that_day():
    """'Three weeks ago' is 19-23 days back; 'two days ago' is one day."""
    weeks = read_when("för tre veckor sedan", "sv", MARCH)
    assert weeks.start is not None and weeks.end is not None
    assert ((MARCH.date() - weeks.start).days, (MARCH.date() - weeks.end).days) == (23, 19)
    days = read_when("two days ago", "en", MARCH)
    assert (days.kind, days.start) == ("date", D(2027, 3, 8))


EITHER = [
    ("nb", "fredag eller lørdag", D(2027, 3, 5), D(2027, 3, 6)),
    ("nb", "i går, eller kanskje i forgårs", D(2027, 3, 8), D(2027, 3, 9)),
    ("sv", "i måndags eller tisdags", D(2027, 3, 8), D(2027, 3, 9)),
    ("en", "probably in January, possibly February", D(2027, 1, 1), D(2027, 2, 28)),
    ("en", "maybe two or three weeks ago", D(2027, 2, 15), D(2027, 2, 26)),
]


@pytest.mark.parametrize(("language", "words", "start", "end"), EITHER)
def test_either_of_two_times_gives_a_span_that_holds_both(language, words, start, end):
    """'Fredag eller lørdag' is not Friday alone: it is Friday to Saturday."""
    found = read_when(words, language, MARCH)
    assert (found.start, found.end) == (start, end)


UNREAD = [
    ("nb", "det var en fredag"),  # a Friday, not last Friday
    ("nb", "i vår avdeling"),  # "in our department", not this spring
    ("nb", "rett før jul"),  # before Christmas is not Christmas
    ("nb", "den 3. gangen"),  # the third time, not the 3rd
    ("nb", "kl 14.30"),  # a clock time
    ("nb", "i morgen"),  # the future
    ("sv", "veckan innan jul"),
    ("sv", "för länge sedan"),
    ("sv", "dagen efter midsommar"),
    ("en", "the week before Christmas"),
    ("en", "a Friday"),
    ("en", "next week"),
    ("en", "3 times"),
    ("en", "ages ago"),
    # real words one letter from a time word are not "corrected" into it
    ("en", "after the match"),
    ("en", "in the eastern office"),
    ("en", "during the sprint review"),
    ("nb", "når han kommer"),
    ("nb", "da helsen min var dårlig"),
    ("sv", "vid middagen"),
    ("sv", "i riksdagen"),
]


@pytest.mark.parametrize(("language", "words"), UNREAD)
def test_what_cannot_be_read_right_is_not_read_at_all(language, words):
    """Words that would be read wrong are honestly left unread."""
    assert read_when(words, language, NOW).kind == "unknown"


def test_a_rejected_reading_keeps_the_reporters_words_alone():
    """A reading the reporter rejects is dropped; their words stand, without a reading."""
    reading = read_when("forrige uke igjen", "nb", NOW)
    rejected = {"words": reading.words, "kind": "unknown", "start": None, "end": None}
    assert words_and_reading(rejected, Translator("nb")) == "forrige uke igjen"


# What the README's "when" paragraph promises, with the issue's own examples (the corpus holds
# expressions written fresh; these are the named kinds, read relative to the corpus's Wednesday).
PROMISED = [
    ("nb", "i morges", D(2026, 11, 18), D(2026, 11, 18)),
    ("nb", "i høstes", D(2025, 9, 1), D(2025, 11, 30)),
    ("nb", "tirsdag forrige uke", D(2026, 11, 10), D(2026, 11, 10)),
    ("nb", "forrige uke igjen", D(2026, 11, 2), D(2026, 11, 8)),
    ("sv", "förrförra månaden", D(2026, 9, 1), D(2026, 9, 30)),
    ("en", "the weekend before last", D(2026, 11, 7), D(2026, 11, 8)),
    ("en", "two weekends ago", D(2026, 11, 7), D(2026, 11, 8)),
    ("nb", "for to helger siden", D(2026, 11, 7), D(2026, 11, 8)),
    ("sv", "i början av förra året", D(2025, 1, 1), D(2025, 4, 30)),
    ("en", "late January", D(2026, 1, 21), D(2026, 1, 31)),
    ("nb", "midten av februar", D(2026, 2, 11), D(2026, 2, 20)),
    ("nb", "nyttårsaften", D(2025, 12, 31), D(2025, 12, 31)),
    ("nb", "påskeferien", D(2026, 3, 28), D(2026, 4, 6)),
    ("sv", "pingst", D(2026, 5, 24), D(2026, 5, 25)),
    ("nb", "1. mai", D(2026, 5, 1), D(2026, 5, 1)),
    ("en", "Valentine's Day", D(2026, 2, 14), D(2026, 2, 14)),
    ("sv", "midsommarafton", D(2026, 6, 19), D(2026, 6, 19)),
    ("en", "between Christmas and New Year", D(2025, 12, 25), D(2025, 12, 31)),
    ("nb", "fra januar til nå", D(2026, 1, 1), D(2026, 11, 18)),
    ("en", "every Friday for the last month", D(2026, 10, 18), D(2026, 11, 18)),
    ("nb", "hver mandag siden jul", D(2025, 12, 20), D(2026, 11, 18)),
    ("en", "on the 3rd", D(2026, 11, 3), D(2026, 11, 3)),
    ("nb", "den tredje", D(2026, 11, 3), D(2026, 11, 3)),
    ("nb", "forige uke", D(2026, 11, 9), D(2026, 11, 15)),
    ("sv", "forra veckan", D(2026, 11, 9), D(2026, 11, 15)),
    ("en", "last thurs", D(2026, 11, 12), D(2026, 11, 12)),
    ("sv", "i tisdgas", D(2026, 11, 17), D(2026, 11, 17)),
    ("en", "three weeks ago", D(2026, 10, 26), D(2026, 10, 30)),
]


@pytest.mark.parametrize(("language", "words", "start", "end"), PROMISED)
def test_reads_what_the_readme_promises(language, words, start, end):
    """Each kind the README lists is read into the span a careful handler would accept."""
    found = read_when(words, language, NOW)
    assert (found.start, found.end) == (start, end)

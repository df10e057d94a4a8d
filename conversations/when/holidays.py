"""The holidays and days people name (nb, sv, en), each with the days of one year's occurrence."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import easter

from conversations.when.text import Occurrence, Span


def fixed(
    month: int, first: int, last_month: int | None = None, last: int | None = None
) -> Occurrence:
    """The same days every year; a span that ends in January belongs to the year it starts."""
    end_month = month if last_month is None else last_month
    end_day = first if last is None else last

    def occurrence(year: int) -> Span:
        end_year = year + 1 if end_month < month else year
        return date(year, month, first), date(end_year, end_month, end_day)

    return occurrence


def from_easter(first: int, last: int | None = None) -> Occurrence:
    """Days counted from Easter Sunday (Palm Sunday is -7, Easter Monday +1, Whitsun +49)."""

    def occurrence(year: int) -> Span:
        sunday = easter(year)
        end = first if last is None else last
        return sunday + timedelta(days=first), sunday + timedelta(days=end)

    return occurrence


def weekday_between(month: int, first: int, weekday: int, length: int = 1) -> Occurrence:
    """The given weekday in the week from `first` (Swedish midsummer eve: the Friday 19-25 June)."""

    def occurrence(year: int) -> Span:
        start = date(year, month, first)
        start += timedelta(days=(weekday - start.weekday()) % 7)
        return start, start + timedelta(days=length - 1)

    return occurrence


def _black_friday(year: int) -> Span:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1), thursday + timedelta(days=1)


# fmt: off
# (words, occurrence), the more particular first: "julaften" before "jul", "påskeferien" before
# "påske". Every word is matched whole (see reading.HOLIDAYS).
CALENDAR: tuple[tuple[tuple[str, ...], Occurrence], ...] = (
    (("julebord", "julebordet", "julbord", "julbordet", "julfest", "julfesten",
      "christmas party", "christmas dinner", "office party", "work christmas party"),
     fixed(12, 1, 12, 23)),
    (("mellom jul og nyttår", "mellan jul och nyår", "between christmas and new year",
      "between christmas and new year's", "romjul", "romjula", "romjulen", "mellandagarna",
      "mellandagar"), fixed(12, 25, 12, 31)),
    (("julaften", "julafta", "julafton", "christmas eve", "xmas eve"), fixed(12, 24)),
    (("første juledag", "1. juledag", "juldagen", "christmas day"), fixed(12, 25)),
    (("andre juledag", "2. juledag", "annandag jul", "annandagen", "boxing day"), fixed(12, 26)),
    (("nyttårsaften", "nyttårsafta", "nyårsafton", "new year's eve", "new years eve",
      "nyttårsfeiring", "nyårsfirandet"), fixed(12, 31)),
    (("første nyttårsdag", "nyttårsdag", "nyttårsdagen", "nyårsdagen", "new year's day",
      "new years day"), fixed(1, 1)),
    (("nyttår", "nyttårsfest", "nyttårsfesten", "nyår", "nyårsfest", "nyårsfesten",
      "new year", "new year's", "new year's party"), fixed(12, 31, 1, 1)),
    (("trettondagen", "trettondedag jul", "trettondag jul"), fixed(1, 6)),
    (("jul", "jula", "julen", "julas", "i jules", "juleferie", "juleferien", "jullov",
      "jullovet", "christmas", "xmas", "christmas holiday", "christmas holidays"),
     fixed(12, 20, 1, 1)),
    (("valentinsdagen", "valentinsdag", "alla hjärtans dag", "valentine's day",
      "valentines day", "valentine's", "valentines"), fixed(2, 14)),
    (("skjærtorsdag", "skärtorsdag", "skärtorsdagen", "maundy thursday"), from_easter(-3)),
    (("langfredag", "långfredag", "långfredagen", "good friday"), from_easter(-2)),
    (("påskeaften", "påskafton", "easter saturday", "easter eve"), from_easter(-1)),
    (("første påskedag", "påskedag", "påskdagen", "easter sunday", "easter day"),
     from_easter(0)),
    (("andre påskedag", "annandag påsk", "annandagen påsk", "easter monday"), from_easter(1)),
    (("påskehelg", "påskehelga", "påskehelgen", "påskhelg", "påskhelgen", "easter weekend"),
     from_easter(-2, 1)),
    (("påskeferie", "påskeferien", "påskelov", "easter holiday", "easter holidays",
      "easter break"), from_easter(-8, 1)),
    # Swedish schools' Easter break falls before or after Easter, by municipality.
    (("påsklov", "påsklovet"), from_easter(-8, 8)),
    (("påske", "påska", "påsken", "påskes", "i påskes", "påsk", "påskas", "easter"),
     from_easter(-7, 1)),
    (("kristi himmelfartsdag", "kristi himmelfart", "kristi himmelsfärdsdag",
      "kristi himmelsfärd", "himmelfart", "ascension day"), from_easter(39)),
    (("pinse", "pinsen", "pinsa", "pingst", "pingsten", "pingstdagen", "whitsun", "pentecost",
      "whit monday"), from_easter(49, 50)),
    (("valborg", "valborgsmässoafton", "valborgsafton", "walpurgis night"), fixed(4, 30)),
    (("1. mai", "første mai", "arbeidernes dag", "första maj", "1 maj", "may day",
      "labour day"), fixed(5, 1)),
    (("17. mai", "17 mai", "syttende mai", "nasjonaldagen", "grunnlovsdagen",
      "norwegian national day", "constitution day"), fixed(5, 17)),
    (("sveriges nationaldag", "nationaldagen", "svenska flaggans dag",
      "swedish national day"), fixed(6, 6)),
    (("sankthansaften", "sankthans", "st. hans", "st hans", "sankt hans", "jonsok",
      "jonsokaften", "st. hansaften", "st. john's eve"), fixed(6, 23)),
    (("midsommarafton", "midsommaraftonen", "midsummer's eve"),
     weekday_between(6, 19, 4)),
    (("midsommardagen", "midsommardag"), weekday_between(6, 20, 5)),
    (("midsommarhelgen", "midsommarhelg", "midsummer weekend"), weekday_between(6, 19, 4, 3)),
    (("midsommar", "midsummer", "midtsommer", "st. john's"), fixed(6, 19, 6, 26)),
    (("sommerfest", "sommerfesten", "sommarfest", "sommarfesten", "summer party"),
     fixed(6, 1, 6, 30)),
    (("halloween", "halloweenfest", "halloweenfesten", "halloween party"), fixed(10, 31)),
    (("alla helgons dag", "allhelgona", "allhelgonahelgen"), weekday_between(10, 31, 5)),
    (("farsdag", "farsdagen", "fars dag"), weekday_between(11, 8, 6)),
    (("black friday",), _black_friday),
    (("lucia", "luciadagen", "luciatåget", "santa lucia", "st. lucia", "lussefirande"),
     fixed(12, 13)),
    (("vinterferie", "vinterferien", "sportlov", "sportlovet", "winter break",
      "february half-term"), fixed(2, 15, 3, 10)),
    (("høstferie", "høstferien", "höstlov", "höstlovet", "autumn break", "october half-term"),
     fixed(10, 1, 11, 5)),
)
# fmt: on

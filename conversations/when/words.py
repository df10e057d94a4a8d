"""The everyday words (nb, sv, en) that conversations.when reads: numbers, months, phrases."""

from __future__ import annotations

# fmt: off
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "en": 1, "ett": 1, "et": 1, "ei": 1,
    "two": 2, "to": 2, "två": 2, "couple of": 2, "a couple of": 2, "et par": 2, "ett par": 2,
    "three": 3, "tre": 3, "few": 3, "a few": 3, "noen": 3, "några": 3,
    "four": 4, "fire": 4, "fyra": 4, "five": 5, "fem": 5, "six": 6, "seks": 6, "sex": 6,
    "seven": 7, "sju": 7, "syv": 7, "eight": 8, "åtte": 8, "åtta": 8, "nine": 9, "ni": 9,
    "nio": 9, "ten": 10, "ti": 10, "tio": 10, "eleven": 11, "elleve": 11, "elva": 11,
    "twelve": 12, "tolv": 12,
}
UNITS = {
    "day": "d", "days": "d", "dag": "d", "dager": "d", "dagar": "d", "døgn": "d", "dygn": "d",
    "week": "w", "weeks": "w", "uke": "w", "uker": "w", "uka": "w", "veke": "w", "veker": "w",
    "vecka": "w", "veckor": "w",
    "month": "m", "months": "m", "måned": "m", "måneder": "m", "månad": "m", "månader": "m",
    "year": "y", "years": "y", "år": "y",
}
MONTHS = {
    "januar": 1, "januari": 1, "january": 1, "jan": 1,
    "februar": 2, "februari": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "april": 4, "mai": 5, "maj": 5, "may": 5,
    "juni": 6, "june": 6, "juli": 7, "july": 7,
    "august": 8, "augusti": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11, "desember": 12, "december": 12, "des": 12, "dec": 12,
}
WEEKDAYS = {
    "monday": 0, "mandag": 0, "måndag": 0, "tuesday": 1, "tirsdag": 1, "tisdag": 1,
    "wednesday": 2, "onsdag": 2, "thursday": 3, "torsdag": 3, "friday": 4, "fredag": 4,
    "saturday": 5, "lørdag": 5, "lördag": 5, "sunday": 6, "søndag": 6, "söndag": 6,
}
ONGOING = (
    "ongoing", "still", "going on", "continues", "continuing", "pågår", "pågående", "fortsatt",
    "fortsetter", "fremdeles", "framleis", "fortfarande", "håller på", "holder på", "until now",
    "to this day", "fram til nå", "frem til nå", "tills nu", "till idag", "till i dag", "hittil",
)
REPEATED = (
    "several times", "many times", "multiple times", "repeatedly", "again and again",
    "over and over", "often", "a few times", "on and off", "every day", "every week",
    "every month", "every time", "each time", "for weeks", "for months", "for years",
    "flere ganger", "mange ganger", "gjentatte ganger", "ofte", "noen ganger", "igjen og igjen",
    "hver dag", "hver uke", "hver måned", "hver gang", "av og til", "i flere uker",
    "i flere måneder", "i flere år", "i måneder", "i årevis",
    "flera gånger", "många gånger", "ofta", "upprepade gånger", "några gånger", "om och om igen",
    "varje dag", "varje vecka", "varje månad", "varje gång", "då och då", "i flera veckor",
    "i flera månader", "i flera år", "i månader", "i åratal",
)
SINCE = (
    "since", "ever since", "starting in", "started in", "siden", "helt siden", "begynte i",
    "sedan", "ända sedan", "allt sedan", "började i",
)
AGO = ("ago", "siden", "sedan", "sen")
APPROXIMATELY = ("about", "around", "ca.", "ca", "cirka", "omtrent", "rundt", "ungefär", "runt")
LAST_YEAR = (
    "last year", "previous year", "i fjor", "ifjor", "forrige år", "fjoråret", "i fjol", "ifjol",
    "förra året",
)
THIS_YEAR = ("this year", "i år", "iår", "detta år", "i året")
LAST = ("last", "previous", "past", "forrige", "sist", "siste", "förra", "förrförra")
RELATIVE_DAYS = (
    (("the day before yesterday", "i forgårs", "i forgås", "i förrgår", "förrgår"), 2),
    (("yesterday", "i går", "igår", "i gar", "igar"), 1),
    (("today", "i dag", "idag", "earlier today", "this morning", "tonight", "i morges",
      "i kveld", "i kväll"), 0),
)
THIS_WEEK = (
    "this week", "denne uka", "denne uken", "denne veka", "i denne uka", "i denne uken", "i uka",
    "i uken", "i veckan", "den här veckan",
)
WEEK = ("week", "uke", "uka", "veke", "veckan", "vecka")
WEEKEND = ("weekend", "helg", "helga", "helgen", "helgå")
MONTH_WORD = ("month", "måned", "måneden", "månad", "månaden", "mnd")
MONTH_EARLY = (
    "early", "beginning of", "start of", "starten av", "begynnelsen av", "tidlig i",
    "i början av", "början av", "tidigt i",
)
MONTH_MID = ("mid", "middle of", "midten av", "i midten av", "i mitten av", "mitten av", "medio")
MONTH_LATE = (
    "late", "end of", "slutten av", "i slutten av", "sent i", "slutet av", "i slutet av", "ultimo",
)
# Holidays and parties, each with the month and days of one occurrence (see when.HOLIDAYS).
CHRISTMAS_PARTY = (
    "julebord", "julebordet", "julbord", "julbordet", "julfest", "julfesten", "christmas party",
    "christmas dinner", "office party",
)
NEW_YEAR = (
    "nyttår", "nyttårsaften", "nyttårsfest", "nyår", "nyårsafton", "nyårsfest", "new year",
    "new year's eve", "new years eve",
)
CHRISTMAS = (
    "jul", "jula", "julen", "julas", "romjul", "romjula", "juleferie", "juleferien", "jullov",
    "jullovet", "christmas", "xmas",
)
EASTER = (
    "påske", "påska", "påsken", "påskeferien", "påsk", "påskas", "påsklov", "påsklovet", "easter",
)
MIDSUMMER = (
    "sankthans", "sankthansaften", "jonsok", "midsommar", "midsommarafton", "midsummer",
    "st. john's",
)
SUMMER_PARTY = ("sommerfest", "sommerfesten", "sommarfest", "sommarfesten", "summer party")
NATIONAL_DAY_NB = ("17. mai", "17 mai", "nasjonaldagen", "grunnlovsdagen")
WINTER_BREAK = ("vinterferie", "vinterferien", "sportlov", "sportlovet", "winter break")
AUTUMN_BREAK = ("høstferie", "høstferien", "höstlov", "höstlovet", "autumn break")
# Seasons: (words, first month, whether the words mean the last one that has ended).
SEASONS = (
    (("i våras", "förra våren", "forrige vår", "i fjor vår", "våren i fjor", "last spring"),
     3, True),
    (("våren", "i vår", "om våren", "på våren", "spring", "springtime"), 3, False),
    (("i somras", "förra sommaren", "i fjol sommar", "forrige sommer", "i fjor sommer",
      "sommeren i fjor", "last summer"), 6, True),
    (("sommeren", "sommer", "i sommer", "sommerferien", "fellesferien", "sommaren", "sommar",
      "sommarlovet", "summer", "summer holiday"), 6, False),
    (("i höstas", "förra hösten", "forrige høst", "i fjor høst", "høsten i fjor", "last autumn",
      "last fall"), 9, True),
    (("høsten", "høst", "i høst", "hösten", "höst", "autumn", "fall"), 9, False),
    (("i vintras", "förra vintern", "forrige vinter", "i fjor vinter", "vinteren i fjor",
      "last winter"), 12, True),
    (("vinteren", "vinter", "i vinter", "vintern", "winter"), 12, False),
)
# fmt: on

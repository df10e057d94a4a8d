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
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "twenty-first": 21, "twenty-second": 22,
    "twenty-third": 23, "twenty-fourth": 24, "twenty-fifth": 25, "thirtieth": 30,
    "thirty-first": 31,
    "første": 1, "andre": 2, "tredje": 3, "fjerde": 4, "femte": 5, "sjette": 6, "sjuende": 7,
    "syvende": 7, "åttende": 8, "niende": 9, "tiende": 10, "ellevte": 11, "tolvte": 12,
    "trettende": 13, "fjortende": 14, "femtende": 15, "sekstende": 16, "syttende": 17,
    "attende": 18, "nittende": 19, "tjuende": 20, "tjueførste": 21, "tjueandre": 22,
    "tjuetredje": 23, "tjuefjerde": 24, "tjuefemte": 25, "trettiende": 30, "trettiførste": 31,
    "första": 1, "fjärde": 4, "sjätte": 6, "sjunde": 7, "åttonde": 8, "nionde": 9,
    "tionde": 10, "elfte": 11, "tolfte": 12, "trettonde": 13, "fjortonde": 14, "femtonde": 15,
    "sextonde": 16, "sjuttonde": 17, "artonde": 18, "nittonde": 19, "tjugonde": 20,
    "tjugoförsta": 21, "tjugoandra": 22, "tjugotredje": 23, "tjugofjärde": 24,
    "tjugofemte": 25, "trettionde": 30, "trettioförsta": 31,
}
UNITS = {
    "day": "d", "days": "d", "dag": "d", "dager": "d", "dagar": "d", "døgn": "d", "dygn": "d",
    "week": "w", "weeks": "w", "uke": "w", "uker": "w", "uka": "w", "veke": "w", "veker": "w",
    "vecka": "w", "veckor": "w",
    "month": "m", "months": "m", "måned": "m", "måneder": "m", "månad": "m", "månader": "m",
    "year": "y", "years": "y", "år": "y",
    "weekend": "h", "weekends": "h", "helg": "h", "helger": "h", "helgar": "h",
}
# "A few" and "a couple of" days or weeks: the least and most they mean.
VAGUE_NUMBERS = {
    "few": (2, 5), "a few": (2, 5), "noen": (2, 5), "några": (2, 5), "noen få": (2, 5),
    "couple of": (2, 3), "a couple of": (2, 3), "et par": (2, 3), "ett par": (2, 3),
}
# The same units in their definite and plural forms, as in "the past two weeks", "de siste
# ukene", "senaste månaden".
SPAN_UNITS = {
    "days": "d", "day": "d", "dagene": "d", "dagane": "d", "dagarna": "d", "dagen": "d",
    "dygnen": "d", "døgnene": "d",
    "weeks": "w", "week": "w", "ukene": "w", "ukane": "w", "uka": "w", "uken": "w",
    "vekene": "w", "veckorna": "w", "veckan": "w",
    "months": "m", "month": "m", "månedene": "m", "månadene": "m", "måneden": "m",
    "månaderna": "m", "månaden": "m",
    "year": "y", "years": "y", "året": "y", "årene": "y", "åren": "y",
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
    "every weekend", "hver helg", "varje helg", "every night", "every morning", "hver morgen",
    "hver kveld", "varje morgon", "varje kväll", "hver eneste", "every single",
)
# "every Friday", "hver fredag", "on Fridays", "på fredager", "om fredagarna": said of weekdays.
EVERY = ("every", "each", "hver", "hvers", "varje", "alle", "alla")
SINCE = (
    "since", "ever since", "starting in", "started in", "siden", "helt siden", "begynte i",
    "sedan", "ända sedan", "allt sedan", "började i",
)
AGO = ("ago", "back", "siden", "sedan", "sen")
# Words of doubt, left out before reading ("i går, eller kanskje i forgårs").
HEDGES = (
    "kanskje", "kanske", "maybe", "perhaps", "possibly", "probably", "trolig", "sannsynligvis",
    "tror jeg", "tror jag", "i think", "jeg tror", "jag tror", "i guess", "i believe",
)
APPROXIMATELY = ("about", "around", "ca.", "ca", "cirka", "omtrent", "rundt", "ungefär", "runt")
LAST_YEAR = (
    "last year", "previous year", "i fjor", "ifjor", "forrige år", "fjoråret", "i fjol", "ifjol",
    "förra året",
)
THIS_YEAR = ("this year", "i år", "iår", "detta år", "i året")
LAST = ("last", "previous", "past", "forrige", "sist", "siste", "förra")
# "The week before last": these words, with a week, weekend, month, year or weekday.
BEFORE_LAST_WORDS = ("förrförra", "förförra", "forrforrige")
BEFORE_LAST = (
    "before last", "før forrige", "før sist", "före förra", "innan förra", "förrförra",
    "förförra", "forrforrige",
)
# "forrige uke igjen": the week before last (only right after the week, weekend or month)
AGAIN = ("igjen", "igen")
YEAR_BEFORE_LAST = (
    "the year before last", "i forfjor", "forfjor", "året før i fjor", "i förfjol", "förfjol",
    "i förrfjol", "förrförra året", "året före förra", "forrige år igjen",
)
RELATIVE_DAYS = (
    (("the day before yesterday", "i forgårs", "i forgås", "i förrgår", "förrgår"), 2),
    (("yesterday", "i går", "igår", "i gar", "igar"), 1),
    (("today", "i dag", "idag", "earlier today", "this morning", "tonight", "i morges",
      "i kveld", "i kväll", "i morse", "i morgons", "i morse tidlig"), 0),
)
# The night that has just passed: yesterday evening to this morning.
LAST_NIGHT = ("last night", "i natt", "inatt", "i natt som var", "natt til i dag")
NOW = ("now", "nå", "nu", "today", "i dag", "idag", "this day")
RANGE_FROM = ("between", "mellom", "mellan", "from", "fra", "fra og med", "från")
RANGE_TO = (
    "and", "og", "och", "to", "until", "till", "til", "tills", "through", "frem til", "fram til",
    "og frem til", "og fram til", "och fram till", "up to", "up until",
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
    "i början av", "början av", "tidigt i", "starten på", "början på", "tidleg i",
)
MONTH_MID = (
    "mid", "middle of", "midten av", "i midten av", "i mitten av", "mitten av", "medio",
    "midt i", "mitt i", "halfway through",
)
MONTH_LATE = (
    "late", "end of", "slutten av", "i slutten av", "sent i", "slutet av", "i slutet av", "ultimo",
    "slutten på", "slutet på", "mot slutten av", "mot slutet av", "towards the end of",
)
# Seasons: (words, first month, whether the words mean the last one that has ended).
SEASONS = (
    (("i våras", "förra våren", "forrige vår", "i fjor vår", "våren i fjor", "last spring",
      "i våres", "i fjor våres", "sist vår"), 3, True),
    (("våren", "i vår", "om våren", "på våren", "spring", "springtime"), 3, False),
    (("i somras", "förra sommaren", "i fjol sommar", "forrige sommer", "i fjor sommer",
      "sommeren i fjor", "last summer", "i sommeres", "sist sommer"), 6, True),
    (("sommeren", "sommer", "i sommer", "sommerferien", "fellesferien", "sommaren", "sommar",
      "sommarlovet", "summer", "summer holiday"), 6, False),
    (("i höstas", "förra hösten", "forrige høst", "i fjor høst", "høsten i fjor", "last autumn",
      "last fall", "i høstes", "i haustes", "i fjor haust", "forrige haust", "sist høst"), 9, True),
    (("høsten", "høst", "i høst", "hösten", "höst", "autumn", "fall", "haust", "hausten",
      "i haust"), 9, False),
    (("i vintras", "förra vintern", "forrige vinter", "i fjor vinter", "vinteren i fjor",
      "last winter", "i vintres", "i vinteres", "sist vinter"), 12, True),
    (("vinteren", "vinter", "i vinter", "vintern", "winter"), 12, False),
)
# fmt: on

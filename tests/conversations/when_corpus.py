"""Everyday time expressions with their expected reading, relative to Wednesday 18 Nov 2026."""

from __future__ import annotations

from datetime import date, datetime

NOW = datetime(2026, 11, 18, 14, 0)

D = date
# (language, words, kind, start, end)
CORPUS: list[tuple[str, str, str, date | None, date | None]] = [
    # Norwegian bokmål
    ("nb", "sist torsdag", "date", D(2026, 11, 12), D(2026, 11, 12)),
    ("nb", "forrige fredag", "date", D(2026, 11, 13), D(2026, 11, 13)),
    ("nb", "på mandag", "date", D(2026, 11, 16), D(2026, 11, 16)),
    ("nb", "i går", "date", D(2026, 11, 17), D(2026, 11, 17)),
    ("nb", "i går kveld", "date", D(2026, 11, 17), D(2026, 11, 17)),
    ("nb", "i forgårs", "date", D(2026, 11, 16), D(2026, 11, 16)),
    ("nb", "i dag tidlig", "date", D(2026, 11, 18), D(2026, 11, 18)),
    ("nb", "forrige uke", "period", D(2026, 11, 9), D(2026, 11, 15)),
    ("nb", "i forrige måned", "period", D(2026, 10, 1), D(2026, 10, 31)),
    ("nb", "for to uker siden", "period", D(2026, 11, 2), D(2026, 11, 6)),
    ("nb", "for 3 dager siden", "date", D(2026, 11, 15), D(2026, 11, 15)),
    ("nb", "for et år siden", "period", D(2025, 10, 13), D(2025, 12, 24)),
    ("nb", "på sommerfesten i juni", "period", D(2026, 6, 1), D(2026, 6, 30)),
    ("nb", "på sommerfesten", "period", D(2026, 6, 1), D(2026, 6, 30)),
    ("nb", "på julebordet i fjor", "period", D(2025, 12, 1), D(2025, 12, 23)),
    ("nb", "i jula", "period", D(2025, 12, 20), D(2026, 1, 1)),
    ("nb", "rundt påske", "period", D(2026, 3, 29), D(2026, 4, 6)),
    ("nb", "i fjor sommer", "period", D(2025, 6, 1), D(2025, 8, 31)),
    ("nb", "i høst", "period", D(2026, 9, 1), D(2026, 11, 18)),
    ("nb", "i slutten av august", "period", D(2026, 8, 21), D(2026, 8, 31)),
    ("nb", "i begynnelsen av mars", "period", D(2026, 3, 1), D(2026, 3, 10)),
    ("nb", "i mars", "period", D(2026, 3, 1), D(2026, 3, 31)),
    ("nb", "desember", "period", D(2025, 12, 1), D(2025, 12, 31)),
    ("nb", "3. mai", "date", D(2026, 5, 3), D(2026, 5, 3)),
    ("nb", "17. mai", "date", D(2026, 5, 17), D(2026, 5, 17)),
    ("nb", "12.03.2025", "date", D(2025, 3, 12), D(2025, 3, 12)),
    ("nb", "1.11.", "date", D(2026, 11, 1), D(2026, 11, 1)),
    ("nb", "i fjor", "period", D(2025, 1, 1), D(2025, 12, 31)),
    ("nb", "siden mars", "ongoing", D(2026, 3, 1), D(2026, 11, 18)),
    ("nb", "helt siden i fjor", "ongoing", D(2025, 1, 1), D(2026, 11, 18)),
    ("nb", "det pågår fortsatt", "ongoing", None, D(2026, 11, 18)),
    ("nb", "flere ganger i høst", "repeated", D(2026, 9, 1), D(2026, 11, 18)),
    ("nb", "gjentatte ganger", "repeated", None, None),
    ("nb", "vet ikke", "unknown", None, None),
    ("nb", "husker ikke helt", "unknown", None, None),
    # --- Norwegian, written fresh for reading "as a person would" (one line: why this span) ---
    # the morning of yesterday is still yesterday
    ("nb", "i går morges", "date", D(2026, 11, 17), D(2026, 11, 17)),
    # "i vintres": the winter just past, Dec 2025 to Feb 2026
    ("nb", "i vintres", "period", D(2025, 12, 1), D(2026, 2, 28)),
    # said in November, "sist høst" is last year's autumn: this one is not over
    ("nb", "sist høst", "period", D(2025, 9, 1), D(2025, 11, 30)),
    # "mnd" is how people shorten "måned"
    ("nb", "forrige mnd", "period", D(2026, 10, 1), D(2026, 10, 31)),
    # a dropped letter: "forrige"
    ("nb", "forrie uke", "period", D(2026, 11, 9), D(2026, 11, 15)),
    # "aa" for "å", the old way of typing it
    ("nb", "i forgaars", "date", D(2026, 11, 16), D(2026, 11, 16)),
    # the weekend before the last one (14-15 Nov)
    ("nb", "helgen før forrige", "period", D(2026, 11, 7), D(2026, 11, 8)),
    # the month before October
    ("nb", "måneden før forrige", "period", D(2026, 9, 1), D(2026, 9, 30)),
    # the Tuesday of the week two weeks back (2-8 Nov)
    ("nb", "tirsdag for to uker siden", "date", D(2026, 11, 3), D(2026, 11, 3)),
    # "omtrent": about ten days back, a day either side
    ("nb", "for omtrent ti dager siden", "period", D(2026, 11, 7), D(2026, 11, 9)),
    # "noen dager": two to five days back
    ("nb", "for noen dager siden", "period", D(2026, 11, 13), D(2026, 11, 16)),
    # how long "en stund" is, is not said: honestly not read
    ("nb", "for en stund siden", "unknown", None, None),
    # the night that just passed: yesterday evening to this morning
    ("nb", "i natt", "period", D(2026, 11, 17), D(2026, 11, 18)),
    # Christmas Day 2025, the latest one
    ("nb", "første juledag", "date", D(2025, 12, 25), D(2025, 12, 25)),
    # Easter Sunday 2026 is 5 April
    ("nb", "første påskedag", "date", D(2026, 4, 5), D(2026, 4, 5)),
    # Ascension Day: 39 days after Easter Sunday
    ("nb", "Kristi himmelfartsdag", "date", D(2026, 5, 14), D(2026, 5, 14)),
    # the national day, of the year said
    ("nb", "på 17. mai i fjor", "date", D(2025, 5, 17), D(2025, 5, 17)),
    # St. Hans eve is 23 June, of the year said
    ("nb", "sankthansaften i fjor", "date", D(2025, 6, 23), D(2025, 6, 23)),
    # "romjula": the days after Christmas until New Year's Eve
    ("nb", "i romjula i fjor", "period", D(2025, 12, 25), D(2025, 12, 31)),
    # from Palm Sunday to the end of the summer holidays
    ("nb", "fra påske til sommerferien", "period", D(2026, 3, 29), D(2026, 8, 31)),
    # a period to today, not August alone
    ("nb", "fra august og fram til i dag", "period", D(2026, 8, 1), D(2026, 11, 18)),
    # the first third of this summer
    ("nb", "i starten av sommeren", "period", D(2026, 6, 1), D(2026, 6, 30)),
    # the middle of March: 11-20
    ("nb", "midt i mars", "period", D(2026, 3, 11), D(2026, 3, 20)),
    # the last third of last year
    ("nb", "i slutten av fjoråret", "period", D(2025, 9, 1), D(2025, 12, 31)),
    # again and again since the summer holidays began, not one Friday
    ("nb", "hver fredag siden sommerferien", "repeated", D(2026, 6, 1), D(2026, 11, 18)),
    # Mondays this autumn, until today
    ("nb", "på mandager i høst", "repeated", D(2026, 9, 1), D(2026, 11, 18)),
    # the 20th has not come this month: 20 October
    ("nb", "den 20.", "date", D(2026, 10, 20), D(2026, 10, 20)),
    # the ninth, this month
    ("nb", "den niende", "date", D(2026, 11, 9), D(2026, 11, 9)),
    # Swedish
    ("sv", "i torsdags", "date", D(2026, 11, 12), D(2026, 11, 12)),
    ("sv", "förra fredagen", "date", D(2026, 11, 13), D(2026, 11, 13)),
    ("sv", "igår", "date", D(2026, 11, 17), D(2026, 11, 17)),
    ("sv", "i förrgår", "date", D(2026, 11, 16), D(2026, 11, 16)),
    ("sv", "förra veckan", "period", D(2026, 11, 9), D(2026, 11, 15)),
    ("sv", "förra månaden", "period", D(2026, 10, 1), D(2026, 10, 31)),
    ("sv", "för tre dagar sedan", "date", D(2026, 11, 15), D(2026, 11, 15)),
    ("sv", "för två veckor sen", "period", D(2026, 11, 2), D(2026, 11, 6)),
    ("sv", "i julas", "period", D(2025, 12, 20), D(2026, 1, 1)),
    ("sv", "på julfesten", "period", D(2025, 12, 1), D(2025, 12, 23)),
    ("sv", "i somras", "period", D(2026, 6, 1), D(2026, 8, 31)),
    ("sv", "i våras", "period", D(2026, 3, 1), D(2026, 5, 31)),
    ("sv", "i vintras", "period", D(2025, 12, 1), D(2026, 2, 28)),
    ("sv", "runt midsommar", "period", D(2026, 6, 19), D(2026, 6, 26)),
    ("sv", "i påskas", "period", D(2026, 3, 29), D(2026, 4, 6)),
    ("sv", "i slutet av maj", "period", D(2026, 5, 21), D(2026, 5, 31)),
    ("sv", "3 maj 2025", "date", D(2025, 5, 3), D(2025, 5, 3)),
    ("sv", "2025-03-12", "date", D(2025, 3, 12), D(2025, 3, 12)),
    ("sv", "i fjol", "period", D(2025, 1, 1), D(2025, 12, 31)),
    ("sv", "sedan i somras", "ongoing", D(2026, 6, 1), D(2026, 11, 18)),
    ("sv", "det pågår fortfarande", "ongoing", None, D(2026, 11, 18)),
    ("sv", "flera gånger förra året", "repeated", D(2025, 1, 1), D(2025, 12, 31)),
    ("sv", "vet inte", "unknown", None, None),
    ("sv", "minns inte", "unknown", None, None),
    # "the month" is this month; its first ten days
    ("nb", "i starten av måneden", "period", D(2026, 11, 1), D(2026, 11, 10)),
    # --- Swedish, written fresh (one line: why this span) ---
    # the afternoon of yesterday is still yesterday
    ("sv", "igår eftermiddag", "date", D(2026, 11, 17), D(2026, 11, 17)),
    # two letters swapped: "veckan"
    ("sv", "förra veckna", "period", D(2026, 11, 9), D(2026, 11, 15)),
    # "förrförra" typed without ö: the week before last
    ("sv", "forrforra veckan", "period", D(2026, 11, 2), D(2026, 11, 8)),
    # the weekend before the last one (14-15 Nov)
    ("sv", "helgen före förra", "period", D(2026, 11, 7), D(2026, 11, 8)),
    # three weekends back, counting 14-15 Nov as the first
    ("sv", "för tre helger sedan", "period", D(2026, 10, 31), D(2026, 11, 1)),
    # "i förfjol": the year before last year
    ("sv", "i förfjol", "period", D(2024, 1, 1), D(2024, 12, 31)),
    # Boxing Day 2025, the latest one
    ("sv", "annandag jul", "date", D(2025, 12, 26), D(2025, 12, 26)),
    # Walpurgis night, 30 April
    ("sv", "på valborg", "date", D(2026, 4, 30), D(2026, 4, 30)),
    # Sweden's national day, 6 June
    ("sv", "nationaldagen", "date", D(2026, 6, 6), D(2026, 6, 6)),
    # Midsummer Day: the Saturday between 20 and 26 June
    ("sv", "midsommardagen", "date", D(2026, 6, 20), D(2026, 6, 20)),
    # Lucia, 13 December, of the year said
    ("sv", "på lucia förra året", "date", D(2025, 12, 13), D(2025, 12, 13)),
    # "kring påsk": Palm Sunday to Easter Monday
    ("sv", "kring påsk", "period", D(2026, 3, 29), D(2026, 4, 6)),
    # Good Friday, two days before Easter Sunday
    ("sv", "långfredagen", "date", D(2026, 4, 3), D(2026, 4, 3)),
    # from the start of March to the end of May
    ("sv", "mellan mars och maj", "period", D(2026, 3, 1), D(2026, 5, 31)),
    # from Palm Sunday to the end of the midsummer week
    ("sv", "från påsk fram till midsommar", "period", D(2026, 3, 29), D(2026, 6, 26)),
    # the last third of October
    ("sv", "i slutet av förra månaden", "period", D(2026, 10, 21), D(2026, 10, 31)),
    # the middle of July: 11-20
    ("sv", "i mitten av juli", "period", D(2026, 7, 11), D(2026, 7, 20)),
    # the first month of the spring just past
    ("sv", "tidigt i våras", "period", D(2026, 3, 1), D(2026, 3, 31)),
    # every Monday from Christmas until today
    ("sv", "varje måndag sedan jul", "repeated", D(2025, 12, 20), D(2026, 11, 18)),
    # Fridays in last year's autumn
    ("sv", "på fredagarna i höstas", "repeated", D(2025, 9, 1), D(2025, 11, 30)),
    # the 12th, this month
    ("sv", "den 12:e", "date", D(2026, 11, 12), D(2026, 11, 12)),
    # the 20th has not come this month: 20 October
    ("sv", "den tjugonde", "date", D(2026, 10, 20), D(2026, 10, 20)),
    # about a month back, three days either side
    ("sv", "för ungefär en månad sedan", "period", D(2026, 10, 15), D(2026, 10, 21)),
    # "ett par veckor": two to three weeks back, two days either side
    ("sv", "för ett par veckor sedan", "period", D(2026, 10, 26), D(2026, 11, 6)),
    # how long "ett tag" is, is not said: honestly not read
    ("sv", "för ett tag sedan", "unknown", None, None),
    # the night that just passed
    ("sv", "i natt", "period", D(2026, 11, 17), D(2026, 11, 18)),
    # English
    ("en", "last Thursday", "date", D(2026, 11, 12), D(2026, 11, 12)),
    ("en", "on Monday", "date", D(2026, 11, 16), D(2026, 11, 16)),
    ("en", "yesterday evening", "date", D(2026, 11, 17), D(2026, 11, 17)),
    ("en", "the day before yesterday", "date", D(2026, 11, 16), D(2026, 11, 16)),
    ("en", "last week", "period", D(2026, 11, 9), D(2026, 11, 15)),
    ("en", "last weekend", "period", D(2026, 11, 14), D(2026, 11, 15)),
    ("en", "last month", "period", D(2026, 10, 1), D(2026, 10, 31)),
    ("en", "two weeks ago", "period", D(2026, 11, 2), D(2026, 11, 6)),
    ("en", "a month ago", "period", D(2026, 10, 15), D(2026, 10, 21)),
    ("en", "around Easter", "period", D(2026, 3, 29), D(2026, 4, 6)),
    ("en", "at the Christmas party", "period", D(2025, 12, 1), D(2025, 12, 23)),
    ("en", "last summer", "period", D(2026, 6, 1), D(2026, 8, 31)),
    ("en", "in the spring of 2024", "period", D(2024, 3, 1), D(2024, 5, 31)),
    ("en", "late June", "period", D(2026, 6, 21), D(2026, 6, 30)),
    ("en", "in May last year", "period", D(2025, 5, 1), D(2025, 5, 31)),
    ("en", "in March", "period", D(2026, 3, 1), D(2026, 3, 31)),
    ("en", "3rd of May", "date", D(2026, 5, 3), D(2026, 5, 3)),
    ("en", "May 3rd", "date", D(2026, 5, 3), D(2026, 5, 3)),
    ("en", "12/3/2025", "date", D(2025, 3, 12), D(2025, 3, 12)),
    ("en", "in 2023", "period", D(2023, 1, 1), D(2023, 12, 31)),
    ("en", "since March", "ongoing", D(2026, 3, 1), D(2026, 11, 18)),
    ("en", "it's still going on", "ongoing", None, D(2026, 11, 18)),
    ("en", "every week since August", "repeated", D(2026, 8, 1), D(2026, 11, 18)),
    ("en", "several times last year", "repeated", D(2025, 1, 1), D(2025, 12, 31)),
    ("en", "I don't know", "unknown", None, None),
    ("en", "it may have been a while", "unknown", None, None),
    # the last seven days of October, not the past seven days
    ("sv", "sista veckan i oktober", "period", D(2026, 10, 25), D(2026, 10, 31)),
    # the middle of last week: Tuesday to Thursday
    ("sv", "i mitten av förra veckan", "period", D(2026, 11, 10), D(2026, 11, 12)),
    # the Easter weekend: Good Friday to Easter Monday
    ("sv", "under påskhelgen", "period", D(2026, 4, 3), D(2026, 4, 6)),
    # --- English, written fresh (one line: why this span) ---
    # the afternoon of yesterday is still yesterday
    ("en", "yesterday afternoon", "date", D(2026, 11, 17), D(2026, 11, 17)),
    # two letters swapped: Tuesday, the day before today
    ("en", "last tuseday", "date", D(2026, 11, 17), D(2026, 11, 17)),
    # the month before October
    ("en", "the month before last", "period", D(2026, 9, 1), D(2026, 9, 30)),
    # the Saturday before 14 November
    ("en", "the saturday before last", "date", D(2026, 11, 7), D(2026, 11, 7)),
    # three weekends back, counting 14-15 Nov as the first
    ("en", "three weekends ago", "period", D(2026, 10, 31), D(2026, 11, 1)),
    # two years back, the whole year
    ("en", "the year before last", "period", D(2024, 1, 1), D(2024, 12, 31)),
    # the latest New Year's Day
    ("en", "on New Year's Day", "date", D(2026, 1, 1), D(2026, 1, 1)),
    # the latest Boxing Day
    ("en", "Boxing Day", "date", D(2025, 12, 26), D(2025, 12, 26)),
    # Good Friday 2026, not last Friday
    ("en", "Good Friday", "date", D(2026, 4, 3), D(2026, 4, 3)),
    # this year's Halloween is past
    ("en", "Halloween", "date", D(2026, 10, 31), D(2026, 10, 31)),
    # the party on last year's Halloween
    ("en", "at the Halloween party last year", "date", D(2025, 10, 31), D(2025, 10, 31)),
    # the latest Christmas Eve
    ("en", "Christmas Eve", "date", D(2025, 12, 24), D(2025, 12, 24)),
    # from Palm Sunday to the end of the summer
    ("en", "between Easter and the summer holidays", "period", D(2026, 3, 29), D(2026, 8, 31)),
    # a period to today, not September alone
    ("en", "from September until today", "period", D(2026, 9, 1), D(2026, 11, 18)),
    # from the start of March to the end of May
    ("en", "from March to May", "period", D(2026, 3, 1), D(2026, 5, 31)),
    # the last third of October
    ("en", "towards the end of last month", "period", D(2026, 10, 21), D(2026, 10, 31)),
    # the middle of July: 11-20
    ("en", "mid-July", "period", D(2026, 7, 11), D(2026, 7, 20)),
    # the first third of this year
    ("en", "early this year", "period", D(2026, 1, 1), D(2026, 4, 30)),
    # every Tuesday from September until today
    ("en", "every Tuesday since September", "repeated", D(2026, 9, 1), D(2026, 11, 18)),
    # Mondays over the month up to today
    ("en", "on Mondays over the past month", "repeated", D(2026, 10, 18), D(2026, 11, 18)),
    # the 21st has not come this month: 21 October
    ("en", "on the 21st", "date", D(2026, 10, 21), D(2026, 10, 21)),
    # the first of this month
    ("en", "the first", "date", D(2026, 11, 1), D(2026, 11, 1)),
    # "the first time" is not a day of the month: honestly not read
    ("en", "the first time we met", "unknown", None, None),
    # about ten days back, a day either side
    ("en", "about ten days ago", "period", D(2026, 11, 7), D(2026, 11, 9)),
    # "a few weeks back": two to five weeks, a tenth either side
    ("en", "a few weeks back", "period", D(2026, 10, 10), D(2026, 11, 8)),
    # how long "a while" is, is not said: honestly not read
    ("en", "a while ago", "unknown", None, None),
    # the night that just passed
    ("en", "last night", "period", D(2026, 11, 17), D(2026, 11, 18)),
    # the first seven days of March
    ("en", "the first week of March", "period", D(2026, 3, 1), D(2026, 3, 7)),
    # late spring is its last month
    ("en", "in late spring", "period", D(2026, 5, 1), D(2026, 5, 31)),
    # a fortnight is two weeks: 12-16 days back
    ("en", "a fortnight ago", "period", D(2026, 11, 2), D(2026, 11, 6)),
]

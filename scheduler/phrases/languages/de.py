"""German: schedule words, numbers, day and month names, and local clock conventions.

Conventions: "halb neun" is 8:30 (half *to* nine), "dreiviertel neun" 8:45, "viertel nach 8"
8:15, "viertel vor 9" 8:45; "N Uhr" is on the 24-hour clock ("um 5 Uhr" 05:00, "17 Uhr 30"
17:30) unless a part of the day says otherwise ("um 5 Uhr nachmittags" 17:00); a bare "um 5"
follows the house rule (1-6 afternoon). "jeden zweiten Dienstag" is every other Tuesday (German
has no second reading); "am zweiten Dienstag im Monat" the 2nd Tuesday of the month.
"""

CODE = "de"

NUMBERS = {
    "null": 0, "eins": 1, "ein": 1, "eine": 1, "einen": 1, "einer": 1, "einem": 1, "zwei": 2,
    "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
    "elf": 11, "zwölf": 12, "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16,
    "siebzehn": 17, "achtzehn": 18, "neunzehn": 19, "zwanzig": 20, "einundzwanzig": 21,
    "zweiundzwanzig": 22, "dreiundzwanzig": 23, "fünfundzwanzig": 25, "dreißig": 30,
    "vierzig": 40, "fünfundvierzig": 45, "fünfzig": 50, "sechzig": 60, "neunzig": 90,
}  # fmt: skip

WORDS = {
    # repetition
    "jeden": "every", "jede": "every", "jedes": "every", "jedem": "every", "alle": "every",
    "täglich": "daily", "taeglich": "daily", "wöchentlich": "weekly", "monatlich": "monthly",
    "jährlich": "yearly", "stündlich": "hourly", "vierteljährlich": "quarterly",
    "zweiwöchentlich": "biweekly", "werktags": "on weekdays", "wochentags": "on weekdays",
    "mal": "times", "einmal": "once", "zweimal": "twice", "dreimal": "3 times",
    "viermal": "4 times", "fünfmal": "5 times", "pro": "per", "außer": "except",
    "ausser": "except", "ausgenommen": "except", "ohne": "except",
    # days and weeks
    "montag": "monday", "dienstag": "tuesday", "mittwoch": "wednesday",
    "donnerstag": "thursday", "freitag": "friday", "samstag": "saturday",
    "sonnabend": "saturday", "sonntag": "sunday", "montags": "mondays", "dienstags": "tuesdays",
    "mittwochs": "wednesdays", "donnerstags": "thursdays", "freitags": "fridays",
    "samstags": "saturdays", "sonntags": "sundays", "mo": "monday", "di": "tuesday",
    "mi": "wednesday", "do": "thursday", "fr": "friday", "sa": "saturday", "so": "sunday",
    "werktag": "weekday", "werktage": "weekdays", "werktagen": "weekdays",
    "arbeitstag": "business day", "arbeitstage": "business days", "arbeitstagen": "business days",
    "wochenende": "weekend", "wochenenden": "weekends",
    "heute": "today", "morgen": "tomorrow", "übermorgen": "the day after tomorrow",
    "gestern": "yesterday", "jetzt": "now", "sofort": "now",
    # months
    "januar": "january", "jänner": "january", "februar": "february", "märz": "march",
    "maerz": "march", "mär": "march", "mrz": "march", "mai": "may", "juni": "june",
    "juli": "july", "oktober": "october", "okt": "oct", "dezember": "december", "dez": "dec",
    # units
    "sekunde": "second", "sekunden": "seconds", "minute": "minute", "minuten": "minutes",
    "stunde": "hour", "stunden": "hours", "std": "hours", "tag": "day", "tage": "days",
    "tagen": "days", "tags": "day", "woche": "week", "wochen": "weeks", "monat": "month",
    "monate": "months", "monaten": "months", "monats": "month", "jahr": "year",
    "jahre": "years", "jahren": "years", "jahres": "year", "quartal": "quarter",
    "quartals": "quarter", "viertelstunde": "15 minutes",
    # times of day
    "um": "at", "gegen": "around", "uhr": "", "mittag": "noon", "mittags": "at noon",
    "mitternacht": "midnight", "morgens": "in the morning", "früh": "in the morning",
    "vormittags": "in the morning", "nachmittags": "in the afternoon",
    "abends": "in the evening", "nachts": "at night", "viertel": "quarter", "nach": "past",
    "vor": "to", "zwischen": "between", "und": "and", "oder": "or", "bis": "until",
    "ab": "starting", "von": "from", "beginnend": "starting",
    # ordinals
    "erste": "first", "ersten": "first", "erster": "first", "erstes": "first",
    "zweite": "second", "zweiten": "second", "dritte": "third", "dritten": "third",
    "vierte": "fourth", "vierten": "fourth", "fünfte": "fifth", "fünften": "fifth",
    "letzte": "last", "letzten": "last", "letzter": "last", "vorletzte": "second to last",
    "vorletzten": "second to last",
    # glue
    "am": "on", "an": "on", "im": "in", "in": "in", "des": "of the", "der": "the", "die": "the",
    "dem": "the", "den": "the", "zum": "the", "zur": "the", "für": "for", "nächsten": "next",
    "nächste": "next", "nächster": "next", "kommenden": "next", "diesen": "this",
    "diese": "this", "dieses": "this", "diesem": "this", "jeweils": "",
    "erinnere": "remind", "erinnern": "remind", "mich": "me", "uns": "us", "bitte": "please",
    "daran": "", "dass": "that",
    "heut": "today", "abend": "evening", "tägl": "daily", "ner": "a", "anderthalb": "1.5",
    "eineinhalb": "1.5", "ende": "end", "anfang": "beginning", "mitte": "mid",
    "termin": "time", "termine": "times", "terminen": "times", "mrgn": "tomorrow",
    "feiertag": "holiday", "feiertage": "holidays", "feiertagen": "holidays",
    "deutschland": "germany", "österreich": "austria", "schweiz": "switzerland",
    "wochentag": "weekday", "wochentage": "weekdays", "wochentagen": "weekdays",
}  # fmt: skip

PHRASES = {
    "jeden zweiten": "every other", "jede zweite": "every other", "jedes zweite": "every other",
    "alle zwei": "every 2", "jeden morgen": "every morning", "jeden abend": "every evening",
    "jeden mittag": "every day at noon", "jede nacht": "every night",
    "am morgen": "in the morning", "am vormittag": "in the morning",
    "am nachmittag": "in the afternoon", "am abend": "in the evening",
    "in der nacht": "at night", "heute abend": "tonight", "heute nacht": "tonight",
    "morgen früh": "tomorrow morning", "morgen abend": "tomorrow evening",
    "morgen nachmittag": "tomorrow afternoon", "morgen vormittag": "tomorrow morning",
    "am tag": "a day", "pro tag": "a day", "die woche": "a week", "pro woche": "a week",
    "im monat": "of the month", "des monats": "of the month", "jedes monats": "of every month",
    "eines monats": "of the month", "im quartal": "of the quarter", "des quartals": "of the quarter",
    "im jahr": "a year", "halbe stunde": "half hour", "halben stunde": "half hour",
    "zur vollen stunde": "on the hour", "zur halben stunde": "on the half hour",
    "ende des monats": "end of the month", "anfang des monats": "beginning of the month",
    "mitte des monats": "the 15th", "am wochenende": "on weekends",
    "jedes wochenende": "every weekend", "an werktagen": "on weekdays",
    "von montag bis freitag": "monday to friday", "montag bis freitag": "monday to friday",
    "mo - fr": "monday to friday", "in einer stunde": "in 1 hour",
    "in einer halben stunde": "in 30 minutes", "nach feierabend": "at 17:00",
    "für die nächsten": "for the next", "in zwei wochen": "in 2 weeks",
    "übernächste woche": "in 2 weeks", "nächste woche": "next week",
    "nächsten monat": "next month", "nächstes jahr": "next year",
    "einmal im monat": "once a month", "zweimal im monat": "twice a month",
    "einmal die woche": "once a week", "zweimal die woche": "twice a week",
    "irgendwann": "sometime", "irgendwann nächste woche": "sometime next week",
    "endet nach": "for", "zum feierabend": "end of day", "am feierabend": "end of day",
    "außer an feiertagen": "except holidays", "ausser an feiertagen": "except holidays",
    "an feiertagen": "on holidays", "feiertage ausgenommen": "holidays excluded",
    "in der stunde": "every hour", "jede volle stunde": "every hour on the hour",
    "jede halbe stunde": "every 30 minutes", "alle halbe stunde": "every 30 minutes",
    "jede viertelstunde": "every 15 minutes",
}  # fmt: skip

HALF_BEFORE = ("halb",)
QUARTER_PAST_BEFORE = ("viertel",)  # "viertel acht" = 7:15 (East Germany, Austria)
OFFSET_BEFORE = ("vor",)  # "fünf vor halb acht" = 7:25
OFFSET_AFTER = ("nach",)
FROM_WORDS = ("von", "vom", "zwischen")
TO_WORDS = ("bis",)
EVERY_N_SUFFIX = {"täglich": "days", "tägig": "days", "wöchentlich": "weeks", "wöchig": "weeks",
                  "monatlich": "months"}  # "14-täglich": every 14 days (fmt: skip)
QUARTER_BEFORE = ("dreiviertel",)
HOUR_MARKS = ("uhr",)
ORDINAL_DOT = True  # "am 15. März": the 15th

DESCRIBE = (
    ("second-to-last", "vorletzten"), ("after midnight", "nach Mitternacht"), ("from", "von"), ("to", "bis"), ("then", "dann"), 
    ("of every quarter", "jedes Quartals"), 
    ("except public holidays", "außer an Feiertagen"), 
    ("every other day", "jeden zweiten Tag"), ("every day", "täglich"),
    ("every weekday", "werktags"), ("every other", "jeden zweiten"), ("every hour", "stündlich"),
    ("every", "jeden"), ("once on", "einmal am"), ("on the last day", "am letzten Tag"),
    ("on the", "am"), ("of every month", "jedes Monats"), ("of every other month", "jedes zweiten Monats"),
    ("at", "um"), ("and", "und"), ("until", "bis"), ("starting", "ab"), ("times", "Mal"),
    ("twice", "zweimal"), ("once", "einmal"), ("except", "außer"), ("weeks", "Wochen"),
    ("days", "Tage"), ("months", "Monate"), ("minutes", "Minuten"), ("hours", "Stunden"),
    ("week", "Woche"), ("month", "Monat"), ("year", "Jahr"),
    ("Monday", "Montag"), ("Tuesday", "Dienstag"), ("Wednesday", "Mittwoch"),
    ("Thursday", "Donnerstag"), ("Friday", "Freitag"), ("Saturday", "Samstag"),
    ("Sunday", "Sonntag"), ("first", "ersten"), ("second", "zweiten"), ("third", "dritten"),
    ("fourth", "vierten"), ("last", "letzten"), ("weekday", "Werktag"),
    ("Mon", "Mo"), ("Tue", "Di"), ("Wed", "Mi"), ("Thu", "Do"), ("Fri", "Fr"), ("Sat", "Sa"),
    ("Sun", "So"), ("Mar", "Mär"), ("May", "Mai"), ("Oct", "Okt"), ("Dec", "Dez"),
)  # fmt: skip


def _de_every(days: list[int], and_word: str) -> str:
    names = [_DE_DAYS[d] for d in days]
    return "jeden " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {and_word} " + names[-1])


_DE_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
NATURAL = {
    "and": "und",
    "months": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
               "Oktober", "November", "Dezember"),
    "short_days": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
    "units": {"seconds": "Sekunden", "minutes": "Minuten", "hours": "Stunden", "days": "Tage",
              "weeks": "Wochen", "months": "Monate", "years": "Jahre"},
    "every_n": "alle {n} {unit}",
    "every_unit": {"year": "jedes Jahr", "week": "jede Woche", "month": "jeden Monat"},
    "every_days": _de_every,
    "every_other_day_of_week": lambda d: f"jeden zweiten {_DE_DAYS[d]}",
    "date": lambda day, month: f"{day}. {month}",
    "on_date": "am {date}",
    "full_date": lambda wd, day, month, year: f"{wd}, {day}. {month} {year}",
    "nth_weekday": lambda n, d: f"am {('ersten', 'zweiten', 'dritten', 'vierten', 'fünften', 'letzten')[n]} {_DE_DAYS[d]}",
    "ordinal": lambda n: f"{n}.",
}  # fmt: skip

# "erinnere mich (bitte) (daran,) an den Bericht / dass …": the lead is cut from the reminder.
REMIND_LEAD = (r"^(?:bitte\s+)?(?:erinnere?|erinnert|erinnern\s+sie)\s+(?:mich|uns)(?:\s+bitte)?"
               r"(?:\s+daran)?,?\s*(?:an\s+|dass\s+|zu\s+)?|^sag\s+(?:mir|uns)\s+bescheid,?\s*(?:dass\s+)?")
REPLY = {
    "done": "Erledigt", "updated": "Geändert", "task": "Aufgabe", "next": "nächste",
    "note": "Hinweis",
    "approval": "Sie wartet auf die Freigabe durch eine Person, bevor sie laufen kann.",
    "not_running": ("Gespeichert, aber gerade läuft nichts, das sie auslöst — starte `cronpilot serve` "
                    "oder siehe `cronpilot service install`"),
}

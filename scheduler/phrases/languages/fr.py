"""French: schedule words, numbers, day and month names, and local clock conventions.

Conventions: "17h", "17h30", "à 9 heures" are on the 24-hour clock ("à 5 heures du soir"
17:00); "9 heures et demie" 9:30, "9h et quart" 9:15, "9 heures moins le quart" 8:45; a bare
"à 5" follows the house rule. "tous les quinze jours" is every two weeks (the French idiom).
"vendredi prochain" follows the English "next Friday" convention (the Friday of next week).
"""

CODE = "fr"

NUMBERS = {
    "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60,
}  # fmt: skip

WORDS = {
    "chaque": "every", "tous": "every", "toutes": "every", "quotidien": "daily",
    "quotidiennement": "daily", "hebdomadaire": "weekly", "mensuel": "monthly",
    "mensuellement": "monthly", "annuel": "yearly", "trimestriel": "quarterly",
    "fois": "times", "sauf": "except", "excepté": "except", "hormis": "except",
    "lundi": "monday", "mardi": "tuesday", "mercredi": "wednesday", "jeudi": "thursday",
    "vendredi": "friday", "samedi": "saturday", "dimanche": "sunday", "lundis": "mondays",
    "mardis": "tuesdays", "mercredis": "wednesdays", "jeudis": "thursdays",
    "vendredis": "fridays", "samedis": "saturdays", "dimanches": "sundays",
    "lun": "monday", "mer": "wednesday", "jeu": "thursday", "ven": "friday", "sam": "saturday",
    "dim": "sunday", "ouvrés": "weekdays", "ouvrables": "weekdays", "ouvré": "weekday",
    "aujourd'hui": "today", "demain": "tomorrow", "après-demain": "the day after tomorrow",
    "hier": "yesterday", "maintenant": "now",
    "janvier": "january", "février": "february", "mars": "march", "avril": "april",
    "mai": "may", "juin": "june", "juillet": "july", "août": "august", "aout": "august",
    "septembre": "september", "octobre": "october", "novembre": "november",
    "décembre": "december", "janv": "jan", "févr": "feb", "juil": "jul", "déc": "dec",
    "seconde": "second", "secondes": "seconds", "minute": "minute", "minutes": "minutes",
    "heure": "hour", "heures": "hours", "jour": "day", "jours": "days", "semaine": "week",
    "semaines": "weeks", "mois": "month", "an": "year", "ans": "years", "année": "year",
    "années": "years", "trimestre": "quarter", "quinzaine": "2 weeks",
    "à": "at", "a": "at", "vers": "around", "midi": "noon", "minuit": "midnight",
    "matin": "morning", "soir": "evening", "nuit": "night", "après-midi": "afternoon",
    "entre": "between", "et": "and", "ou": "or", "jusqu'au": "until", "jusqu'à": "until",
    "jusqu'en": "until", "dès": "starting", "depuis": "starting", "pendant": "for",
    "dans": "in", "en": "in", "de": "of", "du": "of the", "le": "", "la": "", "les": "",
    "l'": "", "premier": "first", "première": "first", "1er": "first", "deuxième": "second",
    "second": "second", "troisième": "third", "quatrième": "fourth", "cinquième": "fifth",
    "dernier": "last", "dernière": "last", "avant-dernier": "second to last",
    "prochain": "next", "prochaine": "next", "suivant": "next", "ce": "this", "cette": "this",
    "rappelle-moi": "remind me", "rappelle": "remind", "moi": "me", "rappeler": "remind",
    "me": "me", "merci": "", "stp": "please", "svp": "please",
    "premiers": "first", "premières": "first", "deuxièmes": "second", "troisièmes": "third",
    "quatrièmes": "fourth", "derniers": "last", "dernières": "last", "dem": "tomorrow",
    "ds": "in", "ts": "every", "tlj": "every day", "aprem": "afternoon", "aprèm": "afternoon",
    "fin": "end", "début": "beginning", "férié": "holiday", "fériés": "holidays",
    "hors": "except", "france": "france", "belgique": "belgium", "suisse": "switzerland",
    "canada": "canada", "québec": "quebec", "jusqu'a": "until",
}  # fmt: skip

PHRASES = {
    "tous les jours": "every day", "chaque jour": "every day", "tous les matins": "every morning",
    "chaque matin": "every morning", "tous les soirs": "every evening", "chaque soir": "every evening",
    "toutes les nuits": "every night", "toutes les semaines": "every week",
    "tous les mois": "every month", "tous les ans": "every year", "toutes les heures": "every hour",
    "tous les": "every", "toutes les": "every", "tous les deux": "every 2",
    "toutes les deux": "every 2", "tous les quinze jours": "every 2 weeks",
    "tous les 15 jours": "every 2 weeks", "un jour sur deux": "every other day",
    "une semaine sur deux": "every other week", "un mois sur deux": "every other month",
    "une demi-heure": "30 minutes", "demi-heure": "30 minutes", "demi - heure": "30 minutes",
    "une demi - heure": "30 minutes", "un quart d'heure": "15 minutes", "quart d'heure": "15 minutes",
    "du matin": "in the morning", "le matin": "in the morning", "au matin": "in the morning",
    "de l'après - midi": "in the afternoon", "l'après - midi": "in the afternoon",
    "après - midi": "afternoon", "cet après - midi": "this afternoon",
    "du soir": "in the evening", "le soir": "in the evening", "ce soir": "tonight",
    "cette nuit": "tonight", "la nuit": "at night", "de la nuit": "at night",
    "demain matin": "tomorrow morning", "demain soir": "tomorrow evening",
    "demain après - midi": "tomorrow afternoon", "après - demain": "the day after tomorrow",
    "en semaine": "on weekdays", "jours ouvrés": "business days",
    "jours ouvrables": "monday to saturday", "jour ouvré": "business day",
    "jour ouvrable": "monday to saturday",
    "le week - end": "on weekends", "les week - ends": "on weekends", "week - end": "weekend",
    "week - ends": "weekends", "du lundi au vendredi": "monday to friday",
    "lundi au vendredi": "monday to friday", "du mois": "of the month",
    "de chaque mois": "of every month", "de chaque trimestre": "of every quarter",
    "du trimestre": "of the quarter", "par jour": "a day", "par semaine": "a week",
    "par mois": "a month", "par an": "a year", "à partir de": "starting",
    "à partir du": "starting", "d'ici": "in", "pendant les": "for the", "les prochaines": "the next",
    "les prochains": "the next", "la semaine prochaine": "next week",
    "le mois prochain": "next month", "l'année prochaine": "next year",
    "à l'heure pile": "on the hour", "une fois": "once", "deux fois": "twice",
    "un de ces jours": "sometime", "à un moment": "sometime", "dans la semaine": "sometime",
    "au cours de": "in", "jusqu'à la fin": "until the end",
    "avant - dernier": "second to last", "avant - dernière": "second to last",
    "avant - derniers": "second to last", "jours fériés": "holidays", "jour férié": "holiday",
    "en fin de journée": "end of day", "fin de journée": "end of day", "en fin de journee": "end of day",
    "toutes les heures pile": "every hour on the hour", "à chaque heure pile": "every hour on the hour",
    "à la demie": "on the half hour",
    "toutes les demi - heures": "every 30 minutes", "demi - heures": "30 minutes",
    "tous les jours ouvrés": "every weekday", "tous les jours ouvrables": "every monday to saturday",
    "chaque jour ouvré": "every weekday", "chaque jour ouvrable": "every monday to saturday",
    "fin de mois": "the end of the month", "jusqu'à fin": "until the end of",
    "ts les jours": "every day", "tous les lundi": "every monday", "tous les mardi": "every tuesday",
    "tous les mercredi": "every wednesday", "tous les jeudi": "every thursday",
    "tous les vendredi": "every friday", "tous les samedi": "every saturday",
    "tous les dimanche": "every sunday", "une heure et demie": "1.5 hours",
}  # fmt: skip

PLUS = ("et",)
MINUS = ("moins",)
HALF = ("demie", "demi")
QUARTER = ("quart",)
HOUR_MARKS = ("heures", "heure", "h")
DAY_ARTICLES = ("le",)
FROM_WORDS = ("de", "du", "des")
TO_WORDS = ("à", "a", "au", "aux", "jusqu'à", "jusqu'au")
ELISIONS = ("l'", "d'")
POSTPOSED_NEXT = ("prochain", "prochaine")  # "lundi prochain": next Monday
EVERY_OTHER_LEAD = ("un", "une")  # "un lundi sur deux": every other Monday
EVERY_OTHER_TAIL = ("sur", "deux")
ORDINAL_SUFFIXES = ("er", "re", "e", "eme", "ème")

DESCRIBE = (
    ("second-to-last", "avant-dernier"), ("after midnight", "après minuit"), ("from", "de"), ("to", "à"), ("then", "puis"), 
    ("of every quarter", "de chaque trimestre"), 
    ("except public holidays", "sauf jours fériés"), 
    ("every other day", "un jour sur deux"), ("every day", "tous les jours"),
    ("every weekday", "du lundi au vendredi"), ("every other", "un sur deux :"),
    ("every hour", "toutes les heures"), ("every", "chaque"), ("once on", "une fois le"),
    ("on the last day", "le dernier jour"), ("on the", "le"), ("of every month", "de chaque mois"),
    ("at", "à"), ("and", "et"), ("until", "jusqu'au"), ("starting", "à partir du"),
    ("times", "fois"), ("twice", "deux fois"), ("once", "une fois"), ("except", "sauf"),
    ("weeks", "semaines"), ("days", "jours"), ("months", "mois"), ("minutes", "minutes"),
    ("hours", "heures"), ("week", "semaine"), ("month", "mois"), ("year", "an"),
    ("Monday", "lundi"), ("Tuesday", "mardi"), ("Wednesday", "mercredi"), ("Thursday", "jeudi"),
    ("Friday", "vendredi"), ("Saturday", "samedi"), ("Sunday", "dimanche"), ("first", "premier"),
    ("second", "deuxième"), ("third", "troisième"), ("fourth", "quatrième"), ("last", "dernier"),
    ("weekday", "jour ouvré"),
    ("Mon", "lun"), ("Tue", "mar"), ("Wed", "mer"), ("Thu", "jeu"), ("Fri", "ven"), ("Sat", "sam"),
    ("Sun", "dim"), ("Feb", "févr"), ("Apr", "avr"), ("May", "mai"), ("Jun", "juin"),
    ("Jul", "juil"), ("Aug", "août"), ("Dec", "déc"),
)  # fmt: skip


_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
NATURAL = {
    "and": "et",
    "months": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
               "septembre", "octobre", "novembre", "décembre"),
    "short_days": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "units": {"seconds": "secondes", "minutes": "minutes", "hours": "heures", "days": "jours",
              "weeks": "semaines", "months": "mois", "years": "ans"},
    "every_n": "toutes les {n} {unit}",
    "every_unit": {"year": "chaque année", "week": "chaque semaine", "month": "chaque mois"},
    "every_days": lambda days, and_word: "tous les " + (
        _FR_DAYS[days[0]] + "s" if len(days) == 1
        else ", ".join(_FR_DAYS[d] + "s" for d in days[:-1]) + f" {and_word} " + _FR_DAYS[days[-1]] + "s"),
    "every_other_day_of_week": lambda d: f"un {_FR_DAYS[d]} sur deux",
    "date": lambda day, month: f"{'1er' if day == 1 else day} {month}",
    "on_date": "le {date}",
    "full_date": lambda wd, day, month, year: f"{wd} {'1er' if day == 1 else day} {month} {year}",
    "nth_weekday": lambda n, d: "le " + ("premier", "deuxième", "troisième", "quatrième", "cinquième", "dernier")[n]
                                 + " " + _FR_DAYS[d],
    "ordinal": lambda n: "1er" if n == 1 else str(n),
}  # fmt: skip

# "rappelle-moi (de / d') envoyer le rapport": the lead is cut from the reminder.
REMIND_LEAD = (r"^(?:s'il\s+te\s+pla[iî]t,?\s+)?(?:rappelle|rappelez)[- ](?:moi|nous)(?:\s+stp)?,?\s*"
               r"(?:de\s+|d['’]\s*|que\s+|qu['’]\s*)?|^fais[- ]moi\s+penser\s+(?:à|a)\s+")
REPLY = {
    "done": "C'est fait", "updated": "Modifiée", "task": "tâche", "next": "prochaine",
    "note": "Remarque",
    "approval": "Elle attend l'approbation d'une personne avant de pouvoir s'exécuter.",
    "not_running": ("Enregistrée, mais rien ne tourne pour la déclencher : lance `cronpilot serve` "
                    "ou vois `cronpilot service install`"),
}

"""Spanish: schedule words, numbers, day and month names, and local clock conventions.

Conventions: "mañana" is tomorrow, "por/de la mañana" the morning ("mañana a las 10" is
tomorrow at 10:00, "a las 5 de la tarde" 17:00); "las 8 y media" 8:30, "las 8 y cuarto" 8:15,
"las 9 menos cuarto" 8:45; "N horas"/"Nh" are on the 24-hour clock; a bare "a las 5" follows
the house rule (1-6 afternoon). "el próximo viernes" follows the English "next Friday"
convention (the Friday of next week).
"""

CODE = "es"

NUMBERS = {
    "cero": 0, "uno": 1, "una": 1, "un": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
    "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
    "trece": 13, "catorce": 14, "quince": 15, "dieciséis": 16, "diecisiete": 17,
    "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiuno": 21, "veintidós": 22,
    "veintitrés": 23, "veinticinco": 25, "treinta": 30, "cuarenta": 40,
    "cuarenta y cinco": 45, "cincuenta": 50, "sesenta": 60, "noventa": 90,
}  # fmt: skip

WORDS = {
    "cada": "every", "todos": "every", "todas": "every", "diario": "daily", "diariamente": "daily",
    "semanal": "weekly", "semanalmente": "weekly", "mensual": "monthly",
    "mensualmente": "monthly", "anual": "yearly", "anualmente": "yearly",
    "trimestral": "quarterly", "quincenal": "biweekly", "veces": "times", "vez": "time",
    "excepto": "except", "salvo": "except", "menos": "except",
    "lunes": "monday", "martes": "tuesday", "miércoles": "wednesday", "jueves": "thursday",
    "viernes": "friday", "sábado": "saturday", "sabado": "saturday", "domingo": "sunday",
    "sábados": "saturdays", "domingos": "sundays", "lun": "monday",
    "mié": "wednesday", "jue": "thursday", "vie": "friday", "sáb": "saturday", "dom": "sunday",
    "laborables": "weekdays", "hábiles": "weekdays", "finde": "weekend",
    "hoy": "today", "mañana": "tomorrow", "ayer": "yesterday", "ahora": "now",
    "enero": "january", "febrero": "february", "marzo": "march", "abril": "april",
    "mayo": "may", "junio": "june", "julio": "july", "agosto": "august",
    "septiembre": "september", "setiembre": "september", "octubre": "october",
    "noviembre": "november", "diciembre": "december",
    "segundo": "second", "segundos": "seconds", "minuto": "minute", "minutos": "minutes",
    "hora": "hour", "horas": "hours", "día": "day", "días": "days", "semana": "week",
    "semanas": "weeks", "mes": "month", "meses": "months", "año": "year", "años": "years",
    "trimestre": "quarter", "quincena": "2 weeks",
    "a": "at", "las": "", "la": "", "el": "", "los": "", "al": "at", "sobre": "around",
    "mediodía": "noon", "medianoche": "midnight", "madrugada": "night",
    "entre": "between", "y": "and", "o": "or", "hasta": "until", "desde": "starting",
    "durante": "for", "dentro": "in", "en": "in", "de": "of", "del": "of the",
    "primer": "first", "primero": "first", "primera": "first", "segunda": "second",
    "tercer": "third", "tercero": "third", "tercera": "third", "cuarto": "fourth",
    "cuarta": "fourth", "quinto": "fifth", "último": "last", "última": "last",
    "penúltimo": "second to last", "penúltima": "second to last",
    "próximo": "next", "próxima": "next", "siguiente": "next", "este": "this", "esta": "this",
    "recuérdame": "remind me", "recordarme": "remind me", "recuerdame": "remind me",
    "avísame": "remind me", "avisame": "remind me", "por": "", "favor": "please",
    "que": "to", "algún": "some", "pronto": "soon",
    "últimos": "last", "últimas": "last", "primeros": "first", "primeras": "first",
    "terceros": "third", "u": "or", "fin": "end", "finales": "end",
    "festivo": "holiday", "festivos": "holidays", "feriado": "holiday", "feriados": "holidays",
    "españa": "spain", "méxico": "mexico", "chile": "chile", "mñn": "tomorrow",
    "mñana": "tomorrow", "x": "",
}  # fmt: skip

PHRASES = {
    # "los lunes y viernes": the article before a weekday (plural by form) means each of them
    **{f"los {day}": f"{english}s" for day, english in (
        ("lunes", "monday"), ("martes", "tuesday"), ("miércoles", "wednesday"),
        ("miercoles", "wednesday"), ("jueves", "thursday"), ("viernes", "friday"))},
    "los sábados": "saturdays", "los sabados": "saturdays", "los domingos": "sundays",
    "todos los días": "every day", "todos los dias": "every day", "cada día": "every day",
    "todas las semanas": "every week", "todos los meses": "every month",
    "todos los años": "every year", "todas las mañanas": "every morning",
    "todas las tardes": "every afternoon", "todas las noches": "every night",
    "cada mañana": "every morning", "cada tarde": "every afternoon", "cada noche": "every night",
    "cada dos": "every 2", "cada hora": "every hour", "cada media hora": "every 30 minutes",
    "media hora": "30 minutes", "cuarto de hora": "15 minutes",
    "un día sí y otro no": "every other day", "día por medio": "every other day",
    "de la mañana": "in the morning", "por la mañana": "in the morning",
    "en la mañana": "in the morning", "de la tarde": "in the afternoon",
    "por la tarde": "in the afternoon", "en la tarde": "in the afternoon",
    "de la noche": "at night", "por la noche": "at night", "en la noche": "at night",
    "esta noche": "tonight", "esta tarde": "this afternoon", "esta mañana": "this morning",
    "mañana por la mañana": "tomorrow morning", "mañana en la mañana": "tomorrow morning",
    "mañana por la tarde": "tomorrow afternoon", "mañana por la noche": "tomorrow night",
    "pasado mañana": "the day after tomorrow", "de la madrugada": "in the morning",
    "entre semana": "on weekdays", "días laborables": "weekdays", "días hábiles": "business days",
    "día laborable": "business day", "día hábil": "business day",
    "fin de semana": "weekend", "fines de semana": "weekends",
    "los fines de semana": "on weekends", "de lunes a viernes": "monday to friday",
    "lunes a viernes": "monday to friday", "del mes": "of the month", "de cada mes": "of every month",
    "de cada trimestre": "of every quarter", "del trimestre": "of the quarter",
    "al día": "a day", "por día": "a day", "a la semana": "a week", "por semana": "a week",
    "al mes": "a month", "por mes": "a month", "al año": "a year",
    "dentro de": "in", "a partir de": "starting", "a partir del": "starting",
    "durante las próximas": "for the next", "durante los próximos": "for the next",
    "las próximas": "the next", "los próximos": "the next", "la próxima semana": "next week",
    "el próximo mes": "next month", "el mes que viene": "next month",
    "la semana que viene": "next week", "en punto": "o'clock", "a las": "at", "a la": "at",
    "algún momento": "sometime", "en algún momento": "sometime", "la semana próxima": "next week",
    "el próximo": "next", "la próxima": "next", "cada quince días": "every 2 weeks",
    "cada 15 días": "every 15 days", "una vez": "once", "dos veces": "twice",
    "a la hora en punto": "on the hour", "a las y media": "on the half hour",
    "a y media": "on the half hour",
    "a última hora": "end of day", "a ultima hora": "end of day", "al final del día": "end of day",
    "cada hora en punto": "every hour on the hour", "todas las horas en punto": "every hour on the hour",
    "a finales de": "the end of", "finales de": "the end of", "fin de": "the end of",
    "x la tarde": "in the afternoon", "x la mañana": "in the morning", "x la noche": "at night",
    "días de semana": "weekdays", "dias de semana": "weekdays", "cada día hábil": "every business day",
    "hora y media": "1.5 hours", "una hora y media": "1.5 hours",
}  # fmt: skip

PLUS = ("y",)
MINUS = ("menos",)
HALF = ("media",)
QUARTER = ("cuarto",)
HOUR_MARKS = ("horas", "hrs", "hs", "h")
DAY_ARTICLES = ("el", "día", "dia", "días", "dias")
FROM_WORDS = ("de", "desde", "del")
TO_WORDS = ("a", "al", "hasta")
MINUTE_LEADS = ("a los", "los")  # "cada hora a los 15 y a los 45 minutos"
ORDINAL_SUFFIXES = ("o", "a", "ro", "do", "er", "to")

DESCRIBE = (
    ("second-to-last", "penúltimo"), ("after midnight", "después de medianoche"), ("from", "de"), ("to", "a"), ("then", "luego"), 
    ("of every quarter", "de cada trimestre"), 
    ("except public holidays", "excepto festivos"), 
    ("every other day", "cada dos días"), ("every day", "todos los días"),
    ("every weekday", "de lunes a viernes"), ("every other", "cada dos"), ("every hour", "cada hora"),
    ("every", "cada"), ("once on", "una vez el"), ("on the last day", "el último día"),
    ("on the", "el"), ("of every month", "de cada mes"), ("of every other month", "de cada dos meses"),
    ("at", "a las"), ("and", "y"), ("until", "hasta"), ("starting", "desde"), ("times", "veces"),
    ("twice", "dos veces"), ("once", "una vez"), ("except", "excepto"), ("weeks", "semanas"),
    ("days", "días"), ("months", "meses"), ("minutes", "minutos"), ("hours", "horas"),
    ("week", "semana"), ("month", "mes"), ("year", "año"),
    ("Monday", "lunes"), ("Tuesday", "martes"), ("Wednesday", "miércoles"), ("Thursday", "jueves"),
    ("Friday", "viernes"), ("Saturday", "sábado"), ("Sunday", "domingo"), ("first", "primer"),
    ("second", "segundo"), ("third", "tercer"), ("fourth", "cuarto"), ("last", "último"),
    ("weekday", "día laborable"),
    ("Mon", "lun"), ("Tue", "mar"), ("Wed", "mié"), ("Thu", "jue"), ("Fri", "vie"), ("Sat", "sáb"),
    ("Sun", "dom"), ("Jan", "ene"), ("Apr", "abr"), ("Aug", "ago"), ("Dec", "dic"),
)  # fmt: skip


_ES_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos")
NATURAL = {
    "and": "y",
    "months": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
               "septiembre", "octubre", "noviembre", "diciembre"),
    "short_days": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
    "units": {"seconds": "segundos", "minutes": "minutos", "hours": "horas", "days": "días",
              "weeks": "semanas", "months": "meses", "years": "años"},
    "every_n": "cada {n} {unit}",
    "every_unit": {"year": "cada año", "week": "cada semana", "month": "cada mes"},
    "every_days": lambda days, and_word: "todos los " + (
        _ES_DAYS[days[0]] if len(days) == 1
        else ", ".join(_ES_DAYS[d] for d in days[:-1]) + f" {and_word} " + _ES_DAYS[days[-1]]),
    "every_other_day_of_week": lambda d: f"cada dos {_ES_DAYS[d]}",
    "date": lambda day, month: f"{day} de {month}",
    "on_date": "el {date}",
    "full_date": lambda wd, day, month, year: f"{wd} {day} de {month} de {year}",
    "nth_weekday": lambda n, d: "el " + ("primer", "segundo", "tercer", "cuarto", "quinto", "último")[n]
                                 + " " + ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")[d],
    "ordinal": lambda n: str(n),
}  # fmt: skip

# "recuérdame (que / de) enviar el informe": the lead is cut from the reminder.
REMIND_LEAD = (r"^(?:por\s+favor,?\s+)?(?:recu[eé]rda(?:me|nos)|recu[eé]rde(?:me|nos)|av[ií]sa(?:me|nos)|"
               r"ac[uú]erda(?:me|nos))(?:\s+por\s+favor)?,?\s*(?:de\s+que\s+|de\s+|que\s+)?")
REPLY = {
    "done": "Hecho", "updated": "Cambiado", "task": "tarea", "next": "próxima",
    "note": "Nota",
    "approval": "Espera la aprobación de una persona antes de poder ejecutarse.",
    "not_running": ("Guardada, pero no hay nada en marcha que la dispare: inicia `cronpilot serve` "
                    "o mira `cronpilot service install`"),
}

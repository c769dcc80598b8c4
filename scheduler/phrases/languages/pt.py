"""Portuguese (Brazil and Portugal): schedule words, numbers, day and month names, and local
clock conventions.

Conventions: "às 10h", "às 10 horas" are on the 24-hour clock ("às 5h da tarde" 17:00); "9 e
meia" 9:30, "9 e quinze" 9:15; a bare "às 5" follows the house rule. "segunda" ... "sexta" are
weekdays (segunda-feira ...) unless a weekday or a unit follows ("a segunda terça-feira do mês"
is the 2nd Tuesday of the month). "de 15 em 15 minutos" is every 15 minutes.
"""

CODE = "pt"

NUMBERS = {
    "zero": 0, "um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "quatro": 4, "cinco": 5,
    "seis": 6, "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12,
    "treze": 13, "catorze": 14, "quatorze": 14, "quinze": 15, "dezesseis": 16, "vinte": 20,
    "trinta": 30, "quarenta": 40, "cinquenta": 50, "sessenta": 60,
}  # fmt: skip

WORDS = {
    "cada": "every", "todo": "every", "toda": "every", "todos": "every", "todas": "every",
    "diário": "daily", "diariamente": "daily", "semanal": "weekly", "semanalmente": "weekly",
    "mensal": "monthly", "mensalmente": "monthly", "anual": "yearly", "anualmente": "yearly",
    "trimestral": "quarterly", "quinzenal": "biweekly", "quinzenalmente": "biweekly",
    "vezes": "times", "vez": "time", "exceto": "except", "menos": "except", "salvo": "except",
    "domingo": "sunday", "domingos": "sundays", "sábado": "saturday", "sábados": "saturdays",
    "seg": "monday", "ter": "tuesday", "qua": "wednesday", "qui": "thursday", "sex": "friday",
    "sáb": "saturday", "dom": "sunday", "úteis": "weekdays", "util": "weekday", "útil": "weekday",
    "hoje": "today", "amanhã": "tomorrow", "ontem": "yesterday", "agora": "now",
    "janeiro": "january", "fevereiro": "february", "março": "march", "abril": "april",
    "maio": "may", "junho": "june", "julho": "july", "agosto": "august", "setembro": "september",
    "outubro": "october", "novembro": "november", "dezembro": "december",
    "segundos": "seconds", "minuto": "minute", "minutos": "minutes", "hora": "hour",
    "horas": "hours", "dia": "day", "dias": "days", "semana": "week", "semanas": "weeks",
    "mês": "month", "mes": "month", "meses": "months", "ano": "year", "anos": "years",
    "trimestre": "quarter", "quinzena": "2 weeks",
    "às": "at", "as": "at", "à": "at", "ao": "at", "lá": "around", "meio-dia": "noon",
    "meia-noite": "midnight", "madrugada": "night", "entre": "between", "e": "and",
    "ou": "or", "até": "until", "desde": "starting", "durante": "for", "daqui": "in",
    "em": "in", "de": "of", "do": "of the", "da": "of the", "o": "", "a": "", "os": "",
    "primeiro": "first", "primeira": "first", "terceiro": "third", "terceira": "third",
    "último": "last", "última": "last", "penúltimo": "second to last",
    "penúltima": "second to last", "próximo": "next", "próxima": "next", "este": "this",
    "esta": "this", "nesta": "this", "neste": "this", "lembre-me": "remind me",
    "lembrar": "remind", "lembre": "remind", "me": "me", "lembra": "remind",
    "favor": "please", "por": "", "que": "to", "algum": "some",
    "td": "every", "tds": "every", "hj": "today", "no": "on the", "na": "on the",
    "nos": "on the", "nas": "on the", "fim": "end", "feriado": "holiday", "feriados": "holidays",
    "portugal": "portugal", "brasil": "brazil", "primeiros": "first", "últimos": "last",
    "últimas": "last",
}  # fmt: skip

PHRASES = {
    "segunda - feira": "monday", "terça - feira": "tuesday", "quarta - feira": "wednesday",
    "quinta - feira": "thursday", "sexta - feira": "friday", "segundas - feiras": "mondays",
    "terças - feiras": "tuesdays", "quartas - feiras": "wednesdays",
    "quintas - feiras": "thursdays", "sextas - feiras": "fridays",
    "todo dia": "every day", "todos os dias": "every day", "toda semana": "every week",
    "todas as semanas": "every week", "todo mês": "every month", "todos os meses": "every month",
    "todo ano": "every year", "todos os anos": "every year", "toda manhã": "every morning",
    "todas as manhãs": "every morning", "toda noite": "every night",
    "todas as noites": "every night", "toda tarde": "every afternoon",
    "a cada": "every", "de hora em hora": "every hour", "a cada hora": "every hour",
    "dia sim, dia não": "every other day", "dia sim dia não": "every other day",
    "meia hora": "30 minutes", "meia - hora": "30 minutes", "quarto de hora": "15 minutes",
    "da manhã": "in the morning", "de manhã": "in the morning", "pela manhã": "in the morning",
    "da tarde": "in the afternoon", "à tarde": "in the afternoon", "de tarde": "in the afternoon",
    "pela tarde": "in the afternoon", "da noite": "at night", "à noite": "at night",
    "de noite": "at night", "hoje à noite": "tonight", "hoje de noite": "tonight",
    "esta noite": "tonight", "amanhã de manhã": "tomorrow morning",
    "amanhã cedo": "tomorrow morning", "amanhã à tarde": "tomorrow afternoon",
    "amanhã à noite": "tomorrow night", "depois de amanhã": "the day after tomorrow",
    "dias úteis": "business days", "dia útil": "business day", "fim de semana": "weekend",
    "fins de semana": "weekends", "nos fins de semana": "on weekends",
    "de segunda a sexta": "monday to friday", "segunda a sexta": "monday to friday",
    "do mês": "of the month", "de cada mês": "of every month", "de todo mês": "of every month",
    "do trimestre": "of the quarter", "de cada trimestre": "of every quarter",
    "por dia": "a day", "ao dia": "a day", "por semana": "a week", "na semana": "a week",
    "por mês": "a month", "ao mês": "a month", "por ano": "a year",
    "daqui a": "in", "a partir de": "starting", "a partir do": "starting",
    "a partir da": "starting", "pelas próximas": "for the next", "pelos próximos": "for the next",
    "durante as próximas": "for the next", "durante os próximos": "for the next",
    "semana que vem": "next week", "próxima semana": "next week", "mês que vem": "next month",
    "próximo mês": "next month", "em ponto": "o'clock", "uma vez": "once",
    "duas vezes": "twice", "algum dia": "sometime", "em algum momento": "sometime",
    "na hora cheia": "on the hour", "de 15 em 15 minutos": "every 15 minutes",
    "de 10 em 10 minutos": "every 10 minutes", "de 30 em 30 minutos": "every 30 minutes",
    "de 2 em 2 horas": "every 2 hours", "de duas em duas horas": "every 2 hours",
    "a cada quinze dias": "every 2 weeks", "de quinze em quinze dias": "every 2 weeks",
    "todas as": "every", "todos os": "every", "meio - dia": "noon", "meia - noite": "midnight",
    "todo dia útil": "every business day",
    "todo dia util": "every business day", "cada dia útil": "every business day",
    "a cada hora em ponto": "every hour on the hour", "de hora em hora em ponto": "every hour on the hour",
    "nos dias de semana": "on weekdays", "dias de semana": "weekdays", "td dia": "every day",
    "o fim de": "the end of", "fim de": "the end of", "uma hora e meia": "1.5 hours",
    "hora e meia": "1.5 hours",
}  # fmt: skip

PLUS = ("e",)
HALF = ("meia",)
QUARTER = ("quinze",)
HOUR_MARKS = ("horas", "hora", "h", "hs")
DAY_ARTICLES = ("dia", "dias")
TO_HOUR = ("para",)  # "quinze para as nove" = 8:45
FROM_WORDS = ("de", "das", "dos", "desde", "do", "da")
TO_WORDS = ("a", "às", "as", "até", "ao")
MINUTE_LEADS = ("aos", "nos")  # "a cada hora aos 15 e aos 45 minutos"
ORDINAL_SUFFIXES = ("o", "a", "º", "ª")
# Weekday names that are also ordinals: a weekday unless a weekday or a unit follows.
ORDINAL_WEEKDAYS = {"segunda": ("monday", "second"), "terça": ("tuesday", "third"),
                    "quarta": ("wednesday", "fourth"), "quinta": ("thursday", "fifth"),
                    "sexta": ("friday", "sixth"), "segundas": ("mondays", "second"),
                    "terças": ("tuesdays", "third"), "quartas": ("wednesdays", "fourth"),
                    "quintas": ("thursdays", "fifth"), "sextas": ("fridays", "sixth")}  # fmt: skip

DESCRIBE = (
    ("second-to-last", "penúltimo"), ("after midnight", "depois da meia-noite"), ("from", "das"), ("to", "às"), ("then", "depois"), 
    ("of every quarter", "de cada trimestre"), 
    ("except public holidays", "exceto feriados"), 
    ("every other day", "dia sim, dia não"), ("every day", "todos os dias"),
    ("every weekday", "de segunda a sexta"), ("every other", "a cada duas semanas,"),
    ("every hour", "a cada hora"), ("every", "toda"), ("once on", "uma vez em"),
    ("on the last day", "no último dia"), ("on the", "no"), ("of every month", "de cada mês"),
    ("at", "às"), ("and", "e"), ("until", "até"), ("starting", "a partir de"), ("times", "vezes"),
    ("twice", "duas vezes"), ("once", "uma vez"), ("except", "exceto"), ("weeks", "semanas"),
    ("days", "dias"), ("months", "meses"), ("minutes", "minutos"), ("hours", "horas"),
    ("week", "semana"), ("month", "mês"), ("year", "ano"),
    ("Monday", "segunda-feira"), ("Tuesday", "terça-feira"), ("Wednesday", "quarta-feira"),
    ("Thursday", "quinta-feira"), ("Friday", "sexta-feira"), ("Saturday", "sábado"),
    ("Sunday", "domingo"), ("first", "primeira"), ("second", "segunda"), ("third", "terceira"),
    ("fourth", "quarta"), ("last", "última"), ("weekday", "dia útil"),
    ("Mon", "seg"), ("Tue", "ter"), ("Wed", "qua"), ("Thu", "qui"), ("Fri", "sex"), ("Sat", "sáb"),
    ("Sun", "dom"), ("Feb", "fev"), ("Apr", "abr"), ("May", "mai"), ("Aug", "ago"), ("Sep", "set"),
    ("Oct", "out"), ("Dec", "dez"),
)  # fmt: skip


_PT_DAYS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo")
_PT_PLURAL = ("segundas", "terças", "quartas", "quintas", "sextas", "sábados", "domingos")


def _pt_every(days: list[int], and_word: str) -> str:
    if len(days) == 1:
        return ("todo " if days[0] >= 5 else "toda ") + _PT_DAYS[days[0]]
    article = "todos os " if all(d >= 5 for d in days) else "todas as "
    return article + ", ".join(_PT_PLURAL[d] for d in days[:-1]) + f" {and_word} " + _PT_PLURAL[days[-1]]


def _pt_nth(n: int, d: int) -> str:
    masculine = d >= 5
    words = (("primeira", "segunda", "terceira", "quarta", "quinta", "última") if not masculine
             else ("primeiro", "segundo", "terceiro", "quarto", "quinto", "último"))
    return ("no " if masculine else "na ") + words[n] + " " + _PT_DAYS[d]


NATURAL = {
    "and": "e",
    "months": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
               "setembro", "outubro", "novembro", "dezembro"),
    "short_days": ("seg", "ter", "qua", "qui", "sex", "sáb", "dom"),
    "units": {"seconds": "segundos", "minutes": "minutos", "hours": "horas", "days": "dias",
              "weeks": "semanas", "months": "meses", "years": "anos"},
    "every_n": "a cada {n} {unit}",
    "every_unit": {"year": "todo ano", "week": "toda semana", "month": "todo mês"},
    "every_days": _pt_every,
    "every_other_day_of_week": lambda d: f"a cada duas semanas, {'no' if d >= 5 else 'na'} {_PT_DAYS[d]}",
    "date": lambda day, month: f"{day} de {month}",
    "on_date": "em {date}",
    "full_date": lambda wd, day, month, year: f"{wd}, {day} de {month} de {year}",
    "nth_weekday": _pt_nth,
    "ordinal": lambda n: str(n),
    "on_monthday": "no dia {n}",
}  # fmt: skip

# "lembra-me de enviar o relatório", "me lembre de …": the lead is cut from the reminder.
REMIND_LEAD = (r"^(?:por\s+favor,?\s+)?(?:lembra[- ](?:me|nos)|lembre[- ](?:me|nos)|me\s+lembr[ae]|"
               r"nos\s+lembr[ae]|avisa[- ]me|me\s+avis[ae])(?:\s+por\s+favor)?,?\s*"
               r"(?:de\s+que\s+|de\s+|que\s+|da\s+|do\s+)?")
REPLY = {
    "done": "Feito", "updated": "Alterada", "task": "tarefa", "next": "próxima",
    "note": "Nota",
    "approval": "Aguarda a aprovação de uma pessoa antes de poder ser executada.",
    "not_running": ("Guardada, mas não há nada em execução para a disparar: inicia `cronpilot serve` "
                    "ou vê `cronpilot service install`"),
}

"""Builds bench/data/nl_schedules_round2.jsonl: phrase families x languages, each row's expected
fire times computed HERE by an independent oracle (dateutil rrule + zoneinfo, written for this
table; nothing from cronpilot is imported), never by running the parser.

    python bench/data/build_round2.py > bench/data/nl_schedules_round2.jsonl

Sources: the phrasing families come from public help pages and tests, cited per row:
Todoist "Introduction to recurring dates" (todoist.com/help/articles/introduction-to-recurring-
due-dates-YUYVJJAV, published in de/es/fr/pt among others: the non-English rows render its
families in that language's everyday wording), Slack /remind help, and cronsim's tests.
Conventions are the dev set's (09:00 default, bare 1-6 afternoon, wall time kept across DST).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, HOURLY, MONTHLY, WEEKLY, rrule

TODOIST = "Todoist help: Introduction to recurring dates (todoist.com/{lang}help/articles/introduction-to-recurring-due-dates-YUYVJJAV)"
SLACK = "Slack help: Set a reminder (slack.com/help/articles/208423427-Set-a-reminder)"
# The first version cited Todoist's help in each language without having read it; these are
# pages that were read and show the phrasings the language rows use (round two, issue 17).
SOURCES = {
    "de": "https://injelea-blog.de/morgenritual-und-wochenplanung-mit-todoist/ (Todoist auf Deutsch: "
          "'jeden Mo, Fr um 20:00'); https://learngerman.dw.com/de/uhrzeit-informell-1/l-40403195/gr-40405033 "
          "('halb acht' = 7:30)",
    "es": "https://developers-dot-devsite-v2-prod.appspot.com/apps-script/reference/calendar/recurrence-rule?hl=es "
          "(diaria, semanal, mensual, onlyOnWeekdays); http://studentweb.cortland.edu/Sarah.Allen02/Final-Project/"
          "gramatica.html ('y media', 'a las dos')",
    "fr": "https://learn.microsoft.com./fr-ca/graph/outlook-schedule-recurring-events ('tous les jeudis', "
          "'tous les deuxièmes mardis du mois'); https://francuski.ang.pl/forum/pomoc-jezykowa/156266 "
          "('8 heures et demie')",
    "pt": "https://docs.microsoft.com/pt-br/graph/outlook-schedule-recurring-events ('todas as quintas-feiras', "
          "'na segunda terça-feira de cada mês'); https://ummense.com/central-de-ajuda/tarefas/tarefas-recorrentes "
          "('Todos os dias', 'Segunda a sexta')",
}
NOW = "2026-06-10T10:00:00"  # a Wednesday
rows: list[dict] = []


def wall_to_iso(wall: datetime, tz: str) -> str:
    z = ZoneInfo(tz)
    aware = wall.replace(tzinfo=z, fold=0)
    if aware.astimezone(UTC).astimezone(z).replace(tzinfo=None) != wall:  # in a gap: after it
        probe = wall
        while probe.replace(tzinfo=z).astimezone(UTC).astimezone(z).replace(tzinfo=None) != probe:
            probe += timedelta(minutes=1)
        probe = probe.replace(minute=0) if probe.minute else probe
        aware = probe.replace(tzinfo=z)
    return aware.isoformat()


def rule_next(rule: rrule, tz: str, now: str, n: int = 3) -> list[str]:
    base = datetime.fromisoformat(now)
    out = []
    for w in rule:
        if w > base:
            out.append(wall_to_iso(w, tz))
        if len(out) == n:
            break
    return out


def add(group: str, lang: str, text: str, tz: str, kind: str, nxt: list[str], source: str,
        now: str = NOW) -> None:  # fmt: skip
    row = {"id": f"r2-{group}-{len(rows) + 1:03d}", "source": source, "text": text, "now": now,
           "tz": tz, "kind": kind, "next": nxt, "group": group}  # fmt: skip
    if lang != "en":
        row["lang"] = lang
    rows.append(row)


def weekly(day: int, h: int, m: int, tz: str, now: str = NOW) -> list[str]:
    start = datetime.fromisoformat(now).replace(hour=0, minute=0)
    return rule_next(rrule(WEEKLY, byweekday=day, byhour=h, byminute=m, bysecond=0, dtstart=start), tz, now)


def daily(h: int, m: int, tz: str, now: str = NOW, days=None) -> list[str]:
    start = datetime.fromisoformat(now).replace(hour=0, minute=0)
    return rule_next(rrule(DAILY, byweekday=days, byhour=h, byminute=m, bysecond=0, dtstart=start), tz, now)


def once(wall: datetime, tz: str) -> list[str]:
    return [wall_to_iso(wall, tz)]


def nth(n: int, day: int, h: int, m: int, tz: str) -> list[str]:
    start = datetime.fromisoformat(NOW).replace(day=1, hour=0, minute=0)
    from dateutil.rrule import weekday as wd
    return rule_next(rrule(MONTHLY, byweekday=wd(day, n), byhour=h, byminute=m, bysecond=0, dtstart=start), tz, NOW)


def monthday(d: int, h: int, m: int, tz: str) -> list[str]:
    start = datetime.fromisoformat(NOW).replace(day=1, hour=0, minute=0)
    return rule_next(rrule(MONTHLY, bymonthday=d, byhour=h, byminute=m, bysecond=0, dtstart=start), tz, NOW)


LANGS: dict[str, dict[str, Any]] = {
    "de": dict(tz="Europe/Berlin", days=["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
               every_day_at="jeden {day} um {t}", daily_at="täglich um {t}", everyday2="jeden Tag um {t}",
               tomorrow="morgen um {t}", in_min="in {n} Minuten", in_hours="in {n} Stunden", every_h="alle {n} Stunden",
               every_min="alle {n} Minuten", workdays="werktags um {t}", first="am ersten {day} des Monats um {t}",
               last="am letzten {day} des Monats um {t}", the15="am 15. jedes Monats um {t}",
               half="morgen um halb {n1}", monfri="von Montag bis Freitag um {t}", t=lambda h, m: f"{h}:{m:02d} Uhr" if m else f"{h} Uhr",
               src=SOURCES["de"]),
    "es": dict(tz="Europe/Madrid", days=["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
               every_day_at="cada {day} a las {t}", daily_at="todos los días a las {t}", everyday2="cada día a las {t}",
               tomorrow="mañana a las {t}", in_min="en {n} minutos", in_hours="dentro de {n} horas", every_h="cada {n} horas",
               every_min="cada {n} minutos", workdays="de lunes a viernes a las {t}", first="el primer {day} de cada mes a las {t}",
               last="el último {day} de cada mes a las {t}", the15="el 15 de cada mes a las {t}",
               half="mañana a las {n} y media", monfri="de lunes a viernes a las {t}", t=lambda h, m: f"{h}:{m:02d}",
               src=SOURCES["es"]),
    "fr": dict(tz="Europe/Paris", days=["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
               every_day_at="chaque {day} à {t}", daily_at="tous les jours à {t}", everyday2="chaque jour à {t}",
               tomorrow="demain à {t}", in_min="dans {n} minutes", in_hours="dans {n} heures", every_h="toutes les {n} heures",
               every_min="toutes les {n} minutes", workdays="en semaine à {t}", first="le premier {day} du mois à {t}",
               last="le dernier {day} du mois à {t}", the15="le 15 de chaque mois à {t}",
               half="demain à {n} heures et demie", monfri="du lundi au vendredi à {t}", t=lambda h, m: f"{h}h{m:02d}" if m else f"{h}h",
               src=SOURCES["fr"]),
    "pt": dict(tz="America/Sao_Paulo", days=["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"],
               every_day_at="toda {day} às {t}", daily_at="todos os dias às {t}", everyday2="todo dia às {t}",
               tomorrow="amanhã às {t}", in_min="daqui a {n} minutos", in_hours="em {n} horas", every_h="a cada {n} horas",
               every_min="a cada {n} minutos", workdays="de segunda a sexta às {t}", first="a primeira {day} do mês às {t}",
               last="a última {day} do mês às {t}", the15="todo dia 15 do mês às {t}",
               half="amanhã às {n} e meia", monfri="de segunda a sexta às {t}", t=lambda h, m: f"{h}h{m:02d}" if m else f"{h}h",
               src=SOURCES["pt"]),
}
TIMES = [(7, 0), (8, 30), (17, 0), (18, 15)]
base = datetime.fromisoformat(NOW)
for lang, L in LANGS.items():
    tz, src, t = L["tz"], L["src"], L["t"]
    for d in range(7):
        for h, m in TIMES[: 3 if d < 5 else 2]:
            day = L["days"][d]
            if lang == "pt" and d >= 5:
                text = ("todo " if d >= 5 else "toda ") + day + f" às {t(h, m)}"
            else:
                text = L["every_day_at"].format(day=day, t=t(h, m))
            add(lang, lang, text, tz, "recurring", weekly(d, h, m, tz), src)
    for h, m in TIMES:
        add(lang, lang, L["daily_at"].format(t=t(h, m)), tz, "recurring", daily(h, m, tz), src)
        add(lang, lang, L["everyday2"].format(t=t(h, m)), tz, "recurring", daily(h, m, tz), src)
        add(lang, lang, L["tomorrow"].format(t=t(h, m)), tz, "once", once(datetime(2026, 6, 11, h, m), tz), src)
        add(lang, lang, L["workdays"].format(t=t(h, m)), tz, "recurring", daily(h, m, tz, days=(0, 1, 2, 3, 4)), src)
    for n in (5, 10, 15, 30, 45):
        add(lang, lang, L["in_min"].format(n=n), tz, "once", [ (base + timedelta(minutes=n)).replace(tzinfo=ZoneInfo(tz)).isoformat()], src)
        add(lang, lang, L["every_min"].format(n=n), tz, "interval",
            [(base + timedelta(minutes=n * k)).replace(tzinfo=ZoneInfo(tz)).isoformat() for k in (1, 2, 3)], src)
    for n in (2, 3, 4, 6):
        add(lang, lang, L["in_hours"].format(n=n), tz, "once", [(base + timedelta(hours=n)).replace(tzinfo=ZoneInfo(tz)).isoformat()], src)
        add(lang, lang, L["every_h"].format(n=n), tz, "interval",
            [(base + timedelta(hours=n * k)).replace(tzinfo=ZoneInfo(tz)).isoformat() for k in (1, 2, 3)], src)
    for d in (0, 2, 4):
        add(lang, lang, L["first"].format(day=L["days"][d], t=t(10, 0)), tz, "recurring", nth(1, d, 10, 0, tz), src)
        add(lang, lang, L["last"].format(day=L["days"][d], t=t(16, 0)), tz, "recurring", nth(-1, d, 16, 0, tz), src)
    for h, m in TIMES:
        add(lang, lang, L["the15"].format(t=t(h, m)), tz, "recurring", monthday(15, h, m, tz), src)
    for n in (8, 9, 10, 11):
        if lang == "de":
            add(lang, lang, L["half"].format(n1=["acht", "neun", "zehn", "elf", "zwölf"][n - 7]), tz, "once",
                once(datetime(2026, 6, 11, n, 30), tz), src)
        else:
            add(lang, lang, L["half"].format(n=n), tz, "once", once(datetime(2026, 6, 11, n, 30), tz), src)

# English families: business calendars, windows, informal, bounded, DST, refusals
EN = "Europe/Berlin"
for h in (8, 9, 17):
    add("business", "en", f"every business day at {h}:00", EN, "recurring", daily(h, 0, EN, days=(0, 1, 2, 3, 4)), TODOIST.format(lang=""))
    add("business", "en", f"every workday at {h}:00", EN, "recurring", daily(h, 0, EN, days=(0, 1, 2, 3, 4)), TODOIST.format(lang=""))
    start = datetime(2026, 6, 1)
    first = rrule(MONTHLY, byweekday=(0, 1, 2, 3, 4), bysetpos=1, byhour=h, byminute=0, bysecond=0, dtstart=start)
    last = rrule(MONTHLY, byweekday=(0, 1, 2, 3, 4), bysetpos=-1, byhour=h, byminute=0, bysecond=0, dtstart=start)
    add("business", "en", f"first business day of every month at {h}:00", EN, "recurring", rule_next(first, EN, NOW), TODOIST.format(lang=""))
    add("business", "en", f"last business day of the month at {h}:00", EN, "recurring", rule_next(last, EN, NOW), TODOIST.format(lang=""))
    add("business", "en", f"every weekday at {h}:00", EN, "recurring", daily(h, 0, EN, days=(0, 1, 2, 3, 4)), TODOIST.format(lang=""))
for d, name in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]):
    add("business", "en", f"second to last {name} of the month at 10am", EN, "recurring", nth(-2, d, 10, 0, EN), TODOIST.format(lang=""))
for mh in ((20, 50), (15, 45), (0, 30)):
    a, b = mh
    start = datetime(2026, 6, 10)
    r = rrule(HOURLY, byminute=(a, b), bysecond=0, dtstart=start)
    add("windows", "en", f"every hour at :{a:02d} and :{b:02d}", EN, "recurring", rule_next(r, EN, NOW), SLACK)
for lo, hi, hours in ((23, 3, (23, 0, 1, 2, 3)), (22, 2, (22, 23, 0, 1, 2)), (21, 1, (21, 22, 23, 0, 1))):
    r = rrule(DAILY, byhour=hours, byminute=0, bysecond=0, dtstart=datetime(2026, 6, 10))
    lo_t = f"{lo - 12}pm"
    hi_t = f"{hi}am"
    add("windows", "en", f"every hour between {lo_t} and {hi_t}", EN, "recurring", rule_next(r, EN, NOW), SLACK)
for zone in ("Asia/Kolkata", "Asia/Kathmandu"):
    r = rrule(HOURLY, byminute=30, bysecond=0, dtstart=datetime(2026, 6, 10))
    add("windows", "en", "every hour on the half hour", zone, "recurring", rule_next(r, zone, NOW), SLACK)
    add("dst", "en", "every day at 9", zone, "recurring", daily(9, 0, zone), SLACK)
informal = [("tmrw at 5", "once", once(datetime(2026, 6, 11, 17), EN)),
            ("tmrw 9am", "once", once(datetime(2026, 6, 11, 9), EN)),
            ("wkdays at 9", "recurring", daily(9, 0, EN, days=(0, 1, 2, 3, 4))),
            ("thu 0930", "once", once(datetime(2026, 6, 11, 9, 30), EN)),
            ("1730", "once", once(datetime(2026, 6, 10, 17, 30), EN)),
            ("tonite at 10", "once", once(datetime(2026, 6, 10, 22), EN)),
            ("mon-fri at 7", "recurring", daily(7, 0, EN, days=(0, 1, 2, 3, 4))),
            ("mon–fri at 7", "recurring", daily(7, 0, EN, days=(0, 1, 2, 3, 4))),
            ("monday to friday at 8", "recurring", daily(8, 0, EN, days=(0, 1, 2, 3, 4))),
            ("every hr at :20 and :50", "recurring", rule_next(rrule(HOURLY, byminute=(20, 50), bysecond=0, dtstart=datetime(2026, 6, 10)), EN, NOW)),
            ("evry day at 8", "recurring", daily(8, 0, EN)),
            ("2moro at 3pm", "once", once(datetime(2026, 6, 11, 15), EN))]
for text, kind, nxt in informal:
    add("informal", "en", text, EN, kind, nxt, SLACK)
start = datetime(2026, 6, 10)
bounded = [("every day at 9 for 3 times", rule_next(rrule(DAILY, byhour=9, byminute=0, bysecond=0, dtstart=start, count=4), EN, NOW)[:3]),
           ("every monday at 9 2 times", rule_next(rrule(WEEKLY, byweekday=0, byhour=9, byminute=0, bysecond=0, dtstart=start), EN, NOW)[:2]),
           ("every friday at 17:00 until june 20", rule_next(rrule(WEEKLY, byweekday=4, byhour=17, byminute=0, bysecond=0, dtstart=start, until=datetime(2026, 6, 20, 23, 59)), EN, NOW))]
for text, nxt in bounded:
    add("bounded", "en", text, EN, "recurring", nxt, TODOIST.format(lang=""))
# DST: wall time kept across the change, both hemispheres
for tz, now, h in (("Europe/Berlin", "2026-03-27T12:00:00", 9), ("America/New_York", "2026-03-07T12:00:00", 9),
                   ("Australia/Sydney", "2026-04-03T12:00:00", 9), ("Australia/Sydney", "2026-10-02T12:00:00", 9),
                   ("Europe/Berlin", "2026-03-28T12:00:00", 2)):
    add("dst", "en", f"every day at {h}am" if h < 12 else f"every day at {h}", tz, "recurring", daily(h, 0, tz, now=now), SLACK, now=now)
for text in ("midnight on Friday", "end of day Thursday", "at 7 or 8 tomorrow", "every second Tuesday",
             "some time next week", "every weekday on Sundays", "0 9 L * *", "0 9 15W * *", "1 1 */100 * MON#4"):
    add("refusal", "en", text, EN, "invalid", [], "issue 17 examples; cronsim tests/test_cronsim.py (cuu508/cronsim)")
for line in rows:
    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")

"""Descriptions in the person's language read in its own word order and agreement for the
common shapes (weekdays, steps, every other week, dates, nth weekdays, quarters, holidays), not
English fragments swapped one by one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.phrases import parse_schedule

ZONE = "Europe/Berlin"
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo(ZONE))


@pytest.mark.parametrize(("phrase", "described"), [
    ("jeden Montag um 9 Uhr", "jeden Montag um 09:00"),
    ("alle 15 Minuten", "alle 15 Minuten"),
    ("jedes Jahr am 3. Oktober", "jedes Jahr am 3. Oktober um 09:00"),
    ("am 1. und 15. jedes Monats", "am 1. und 15. jedes Monats um 09:00"),
    ("am ersten Tag jedes Quartals", "am 1. jedes Quartals um 09:00"),
    ("morgen um 15 Uhr", "einmal am Do., 11. Juni 2026 um 15:00"),
    ("jeden Werktag um 9 außer an Feiertagen", "werktags um 09:00, außer an Feiertagen (DE)"),
    ("todos los lunes a las 9", "todos los lunes a las 09:00"),
    ("los lunes y viernes a las 10", "todos los lunes y viernes a las 10:00"),
    ("cada año el 3 de octubre", "cada año el 3 de octubre a las 09:00"),
    ("cada 15 minutos", "cada 15 minutos"),
    ("mañana a las 15", "una vez el jue 11 de junio de 2026 a las 15:00"),
    ("el primer día de cada trimestre", "el 1 de cada trimestre a las 09:00"),
    ("tous les lundis à 9h", "tous les lundis à 09:00"),
    ("tous les lundis et vendredis à 10h", "tous les lundis et vendredis à 10:00"),
    ("toutes les deux semaines le mardi à 17h", "un mardi sur deux à 17:00"),
    ("toutes les 15 minutes", "toutes les 15 minutes"),
    ("le 1er de chaque mois", "le 1er de chaque mois à 09:00"),
    ("chaque année le 3 octobre", "chaque année le 3 octobre à 09:00"),
    ("toda segunda-feira às 9h", "toda segunda-feira às 09:00"),
    ("todo sábado às 10h", "todo sábado às 10:00"),
    ("segundas e sextas às 10h", "todas as segundas e sextas às 10:00"),
    ("na primeira segunda-feira de cada mês às 9h", "na primeira segunda-feira de cada mês às 09:00"),
    ("no primeiro domingo de cada mês", "no primeiro domingo de cada mês às 09:00"),
    ("todo ano em 3 de outubro", "todo ano em 3 de outubro às 09:00"),
    ("todo dia 10 às 8h", "no dia 10 de cada mês às 08:00"),
    ("alle 30 Minuten zwischen 8 und 18 Uhr", "alle 30 Minuten von 08:00 bis 18:00"),
    ("am vorletzten Werktag des Monats um 17 Uhr", "am vorletzten Werktag jedes Monats um 17:00"),
    ("toutes les heures de 9h à 17h en semaine", "toutes les heures de 09:00 à 17:00, du lundi au vendredi"),
    ("a cada 45 minutos das 8h às 18h", "a cada 45 minutos das 08:00 às 17:45"),
])  # fmt: skip
def test_common_schedules_read_naturally(phrase, described):
    assert parse_schedule(phrase, zone=ZONE, now=NOW).description == f"{described}, {ZONE}"


def test_english_quarters_are_described_as_quarters():
    schedule = parse_schedule("last business day of the quarter at 4pm", zone=ZONE, now=NOW)
    assert schedule.description == f"on the last weekday of every quarter at 16:00, {ZONE}"


def test_an_english_phrase_stays_english():  # "end" is an English word, not a French one
    schedule = parse_schedule("every weekday at 7:45 until end of year", zone=ZONE, now=NOW)
    assert schedule.lang == "en" and schedule.description.startswith("every weekday at 07:45, until")


@pytest.mark.parametrize(("phrase", "last", "after_last"), [
    ("cada 10 minutos entre las 22 y las 2", "02:00", "02:10"),
    ("every 30 minutes between 8pm and 6", "06:00", "06:30"),
    ("every hour between 9 and 5", "17:00", "18:00"),  # no midnight to cross: the house rule
])  # fmt: skip
def test_a_bare_end_hour_past_midnight_is_the_first_after_the_start(phrase, last, after_last):
    from scheduler.phrases import preview

    schedule = parse_schedule(phrase, zone=ZONE, now=NOW)
    times = {f.strftime("%H:%M") for f in preview(schedule, zone=ZONE, after=NOW, count=80)}
    assert last in times and after_last not in times

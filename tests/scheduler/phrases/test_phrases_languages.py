"""Languages as data: local conventions, detection with a locale hint, the person's own words
kept for the message, and foreign words never dropped into an English guess."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import InvalidRequest
from scheduler.phrases import parse_schedule, preview, split_request

ZONE = "Europe/Berlin"
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo(ZONE))  # Wednesday


def _first(phrase: str, **kw: object) -> str:
    schedule = parse_schedule(phrase, zone=ZONE, now=NOW, **kw)
    return preview(schedule, zone=ZONE, after=NOW, count=1)[0].strftime("%a %d %H:%M")


@pytest.mark.parametrize("phrase,first", [
    ("morgen um halb neun", "Thu 11 08:30"),           # halb neun = 8:30
    ("morgen um dreiviertel neun", "Thu 11 08:45"),
    ("morgen um viertel nach 8", "Thu 11 08:15"),
    ("morgen um 5 Uhr", "Thu 11 05:00"),               # "Uhr": 24-hour clock
    ("morgen um 5 Uhr nachmittags", "Thu 11 17:00"),
    ("mañana a las 8 y media", "Thu 11 08:30"),
    ("mañana a las 9 menos cuarto", "Thu 11 08:45"),
    ("mañana a las 5 de la tarde", "Thu 11 17:00"),
    ("demain à 17h", "Thu 11 17:00"),
    ("demain à 9 heures et quart", "Thu 11 09:15"),
    ("demain à 9 heures moins le quart", "Thu 11 08:45"),
    ("amanhã às 10h", "Thu 11 10:00"),
    ("amanhã às 9 e meia", "Thu 11 09:30"),
    ("amanhã às 5h da tarde", "Thu 11 17:00"),
])
def test_local_clock_conventions(phrase, first):
    assert _first(phrase) == first


def test_french_weekly_rule_is_never_a_one_off():
    schedule = parse_schedule("chaque vendredi à 17h", zone=ZONE, now=NOW)
    assert schedule.kind == "recurring" and schedule.lang == "fr"
    assert schedule.description.startswith("tous les vendredis à 17:00")


def test_german_every_second_weekday_is_every_other_week():
    schedule = parse_schedule("jeden zweiten Dienstag um 9", zone=ZONE, now=NOW)
    fires = preview(schedule, zone=ZONE, after=NOW, count=2)
    assert (fires[1] - fires[0]).days == 14


def test_portuguese_ordinal_weekday_names_by_context():
    assert _first("toda segunda às 9h") == "Mon 15 09:00"
    schedule = parse_schedule("a segunda terça-feira do mês às 10h", zone=ZONE, now=NOW)
    assert [f.day for f in preview(schedule, zone=ZONE, after=NOW, count=2)] == [14, 11]


def test_locale_hint_breaks_a_tie_between_spanish_and_portuguese():
    es = parse_schedule("domingo a las 10", zone=ZONE, now=NOW, locale="es-ES")
    assert es.lang == "es"


def test_unknown_foreign_words_are_refused_not_dropped():
    with pytest.raises(InvalidRequest):
        parse_schedule("chaque vendredi sauf quand il pleut", zone=ZONE, now=NOW)


def test_split_request_keeps_the_persons_own_words():
    what, schedule = split_request("erinnere mich jeden Montag um 9 an den Bericht", zone=ZONE, now=NOW)
    assert schedule.kind == "recurring" and schedule.lang == "de"
    assert "Bericht" in what


def test_english_is_untouched_by_languages():
    schedule = parse_schedule("remind me to update the todo list every monday at 9", zone=ZONE, now=NOW)
    assert schedule.lang == "en" and schedule.kind == "recurring"

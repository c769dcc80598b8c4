"""Public holidays in phrases, by family: the ways people ask to skip them (English and the
four languages), whose calendar an unnamed country means (the task's, else the zone's country),
what can't skip them, and calendar quarters that must be asked about."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import AmbiguousPhrase, InvalidRequest
from scheduler.phrases import parse_schedule, preview, split_request


def _parse(phrase: str, zone: str, now: datetime, **kw: object):
    return parse_schedule(phrase, zone=zone, now=now.replace(tzinfo=ZoneInfo(zone)), **kw)


def _days(schedule, zone: str, now: datetime, count: int = 4) -> list[str]:
    after = now.replace(tzinfo=ZoneInfo(zone))
    return [f.strftime("%d %b") for f in preview(schedule, zone=zone, after=after, count=count)]


CHRISTMAS_WEEK = datetime(2026, 12, 22, 10)  # Berlin: Fri 25 and Sat 26 Dec are holidays


@pytest.mark.parametrize("phrase", [
    "every weekday at 9 except public holidays",
    "every weekday at 9 excluding holidays",
    "every weekday at 9, holidays excluded",
    "every weekday at 9 but not on public holidays",
    "every weekday at 9 unless it's a public holiday",
    "every weekday at 9 skipping bank holidays",
    "business days at 9 except official holidays",
    "jeden Werktag um 9 Uhr außer an Feiertagen",
    "werktags um 9, Feiertage ausgenommen",
    "todos los días laborables a las 9 excepto festivos",
    "tous les jours ouvrés à 9h sauf jours fériés",
    "todo dia útil às 9h exceto feriados",
])  # fmt: skip
def test_ways_of_asking_to_skip_holidays_take_the_zones_country(phrase):
    schedule = _parse(phrase, "Europe/Berlin", CHRISTMAS_WEEK)
    assert {t.holidays for t in schedule.triggers} == {"DE"}
    assert _days(schedule, "Europe/Berlin", CHRISTMAS_WEEK) == ["23 Dec", "24 Dec", "28 Dec", "29 Dec"]


@pytest.mark.parametrize(("phrase", "code"), [
    ("every weekday at 9 except public holidays in Germany", "DE"),
    ("every weekday at 9 except US federal holidays", "US"),
    ("every weekday at 9 except holidays in the US", "US"),
    ("every weekday at 9 except german public holidays", "DE"),
    ("every weekday at 9 except holidays in New York", "US-NY"),
    ("every weekday at 9 except holidays in DE-BY", "DE-BY"),
    ("jeden Werktag um 9 außer an Feiertagen in Bayern", "DE-BY"),
    ("días laborables a las 9 salvo festivos en España", "ES"),
    ("chaque jour ouvré à 9h, hors jours fériés en France", "FR"),
    ("dias úteis às 9h, exceto feriados em Portugal", "PT"),
])  # fmt: skip
def test_a_named_country_or_region_wins_over_the_zone(phrase, code):
    schedule = _parse(phrase, "Europe/London", CHRISTMAS_WEEK)
    assert {t.holidays for t in schedule.triggers} == {code}
    assert f"({code})" in schedule.description


def test_a_position_moves_past_a_holiday():
    schedule = _parse("first business day of the month excluding holidays", "America/New_York",
                      datetime(2026, 12, 10, 10))
    assert _days(schedule, "America/New_York", datetime(2026, 12, 10, 10), 3) == ["04 Jan", "01 Feb", "01 Mar"]


def test_the_task_calendar_is_what_an_unnamed_country_means_and_it_applies_to_every_rule():
    now = datetime(2026, 3, 30, 12)  # Easter Monday 6 Apr 2026
    asked = _parse("every monday at 10 unless it's a holiday", "UTC", now, holidays="DE")
    assert _days(asked, "UTC", now, 2) == ["13 Apr", "20 Apr"]
    task_wide = _parse("every monday at 10", "Europe/Berlin", now, holidays="de")
    assert task_wide.triggers[0].holidays == "DE" and _days(task_wide, "Europe/Berlin", now, 1) == ["13 Apr"]
    plain = _parse("every monday at 10", "Europe/Berlin", now)
    assert plain.triggers[0].holidays is None and _days(plain, "Europe/Berlin", now, 1) == ["06 Apr"]


@pytest.mark.parametrize(("phrase", "zone", "message"), [
    ("every weekday at 9 except public holidays", "UTC", "Which country's public holidays?"),
    ("every 90 minutes except public holidays", "Europe/Berlin", "Only calendar schedules"),
    ("tomorrow at 9 except holidays", "Europe/Berlin", "only makes sense for a repeating"),
    ("every weekday at 9 except holidays in Atlantis", "Europe/Berlin", "don't know the public holidays"),
])  # fmt: skip
def test_what_cant_skip_holidays_is_refused_with_the_reason(phrase, zone, message):
    with pytest.raises(InvalidRequest, match=message):
        _parse(phrase, zone, CHRISTMAS_WEEK)


def test_split_request_keeps_the_calendar_and_the_message():
    what, schedule = split_request("remind me to send invoices every weekday at 9 except public holidays",
                                   zone="Europe/Paris", now=CHRISTMAS_WEEK.replace(tzinfo=ZoneInfo("Europe/Paris")))
    assert what == "send invoices" and schedule.triggers[0].holidays == "FR"


def test_quarterly_on_a_day_asks_which_quarters_when_the_readings_differ():
    now = datetime(2026, 6, 10, 10)
    with pytest.raises(AmbiguousPhrase) as caught:
        _parse("quarterly on the 15th", "America/New_York", now)
    readings = {r.label: _days(_parse(r.phrase, "America/New_York", now), "America/New_York", now, 2)
                for r in caught.value.readings}  # fmt: skip
    assert sorted(readings.values()) == [["15 Jul", "15 Oct"], ["15 Jun", "15 Sep"]]
    same = _parse("quarterly on the 1st", "America/New_York", now)  # next 1st is 1 Jul: both agree
    assert _days(same, "America/New_York", now, 2) == ["01 Jul", "01 Oct"]


@pytest.mark.parametrize(("phrase", "days"), [
    ("monthly on the last day", ["30 Jun", "31 Jul"]),
    ("quarterly on the last day", ["30 Jun", "30 Sep"]),
    ("monthly on the 2nd tuesday", ["14 Jul", "11 Aug"]),
])  # fmt: skip
def test_frequency_words_read_the_days_that_follow(phrase, days):
    now = datetime(2026, 6, 10, 10)
    assert _days(_parse(phrase, "Europe/Berlin", now), "Europe/Berlin", now, 2) == days


@pytest.mark.parametrize("phrase", [
    "every weekday at 9 except public holidays",
    "first business day of the month excluding holidays",
    "every monday and friday at 10 unless it's a holiday",
])  # fmt: skip
def test_a_stored_calendar_is_worded_as_the_parser_said_it(phrase):
    from scheduler.wording import schedule_text

    schedule = _parse(phrase, "Europe/Berlin", CHRISTMAS_WEEK)
    now = CHRISTMAS_WEEK.replace(tzinfo=ZoneInfo("Europe/Berlin"))
    assert schedule_text(schedule.triggers, "Europe/Berlin", now=now) == schedule.description

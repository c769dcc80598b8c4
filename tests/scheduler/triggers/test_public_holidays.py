"""Calendar triggers that skip a country's public holidays: the pure next-fire maths (cron, RRULE
with positions and counts), calendar codes, the zone's country, storage, and one run through
the engine with the fake clock (Berlin's Christmas 2026 falls on a Friday)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from scheduler.models import RunStatus
from scheduler.triggers import CronTrigger, RRuleTrigger, next_fires, public_holidays

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _local(trigger, zone, after, count):
    return [f.astimezone(zone).replace(tzinfo=None) for f in next_fires([trigger], after, zone, count)]


def test_cron_skips_public_holidays_of_its_calendar_and_only_those():
    plain = CronTrigger(expression="0 9 * * 1-5")
    german = CronTrigger(expression="0 9 * * 1-5", holidays="DE")
    after = datetime(2026, 12, 23, 12, tzinfo=BERLIN)
    assert [d.day for d in _local(plain, BERLIN, after, 4)] == [24, 25, 28, 29]
    assert [d.day for d in _local(german, BERLIN, after, 4)] == [24, 28, 29, 30]  # 25th: Christmas
    easter = datetime(2026, 4, 1, 12, tzinfo=BERLIN)  # Good Friday 3 Apr, Easter Monday 6 Apr
    assert [d.day for d in _local(german, BERLIN, easter, 3)] == [2, 7, 8]


def test_regional_calendar_adds_the_regions_holidays():
    after = datetime(2026, 10, 30, 12, tzinfo=BERLIN)  # Reformation Day, 31 Oct: Saxony, not Bavaria
    saxony = CronTrigger(expression="0 9 * * *", holidays="de-sn")
    bavaria = CronTrigger(expression="0 9 * * *", holidays="DE-BY")
    assert saxony.holidays == "DE-SN"
    assert [d.day for d in _local(saxony, BERLIN, after, 2)] == [1, 2]
    assert [d.day for d in _local(bavaria, BERLIN, after, 2)] == [31, 2]  # All Saints' in Bavaria


def test_a_position_counts_the_days_left_after_the_holidays():
    first = RRuleTrigger(rule="FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;BYHOUR=9;BYMINUTE=0",
                         start=datetime(2026, 1, 1, 9), holidays="US")  # fmt: skip
    fires = _local(first, NEW_YORK, datetime(2026, 12, 10, 12, tzinfo=NEW_YORK), 2)
    assert fires == [datetime(2027, 1, 4, 9), datetime(2027, 2, 1, 9)]  # 1 Jan is New Year's Day
    without = first.model_copy(update={"holidays": None})
    assert _local(without, NEW_YORK, datetime(2026, 12, 10, 12, tzinfo=NEW_YORK), 1) == [datetime(2027, 1, 1, 9)]
    last = RRuleTrigger(rule="FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=17;BYMINUTE=0",
                        start=datetime(2029, 1, 1, 17), holidays="DE-SN")  # fmt: skip
    fires = _local(last, BERLIN, datetime(2029, 10, 1, tzinfo=BERLIN), 2)
    assert fires == [datetime(2029, 10, 30, 17), datetime(2029, 11, 30, 17)]  # 31 Oct 2029: a Wednesday


def test_a_count_counts_the_runs_that_happen():
    trigger = RRuleTrigger(rule="FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0;COUNT=3",
                           start=datetime(2026, 12, 18, 9), holidays="DE")  # fmt: skip
    fires = _local(trigger, BERLIN, datetime(2026, 12, 1, tzinfo=BERLIN), 5)
    assert [f.date().isoformat() for f in fires] == ["2026-12-18", "2027-01-08", "2027-01-15"]


def test_holidays_keep_the_dst_rule():
    trigger = CronTrigger(expression="30 2 * * *", holidays="US")
    fires = next_fires([trigger], datetime(2026, 3, 7, 12, tzinfo=NEW_YORK), NEW_YORK, 2)
    assert [f.astimezone(NEW_YORK).strftime("%d %H:%M") for f in fires] == ["08 03:00", "09 02:30"]


@pytest.mark.parametrize(("code", "normal"), [("de", "DE"), (" us-ny ", "US-NY"), ("UK", "GB"), ("fr", "FR")])
def test_calendar_codes_are_normalised(code, normal):
    assert public_holidays.normalize(code) == normal


@pytest.mark.parametrize("code", ["XX", "US-ZZ", "Germany", ""])
def test_unknown_calendars_are_refused_with_the_reason(code):
    with pytest.raises(ValidationError, match="holiday calendar|has no region"):
        CronTrigger(expression="0 9 * * *", holidays=code)


@pytest.mark.parametrize(("zone", "country"), [
    ("Europe/Berlin", "DE"), ("America/Sao_Paulo", "BR"), ("Asia/Kolkata", "IN"),
    ("Asia/Kathmandu", "NP"), ("UTC", None), ("Etc/GMT+5", None),
])  # fmt: skip
def test_a_zone_names_its_country(zone, country):
    assert public_holidays.country_of_zone(zone) == country


def test_the_calendar_is_stored_only_when_set():
    assert "holidays" not in CronTrigger(expression="0 9 * * *").model_dump()
    data = RRuleTrigger(rule="FREQ=DAILY", start=datetime(2026, 1, 1), holidays="de").model_dump(mode="json")
    assert data["holidays"] == "DE"
    assert RRuleTrigger.model_validate(data).holidays == "DE"


async def test_engine_has_no_run_on_a_public_holiday(make_engine, add_task, clock, store):
    clock.set(datetime(2026, 12, 23, 12, tzinfo=UTC))
    task = add_task(timezone="Europe/Berlin", misfire_grace=0,
                    triggers=[{"kind": "cron", "expression": "0 9 * * 1-5", "holidays": "DE"}])
    assert task.triggers[0].holidays == "DE"
    engine = make_engine()
    await engine.start()
    for _ in range(6 * 24):
        clock.advance(timedelta(hours=1))
        await engine.run_until_idle()
    fires = sorted(r.scheduled_for for r in store.list_runs(limit=100) if r.status == RunStatus.COMPLETED)
    assert [f.astimezone(BERLIN).strftime("%a %d") for f in fires] == ["Thu 24", "Mon 28", "Tue 29"]

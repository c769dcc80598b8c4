"""Stored cron and RRULE triggers read back into calendar plans."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from scheduler.recurrence import Plan, plan_of_cron, plan_of_rrule


@pytest.mark.parametrize(("expression", "plan"), [
    ("0 9 * * 1", Plan(unit="week", weekdays={0}, times=[time(9)])),
    ("0 9 * * 0", Plan(unit="week", weekdays={6}, times=[time(9)])),  # 0 and 7 are Sunday
    ("0 9 * * 7", Plan(unit="week", weekdays={6}, times=[time(9)])),
    ("0 9 * * mon-fri", Plan(unit="week", weekdays={0, 1, 2, 3, 4}, times=[time(9)])),
    ("30 8,17 * * *", Plan(unit="day", times=[time(8, 30), time(17, 30)])),
    ("5 0 9 1 * *", Plan(unit="month", monthdays=[1], times=[time(9, 0, 5)])),
    ("0 9 3 3 *", Plan(unit="year", dates=[(3, 3)], times=[time(9)])),
    ("0 9 1 jan-jun *", Plan(unit="month", monthdays=[1], months=[1, 2, 3, 4, 5, 6], times=[time(9)])),
    ("0 9 * 7 *", Plan(unit="day", months=[7], times=[time(9)])),
])
def test_plan_of_cron_reads_the_fields(expression, plan):
    assert plan_of_cron(expression) == plan


@pytest.mark.parametrize("expression", [
    "0 9 1 * 1",  # day of month OR day of week
    "0 9 L * *", "0 9 15W * *", "0 9 * * 5#2",  # syntax no plan words
    "* * * * * *",  # 86,400 times a day
    "0 9 */2 * *",  # sixteen days of the month
    "0 9 * *",
])
def test_plan_of_cron_declines_what_no_plan_says_plainly(expression):
    assert plan_of_cron(expression) is None


def test_plan_of_rrule_reads_parts_bounds_and_what_dtstart_implies():
    plan = plan_of_rrule("FREQ=MONTHLY;INTERVAL=2;BYDAY=1FR,-1FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0;"
                         "COUNT=4;WKST=MO", datetime(2026, 7, 3, 9, 0))
    assert plan == Plan(unit="month", interval=2, nth=[(1, 4), (-1, 4)], times=[time(9)], count=4,
                        start=datetime(2026, 7, 3, 9, 0))
    until = plan_of_rrule("FREQ=DAILY;UNTIL=20260803T235959", datetime(2026, 6, 11, 7, 15))
    assert until is not None and until.until == datetime(2026, 8, 4) and until.times == [time(7, 15)]
    weekly = plan_of_rrule("FREQ=WEEKLY", datetime(2026, 6, 17, 9, 0))  # a Wednesday
    assert weekly is not None and weekly.weekdays == {2}
    yearly = plan_of_rrule("FREQ=YEARLY", datetime(2026, 12, 25, 9, 0))
    assert yearly is not None and yearly.dates == [(12, 25)]
    assert plan_of_rrule("FREQ=HOURLY", datetime(2026, 6, 17, 9, 0)) is None
    assert plan_of_rrule("FREQ=DAILY;UNTIL=20260803T000000Z", datetime(2026, 6, 17, 9, 0)) is None
    assert plan_of_rrule("FREQ=DAILY;BYEASTER=1", datetime(2026, 6, 17, 9, 0)) is None


"""cronpilot's cron against a peer's published cases: cronsim (cuu508/cronsim, tests/
test_cronsim.py), which follows Debian's cron (Vixie cron) including its DST behaviour.

The cases are rewritten here as our own table (expression, zone, local start, expected local
fires), not copied; the expected values are cronsim's. Every deliberate difference is listed in
DIFFERENCES with the reason, and tested to be a clear refusal.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import InvalidRequest
from scheduler.phrases import parse_schedule
from scheduler.triggers import CronTrigger, next_fires

RIGA = "Europe/Riga"  # 2021: 28 Mar 03:00 -> 04:00 (+02 -> +03); 31 Oct 04:00 -> 03:00
UTC0 = "UTC"

# (expression, zone, local start, expected fires as local ISO with offset)
CASES = [
    # day fields: a field starting with "*" is unrestricted, so both must match
    ("1 1 1-7 * */7", UTC0, "2020-01-01T00:00", ["2020-01-05T01:01:00+00:00", "2020-02-02T01:01:00+00:00",
                                                  "2020-03-01T01:01:00+00:00", "2020-04-05T01:01:00+00:00"]),
    ("1 1 */100,1-7 * MON", UTC0, "2020-01-01T00:00", ["2020-01-06T01:01:00+00:00", "2020-02-03T01:01:00+00:00",
                                                        "2020-03-02T01:01:00+00:00", "2020-04-06T01:01:00+00:00"]),
    # DST, spring forward in Riga
    ("0 * * * *", RIGA, "2021-03-28T01:30", ["2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00"]),
    ("*/30 * * * *", RIGA, "2021-03-28T02:10", ["2021-03-28T02:30:00+02:00", "2021-03-28T04:00:00+03:00",
                                                 "2021-03-28T04:30:00+03:00"]),
    ("*/15 * * * *", RIGA, "2021-03-28T02:40", ["2021-03-28T02:45:00+02:00", "2021-03-28T04:00:00+03:00"]),
    ("0 */2 * * *", RIGA, "2021-03-28T01:30", ["2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00",
                                                "2021-03-28T06:00:00+03:00"]),
    ("30 */2 * * *", RIGA, "2021-03-28T01:30", ["2021-03-28T02:30:00+02:00", "2021-03-28T04:30:00+03:00"]),
    ("0 1,2,3,4,5 * * *", RIGA, "2021-03-28T01:30", ["2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00",
                                                      "2021-03-28T05:00:00+03:00"]),
    ("30 1,2,3,4,5 * * *", RIGA, "2021-03-28T01:30", ["2021-03-28T02:30:00+02:00", "2021-03-28T04:00:00+03:00",
                                                       "2021-03-28T04:30:00+03:00"]),
    ("0 2 * * *", RIGA, "2021-03-28T01:30", ["2021-03-28T02:00:00+02:00", "2021-03-29T02:00:00+03:00"]),
    ("0 3 * * *", RIGA, "2021-03-27T01:30", ["2021-03-27T03:00:00+02:00", "2021-03-28T04:00:00+03:00",
                                              "2021-03-29T03:00:00+03:00"]),
    ("0 4 * * *", RIGA, "2021-03-27T01:30", ["2021-03-27T04:00:00+02:00", "2021-03-28T04:00:00+03:00",
                                              "2021-03-29T04:00:00+03:00"]),
    ("0 1,3,5,7,9,11,13,15,17,19,21,23 * * *", RIGA, "2021-03-28T00:30",
     ["2021-03-28T01:00:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-28T05:00:00+03:00"]),
    ("0 1-5 * * *", RIGA, "2021-03-28T01:30", ["2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00",
                                                "2021-03-28T05:00:00+03:00"]),
    ("15 3 * * *", RIGA, "2021-03-27T00:00", ["2021-03-27T03:15:00+02:00", "2021-03-28T04:00:00+03:00",
                                               "2021-03-29T03:15:00+03:00"]),
    ("* * * * *", RIGA, "2021-03-28T02:58", ["2021-03-28T02:59:00+02:00", "2021-03-28T04:00:00+03:00"]),
    ("* 1-6 * * *", RIGA, "2021-03-28T02:58", ["2021-03-28T02:59:00+02:00", "2021-03-28T04:00:00+03:00"]),
    # DST, fall back in Riga
    ("0 * * * *", RIGA, "2021-10-31T01:30", ["2021-10-31T02:00:00+03:00", "2021-10-31T03:00:00+03:00",
                                              "2021-10-31T03:00:00+02:00", "2021-10-31T04:00:00+02:00"]),
    ("*/30 * * * *", RIGA, "2021-10-31T02:10", ["2021-10-31T02:30:00+03:00", "2021-10-31T03:00:00+03:00",
                                                 "2021-10-31T03:30:00+03:00", "2021-10-31T03:00:00+02:00",
                                                 "2021-10-31T03:30:00+02:00", "2021-10-31T04:00:00+02:00"]),
    ("0 */2 * * *", RIGA, "2021-10-31T01:30", ["2021-10-31T02:00:00+03:00", "2021-10-31T04:00:00+02:00",
                                                "2021-10-31T06:00:00+02:00"]),
    ("30 */2 * * *", RIGA, "2021-10-31T01:30", ["2021-10-31T02:30:00+03:00", "2021-10-31T04:30:00+02:00"]),
    ("0 */3 * * *", RIGA, "2021-10-31T01:30", ["2021-10-31T03:00:00+03:00", "2021-10-31T03:00:00+02:00",
                                                "2021-10-31T06:00:00+02:00"]),
    ("0 1,2,3,4,5 * * *", RIGA, "2021-10-31T01:30", ["2021-10-31T02:00:00+03:00", "2021-10-31T03:00:00+03:00",
                                                      "2021-10-31T04:00:00+02:00"]),
    ("30 1,2,3,4,5 * * *", RIGA, "2021-10-31T01:30", ["2021-10-31T02:30:00+03:00", "2021-10-31T03:30:00+03:00",
                                                       "2021-10-31T04:30:00+02:00"]),
    ("0 2 * * *", RIGA, "2021-10-31T01:30", ["2021-10-31T02:00:00+03:00", "2021-11-01T02:00:00+02:00"]),
    ("0 3 * * *", RIGA, "2021-10-31T01:30", ["2021-10-31T03:00:00+03:00", "2021-11-01T03:00:00+02:00"]),
    ("0 4 * * *", RIGA, "2021-10-30T01:30", ["2021-10-30T04:00:00+03:00", "2021-10-31T04:00:00+02:00",
                                              "2021-11-01T04:00:00+02:00"]),
    ("0 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23 * * *", RIGA, "2021-10-31T01:30",
     ["2021-10-31T02:00:00+03:00", "2021-10-31T03:00:00+03:00", "2021-10-31T04:00:00+02:00"]),
    ("0 1,3,5,7,9,11,13,15,17,19,21,23 * * *", RIGA, "2021-10-31T00:30",
     ["2021-10-31T01:00:00+03:00", "2021-10-31T03:00:00+03:00", "2021-10-31T05:00:00+02:00"]),
    ("0 1-5 * * *", RIGA, "2021-10-31T01:30", ["2021-10-31T02:00:00+03:00", "2021-10-31T03:00:00+03:00",
                                                "2021-10-31T04:00:00+02:00"]),
    ("15 3 * * *", RIGA, "2021-10-30T00:00", ["2021-10-30T03:15:00+03:00", "2021-10-31T03:15:00+03:00",
                                               "2021-11-01T03:15:00+02:00"]),
    ("* * * * *", RIGA, "2021-10-31T03:58", ["2021-10-31T03:59:00+03:00", "2021-10-31T03:00:00+02:00",
                                              "2021-10-31T03:01:00+02:00"]),
    ("* 1-6 * * *", RIGA, "2021-10-31T03:58", ["2021-10-31T03:59:00+03:00", "2021-10-31T03:00:00+02:00",
                                                "2021-10-31T03:01:00+02:00"]),
]

# Deliberate differences: expressions cronsim accepts that cronpilot refuses, with the feature
# the refusal must name (use an RRULE or a phrase for these; see docs/time-phrases.md "Cron").
DIFFERENCES = [
    ("1 1 L * *", "L (last day)"),
    ("* * L/2 * *", "L (last day)"),
    ("1 1 * * 5L", "L (last day)"),
    ("1 1 * * 0L", "L (last day)"),
    ("1 1 * * 1#2", "# (nth weekday)"),
    ("0 0 * 2 MON#5", "# (nth weekday)"),
    ("* * * * 1,2,3#1", "# (nth weekday)"),
    ("1 1 */100 * MON#4", "# (nth weekday)"),  # cronsim: never matches; here: refused, never a one-off
    ("0 9 15W * *", "W (nearest weekday)"),
]


@pytest.mark.parametrize("expression,zone,start,expected", CASES, ids=[f"{c[0]}@{c[2]}" for c in CASES])
def test_cron_matches_cronsim_case(expression, zone, start, expected):
    tz = ZoneInfo(zone)
    after = datetime.fromisoformat(start).replace(tzinfo=tz)
    fires = next_fires([CronTrigger(expression=expression)], after, tz, len(expected))
    assert [f.astimezone(tz).isoformat() for f in fires] == expected


@pytest.mark.parametrize("expression,feature", DIFFERENCES)
def test_cron_refuses_nonstandard_feature_by_name(expression, feature):
    with pytest.raises(ValueError, match=feature.replace("(", r"\(").replace(")", r"\)") + " is not supported"):
        CronTrigger(expression=expression)


@pytest.mark.parametrize("expression,feature", DIFFERENCES)
def test_when_never_reads_a_cron_expression_as_words(expression, feature):
    now = datetime(2026, 6, 10, 10, tzinfo=ZoneInfo("UTC"))
    with pytest.raises(InvalidRequest, match="is not supported"):
        parse_schedule(expression, zone="UTC", now=now)


def test_cron_restricted_day_fields_still_or():
    # Both day fields restricted (no leading "*"): the 1st and 15th, and every Friday (Vixie OR).
    tz = ZoneInfo("UTC")
    fires = next_fires([CronTrigger(expression="30 4 1,15 * 5")], datetime(2026, 6, 1, 0, tzinfo=tz), tz, 4)
    assert [f.day for f in fires] == [1, 5, 12, 15]  # Mon 1st, Fri 5, Fri 12, Mon 15th

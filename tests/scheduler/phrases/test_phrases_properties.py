"""Properties over generated phrases: for every schedule the parser accepts, the next fire times
are strictly increasing, in the task's zone, after "now", and never inside a DST gap.

Phrases come from a small grammar (days x times x qualifiers), zones include odd DST rules
(Lord Howe's 30-minute shift, Chatham's +12:45), and "now" ranges over 2020-2030.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scheduler.errors import InvalidRequest
from scheduler.phrases import parse_schedule, preview
from scheduler.triggers import localtime

DAYS = [
    "every day", "every weekday", "every monday", "every other tuesday", "every 2 weeks on friday",
    "weekends", "every month on the 15th", "first monday of every month", "last friday of the month",
    "every last day", "every year on march 29", "every 3 days", "mondays and thursdays", "daily",
    "every sunday", "the 31st of every month", "every 2nd tuesday", "every night", "every morning",
]  # fmt: skip
TIMES = ["", " at 9am", " at 2:30am", " at 2:30", " at noon", " at 9 and 17", " at 1:30am",
         " at 23:59", " at midnight", " at 3:15am"]  # fmt: skip
TAILS = ["", " for 5 times", " until december", " starting tomorrow", " except fridays"]
INTERVALS = ["every 90 minutes", "every 2 hours", "every 15 minutes", "every 45 minutes between 1 and 4",
             "every hour on weekdays", "every 30 minutes"]  # fmt: skip
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Chatham",
         "America/Sao_Paulo", "Asia/Tokyo", "UTC", "America/St_Johns", "Europe/London"]  # fmt: skip

instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)
calendar_phrases = st.builds(lambda d, t, q: d + t + q, st.sampled_from(DAYS), st.sampled_from(TIMES),
                             st.sampled_from(TAILS))  # fmt: skip
phrases = st.one_of(calendar_phrases, st.sampled_from(INTERVALS))


def check(phrase: str, zone: str, now: datetime) -> None:
    try:
        schedule = parse_schedule(phrase, zone=zone, now=now)
    except InvalidRequest:
        assume(False)
        return
    tz = ZoneInfo(zone)
    fires = preview(schedule, zone=zone, after=now, count=8)
    assert fires, phrase
    # Same-zone aware datetimes compare and subtract by wall time in Python: use UTC instants.
    instants = [f.astimezone(UTC) for f in fires]
    assert instants[0] > now
    for earlier, later in pairwise(instants):
        assert later > earlier, (phrase, earlier, later)
    for fire in fires:
        assert fire.tzinfo == tz
        assert localtime.exists(fire.replace(tzinfo=None), tz), (phrase, fire)
        assert fire.astimezone(UTC).astimezone(tz) == fire
    if schedule.kind == "interval" and len(schedule.triggers) == 1:
        steps = {later - earlier for earlier, later in pairwise(instants)}
        assert len(steps) == 1 and steps.pop() >= timedelta(seconds=1)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(phrase=phrases, zone=st.sampled_from(ZONES), now=instants)
def test_fires_increase_in_zone_and_avoid_gaps(phrase: str, zone: str, now: datetime) -> None:
    check(phrase, zone, now)


@settings(max_examples=100, deadline=None)
@given(zone=st.sampled_from(ZONES), now=instants, minutes=st.integers(1, 60 * 24 * 400))
def test_relative_minutes_are_elapsed_time(zone: str, now: datetime, minutes: int) -> None:
    schedule = parse_schedule(f"in {minutes} minutes", zone=zone, now=now)
    (fire,) = preview(schedule, zone=zone, after=now)
    assert fire - now == timedelta(minutes=minutes)


@settings(max_examples=100, deadline=None)
@given(zone=st.sampled_from(ZONES), now=instants, days=st.integers(1, 400))
def test_relative_days_keep_the_wall_clock(zone: str, now: datetime, days: int) -> None:
    tz = ZoneInfo(zone)
    wall = now.astimezone(tz).replace(tzinfo=None)
    target = wall + timedelta(days=days)
    assume(localtime.exists(target, tz) and not localtime.is_repeated(target, tz))
    schedule = parse_schedule(f"in {days} days", zone=zone, now=now)
    (fire,) = preview(schedule, zone=zone, after=now)
    assert fire.replace(tzinfo=None) == target.replace(microsecond=target.microsecond)


CRON_ATOMS = ["*", "*/2", "0", "1", "5", "7", "12", "29", "31", "59", "1-5", "6-0", "apr-jan", "mon", "sun-sat",
              ",", "/", "-", "L", "W", "#", "?", "H", "2#3", "60", "foo", "seconds"]  # fmt: skip
fuzz_text = st.one_of(
    st.lists(st.sampled_from(CRON_ATOMS), min_size=1, max_size=8).map(" ".join),
    st.lists(st.sampled_from(CRON_ATOMS[:15]), min_size=5, max_size=5).map(" ".join),  # five fields
    st.sampled_from(["0 0 1 1 *", "59 23 31 12 *", "0 0 29 2 *", "*/5 * * * *", "every day at 9", "every hour"]),
)
any_instant = st.one_of(  # mostly near datetime's ends, where the arithmetic runs out
    st.datetimes(min_value=datetime(9990, 1, 1), max_value=datetime(9999, 12, 30)),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(10, 1, 1)),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
).map(lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=300, deadline=None)
@given(text=fuzz_text, zone=st.sampled_from(ZONES), now=any_instant)
def test_any_cron_like_text_at_any_instant_is_read_or_refused_in_one_line(text: str, zone: str, now: datetime) -> None:
    """Never a croniter or datetime error (a year-9999 instant made one: "'*' is not in list"
    under "year 10000 is out of range"): a schedule whose fires can be listed, or one line."""
    try:
        schedule = parse_schedule(text, zone=zone, now=now)
        preview(schedule, zone=zone, after=now, count=3)
    except InvalidRequest as exc:
        assert "\n" not in str(exc) and "not in list" not in str(exc)

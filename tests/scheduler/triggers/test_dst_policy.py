"""Per-task DST policy: every (skipped, repeated) combination around spring-forward and fall-back
in Europe/Berlin, America/New_York and Australia/Sydney, for cron and RRULE triggers.

Expected instants are written by hand from the zones' 2026 rules:
- Berlin: 29 Mar 02:00 -> 03:00 (+01 -> +02); 25 Oct 03:00 -> 02:00 (+02 -> +01).
- New York: 8 Mar 02:00 -> 03:00 (-05 -> -04); 1 Nov 02:00 -> 01:00 (-04 -> -05).
- Sydney: 5 Apr 03:00 -> 02:00 (+11 -> +10, autumn); 4 Oct 02:00 -> 03:00 (+10 -> +11, spring).
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from scheduler.triggers import CronTrigger, DstPolicy, RRuleTrigger, next_fires


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# (zone, local "now", hour:minute named daily, {"shift"/"skip" or "first"/"last"/"both": next 2 fires})
GAPS = [
    ("Europe/Berlin", datetime(2026, 3, 28, 12), (2, 30), {
        "shift": [_utc(2026, 3, 29, 1, 0), _utc(2026, 3, 30, 0, 30)],
        "skip": [_utc(2026, 3, 30, 0, 30), _utc(2026, 3, 31, 0, 30)],
    }),
    ("America/New_York", datetime(2026, 3, 7, 12), (2, 30), {
        "shift": [_utc(2026, 3, 8, 7, 0), _utc(2026, 3, 9, 6, 30)],
        "skip": [_utc(2026, 3, 9, 6, 30), _utc(2026, 3, 10, 6, 30)],
    }),
    ("Australia/Sydney", datetime(2026, 10, 3, 12), (2, 30), {
        "shift": [_utc(2026, 10, 3, 16, 0), _utc(2026, 10, 4, 15, 30)],
        "skip": [_utc(2026, 10, 4, 15, 30), _utc(2026, 10, 5, 15, 30)],
    }),
]
FOLDS = [
    ("Europe/Berlin", datetime(2026, 10, 24, 12), (2, 30), {
        "first": [_utc(2026, 10, 25, 0, 30), _utc(2026, 10, 26, 1, 30)],
        "last": [_utc(2026, 10, 25, 1, 30), _utc(2026, 10, 26, 1, 30)],
        "both": [_utc(2026, 10, 25, 0, 30), _utc(2026, 10, 25, 1, 30)],
    }),
    ("America/New_York", datetime(2026, 10, 31, 12), (1, 30), {
        "first": [_utc(2026, 11, 1, 5, 30), _utc(2026, 11, 2, 6, 30)],
        "last": [_utc(2026, 11, 1, 6, 30), _utc(2026, 11, 2, 6, 30)],
        "both": [_utc(2026, 11, 1, 5, 30), _utc(2026, 11, 1, 6, 30)],
    }),
    ("Australia/Sydney", datetime(2026, 4, 4, 12), (2, 30), {
        "first": [_utc(2026, 4, 4, 15, 30), _utc(2026, 4, 5, 16, 30)],
        "last": [_utc(2026, 4, 4, 16, 30), _utc(2026, 4, 5, 16, 30)],
        "both": [_utc(2026, 4, 4, 15, 30), _utc(2026, 4, 4, 16, 30)],
    }),
]
POLICIES = [DstPolicy(skipped=s, repeated=r) for s, r in product(("shift", "skip"), ("first", "last", "both"))]


def _triggers(hm: tuple[int, int], policy: DstPolicy) -> dict[str, object]:
    h, m = hm
    return {
        "cron": CronTrigger(expression=f"{m} {h} * * *", dst=policy),
        "rrule": RRuleTrigger(rule=f"FREQ=DAILY;BYHOUR={h};BYMINUTE={m};BYSECOND=0",
                              start=datetime(2026, 1, 1, h, m), dst=policy),
    }


@pytest.mark.parametrize("kind", ["cron", "rrule"])
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p.skipped}-{p.repeated}")
@pytest.mark.parametrize("case", GAPS, ids=lambda c: c[0])
def test_dst_policy_skipped_wall_time_follows_skipped_half(case, policy, kind):
    zone, local_now, hm, expected = case
    tz = ZoneInfo(zone)
    trigger = _triggers(hm, policy)[kind]
    assert next_fires([trigger], local_now.replace(tzinfo=tz), tz, 2) == expected[policy.skipped]


@pytest.mark.parametrize("kind", ["cron", "rrule"])
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p.skipped}-{p.repeated}")
@pytest.mark.parametrize("case", FOLDS, ids=lambda c: c[0])
def test_dst_policy_repeated_wall_time_follows_repeated_half(case, policy, kind):
    zone, local_now, hm, expected = case
    tz = ZoneInfo(zone)
    trigger = _triggers(hm, policy)[kind]
    assert next_fires([trigger], local_now.replace(tzinfo=tz), tz, 2) == expected[policy.repeated]


def test_dst_policy_default_is_the_house_rule_and_not_stored():
    trigger = CronTrigger(expression="30 2 * * *")
    assert trigger.dst is None
    assert trigger.model_dump() == {"kind": "cron", "expression": "30 2 * * *"}
    assert CronTrigger(expression="30 2 * * *", dst={"repeated": "both"}).model_dump()["dst"] == {
        "skipped": "shift", "repeated": "both"}


def test_dst_policy_rejects_unknown_choices():
    with pytest.raises(ValueError):
        DstPolicy(skipped="later")
    with pytest.raises(ValueError):
        DstPolicy(repeated="twice")


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p.skipped}-{p.repeated}")
def test_dst_policy_does_not_change_a_cron_that_steps_through_the_hours(policy):
    # Hourly at :30 on Berlin's fall-back night: 5 runs in 5 real hours whatever the policy.
    tz = ZoneInfo("Europe/Berlin")
    trigger = CronTrigger(expression="30 * * * *", dst=policy)
    fires = next_fires([trigger], _utc(2026, 10, 24, 22, 0), tz, 5)
    assert fires == [_utc(2026, 10, 24, 22, 30), _utc(2026, 10, 24, 23, 30), _utc(2026, 10, 25, 0, 30),
                     _utc(2026, 10, 25, 1, 30), _utc(2026, 10, 25, 2, 30)]


def test_dst_policy_hour_range_counts_as_fixed_on_fall_back_night():
    # "0 1-6 * * *" names fixed hours (cronie: not a wildcard job): Berlin's 02:00 runs once by
    # default, at the second with "last", twice with "both".
    tz = ZoneInfo("Europe/Berlin")
    start = _utc(2026, 10, 24, 23, 30)  # 01:30 local (+02)
    first = next_fires([CronTrigger(expression="0 1-6 * * *")], start, tz, 2)
    assert first == [_utc(2026, 10, 25, 0, 0), _utc(2026, 10, 25, 2, 0)]  # 02:00+02, 03:00+01
    both = next_fires([CronTrigger(expression="0 1-6 * * *", dst={"repeated": "both"})], start, tz, 3)
    assert both == [_utc(2026, 10, 25, 0, 0), _utc(2026, 10, 25, 1, 0), _utc(2026, 10, 25, 2, 0)]
    last = next_fires([CronTrigger(expression="0 1-6 * * *", dst={"repeated": "last"})], start, tz, 2)
    assert last == [_utc(2026, 10, 25, 1, 0), _utc(2026, 10, 25, 2, 0)]


def test_dst_policy_applies_in_half_hour_shift_zone():
    # Lord Howe moves 30 minutes: 02:00 -> 02:30 on 4 Oct 2026 (+10:30 -> +11).
    tz = ZoneInfo("Australia/Lord_Howe")
    now = datetime(2026, 10, 3, 12, tzinfo=tz)
    shift = next_fires([CronTrigger(expression="15 2 * * *")], now, tz, 1)
    assert shift == [datetime(2026, 10, 4, 2, 30, tzinfo=tz).astimezone(UTC)]
    skip = next_fires([CronTrigger(expression="15 2 * * *", dst={"skipped": "skip"})], now, tz, 1)
    assert skip == [datetime(2026, 10, 5, 2, 15, tzinfo=tz).astimezone(UTC)]

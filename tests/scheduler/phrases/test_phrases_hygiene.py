"""Input hygiene, refusals with helpful messages, notes and the public API's edges."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import InvalidRequest
from scheduler.phrases import Schedule, parse_schedule, preview
from scheduler.triggers import CronTrigger, IntervalTrigger, OnceTrigger, RRuleTrigger

ZONE = "Europe/Berlin"
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo(ZONE))


def fires(phrase: str, count: int = 1, *, zone: str = ZONE, now: datetime = NOW) -> list[str]:
    schedule = parse_schedule(phrase, zone=zone, now=now)
    return [f.isoformat() for f in preview(schedule, zone=zone, after=now, count=count)]


def test_fullwidth_digits_and_letters_are_read() -> None:
    assert fires("ｉｎ １５ ｍｉｎｕｔｅｓ") == ["2026-06-10T10:15:00+02:00"]


@pytest.mark.parametrize("hidden", ["\u200b", "\u200d", "\u2066", "\u202e", "\ufeff", "\u00ad"])
def test_invisible_characters_are_stripped(hidden: str) -> None:
    assert fires(f"every{hidden} mon{hidden}day at 9", 1) == ["2026-06-15T09:00:00+02:00"]


@pytest.mark.parametrize("phrase", ["in ١٥ minutes", "at ९ am", "every day at ๙"])
def test_other_digit_scripts_are_refused_clearly(phrase: str) -> None:
    with pytest.raises(InvalidRequest, match="digits 0-9"):
        parse_schedule(phrase, zone=ZONE, now=NOW)


def test_length_is_capped() -> None:
    with pytest.raises(InvalidRequest, match="too long"):
        parse_schedule("every day at 9am " + "please " * 60, zone=ZONE, now=NOW)


@pytest.mark.parametrize("phrase", ["", "   ", "\u200b"])
def test_empty_is_refused(phrase: str) -> None:
    with pytest.raises(InvalidRequest, match="empty"):
        parse_schedule(phrase, zone=ZONE, now=NOW)


def test_refusals_explain_and_give_examples() -> None:
    with pytest.raises(InvalidRequest) as err:
        parse_schedule("every blue moon", zone=ZONE, now=NOW)
    assert "every blue moon" in str(err.value) and "Try:" in str(err.value)
    with pytest.raises(InvalidRequest) as err:
        parse_schedule("yesterday at 5", zone=ZONE, now=NOW)
    assert "past" in str(err.value) and "Tue 9 Jun 2026 at 17:00" in str(err.value)
    with pytest.raises(InvalidRequest, match="February has no day 31"):
        parse_schedule("31 February", zone=ZONE, now=NOW)
    with pytest.raises(InvalidRequest, match="28pm"):
        parse_schedule("Mar 9th at 28pm", zone=ZONE, now=NOW)


def test_past_one_off_is_refused_not_moved() -> None:
    with pytest.raises(InvalidRequest, match="past"):
        parse_schedule("today at 9am", zone=ZONE, now=NOW)
    with pytest.raises(InvalidRequest, match="past"):
        parse_schedule("on 12/17/2020", zone=ZONE, now=NOW)


def test_horizon() -> None:
    assert fires("8/1/2100 at 12:15am") == ["2100-08-01T00:15:00+02:00"]
    with pytest.raises(InvalidRequest, match="100 years"):
        parse_schedule("in 1000 years", zone=ZONE, now=NOW)


def test_naive_now_and_unknown_zone_are_refused() -> None:
    with pytest.raises(InvalidRequest, match="aware"):
        parse_schedule("tomorrow", zone=ZONE, now=datetime(2026, 6, 10, 10))
    with pytest.raises(InvalidRequest, match="unknown time zone"):
        parse_schedule("tomorrow", zone="Mars/Olympus", now=NOW)


def test_now_in_any_zone_means_the_same_instant() -> None:
    utc_now = NOW.astimezone(UTC)
    a = parse_schedule("tomorrow at 3pm", zone=ZONE, now=NOW)
    b = parse_schedule("tomorrow at 3pm", zone=ZONE, now=utc_now)
    assert a == b


def test_trigger_kinds() -> None:
    assert isinstance(parse_schedule("every day at 9", zone=ZONE, now=NOW).triggers[0], CronTrigger)
    assert isinstance(
        parse_schedule("every other tuesday", zone=ZONE, now=NOW).triggers[0], RRuleTrigger
    )
    assert isinstance(
        parse_schedule("every 2 hours", zone=ZONE, now=NOW).triggers[0], IntervalTrigger
    )
    assert isinstance(parse_schedule("tomorrow", zone=ZONE, now=NOW).triggers[0], OnceTrigger)
    window = parse_schedule("every 15 minutes between 9 and 17 on weekdays", zone=ZONE, now=NOW)
    assert [t.expression for t in window.triggers] == ["0,15,30,45 9-16 * * 1-5", "0 17 * * 1-5"]
    assert isinstance(Schedule("once", "x", []), Schedule)


def test_gap_note_for_one_off() -> None:
    now = datetime(2026, 3, 28, 10, 0, tzinfo=ZoneInfo(ZONE))
    schedule = parse_schedule("tomorrow at 2:30am", zone=ZONE, now=now)
    assert [f.isoformat() for f in preview(schedule, zone=ZONE, after=now)] == [
        "2026-03-29T03:00:00+02:00"
    ]
    assert schedule.notes and "02:30 doesn't exist on Sun 29 Mar 2026" in schedule.notes[0]


def test_dst_notes_for_recurring() -> None:
    schedule = parse_schedule("every day at 2:30am", zone=ZONE, now=NOW)
    assert any("happens twice on Sun 25 Oct 2026" in n for n in schedule.notes)
    assert any("doesn't exist on Sun 28 Mar 2027" in n for n in schedule.notes)
    assert parse_schedule("every day at 9am", zone=ZONE, now=NOW).notes == ()


def test_zone_named_in_phrase() -> None:
    with pytest.raises(InvalidRequest, match="America/Los_Angeles"):
        parse_schedule("weekdays at 9am PT", zone=ZONE, now=NOW)
    assert fires("tomorrow 9am UTC") == ["2026-06-11T11:00:00+02:00"]


def test_count_and_end_cap_the_fires() -> None:
    assert len(fires("every friday for 5 times", 10)) == 5
    assert len(fires("every 2 hours twice", 10)) == 2
    assert fires("every day until june 12", 10) == [
        "2026-06-11T09:00:00+02:00",
        "2026-06-12T09:00:00+02:00",
    ]


def test_cron_expression_as_is_uses_engine_maths() -> None:
    schedule = parse_schedule("0 9 * * 1", zone=ZONE, now=NOW)
    assert schedule.kind == "recurring"
    assert schedule.triggers == [CronTrigger(expression="0 9 * * 1")]
    with pytest.raises(InvalidRequest, match="cron"):
        parse_schedule("61 9 * * 1", zone=ZONE, now=NOW)


@pytest.mark.parametrize("phrase", ["every 1 foo seconds", "every 2 bar hours", "every 3 blah days",
                                    "on 31 Dec 3000 at 23:00"])
def test_a_phrase_whose_count_or_date_was_left_unread_is_refused_not_misread(phrase: str) -> None:
    """These read as "the 1st of every month" (or this year's 31 Dec) with the unit (the year)
    dropped: the wrong schedule, silently. They are refused, naming what wasn't read."""
    with pytest.raises(InvalidRequest, match="(couldn't read|don't know) '(foo|bar|blah|3000)") as refused:
        parse_schedule(phrase, zone=ZONE, now=NOW)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("phrase", ["0 0 1 1 *", "every day at 9", "59 23 31 12 *", "every hour"])
def test_a_reading_instant_near_datetimes_end_is_refused_in_one_line(phrase: str) -> None:
    """Fires after an instant in year 9999 lie past datetime's end: croniter failed inside its
    own handler ("'*' is not in list", then "year 10000 is out of range")."""
    with pytest.raises(InvalidRequest, match="between the years 1900 and 9000"):
        parse_schedule(phrase, zone="Australia/Lord_Howe", now=datetime(9999, 2, 9, 3, 31, tzinfo=UTC))


def test_a_cron_trigger_with_no_fire_before_datetimes_end_has_no_next_fire() -> None:
    from scheduler.triggers.cron import next_fire_after, walls_between

    late = datetime(9999, 2, 9, 3, 31, tzinfo=UTC)
    assert next_fire_after(CronTrigger(expression="0 0 1 1 *"), late, ZoneInfo("Australia/Lord_Howe")) is None
    assert walls_between(CronTrigger(expression="0 0 29 2 *"), datetime(9998, 11, 17), datetime(9999, 12, 1)) == []


@pytest.mark.parametrize(("phrase", "says"), [
    ("every 1 foo", "I don't know 'foo' as a unit of time in 'every 1 foo'"),
    ("every 2 foos at 9", "'foos'"),
    ("every 3 centuries", "'centuries'"),
    ("every 10 mintues", "'mintues'"),
    ("every 1 h", "'h'"),
    ("every 1 night", "'night'"),
    ("every 1 ms", "shortest step I schedule is a second"),
    ("every 5", "'every 5' doesn't say 5 of what"),
    ("every 5 at 9", "5 of what"),
    ("every 1 1/2 hours", "'every 1.5 hours'"),
    ("every 5th foo", "'foo'"),
    ("every first blorp at 9", "'blorp'"),
    ("every 1.5 weeks", "10.5 days"),
    ("every 0.5 weeks", "3.5 days"),
    ("every 1.25 fortnights", "17.5 days"),
    ("every week and a half", "10.5 days"),
    ("every 2 weeks and a half", "17.5 days"),
    ("every day and a half", "whole number of days"),
    ("every other hour and a half", "one number"),
    ("every day 25/12", "every day and names a date"),
    ("every day at 9-17", "every day and names a date"),
    ("every -1 hours", "never comes round"),
    ("every -5", "never comes round"),
])
def test_an_odd_every_phrase_is_refused_in_one_line_not_misread(phrase: str, says: str) -> None:
    """Each was read as something else: the 1st (5th) of every month with the word dropped, a
    fraction of a week cut to whole days (1.5 weeks as 10 days), "and a half" dropped (every
    week), "every day" dropped before a date (every year on 25 December)."""
    with pytest.raises(InvalidRequest) as refused:
        parse_schedule(phrase, zone=ZONE, now=NOW)
    assert says in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize(("phrase", "first"), [
    ("every 15 of the month", "2026-06-15T09:00:00+02:00"),  # a bare day with its month: kept
    ("every 15th", "2026-06-15T09:00:00+02:00"),
    ("every 5th at 9", "2026-07-05T09:00:00+02:00"),
    ("every 1.5 fortnights", "2026-06-17T09:00:00+02:00"),  # 3 weeks: whole
    ("every hour and a half", "2026-06-10T11:30:00+02:00"),  # 90 minutes, not every hour
    ("every minute and a half", "2026-06-10T10:01:30+02:00"),
])
def test_neighbours_of_the_refused_phrases_still_read(phrase: str, first: str) -> None:
    assert fires(phrase) == [first]

"""Ask, don't guess: vague phrases are refused with the reason; phrases with two sensible
readings raise AmbiguousPhrase, and every reading's phrase parses, unambiguously, to that
reading (the chat parses the chosen one in the person's next turn)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import AmbiguousPhrase, InvalidRequest
from scheduler.phrases import parse_schedule, preview

ZONE = "Europe/Berlin"
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo(ZONE))  # a Wednesday

AMBIGUOUS = [
    ("midnight on Friday", ["2026-06-12T00:00:00+02:00", "2026-06-13T00:00:00+02:00"]),
    ("Friday at midnight", ["2026-06-12T00:00:00+02:00", "2026-06-13T00:00:00+02:00"]),
    ("end of day Thursday", ["2026-06-11T17:00:00+02:00", "2026-06-11T23:59:00+02:00"]),
    ("EOD", ["2026-06-10T17:00:00+02:00", "2026-06-10T23:59:00+02:00"]),
    ("at 7 or 8 tomorrow", ["2026-06-11T07:00:00+02:00", "2026-06-11T08:00:00+02:00"]),
    ("every second Tuesday at 5pm", ["2026-06-16T17:00:00+02:00", "2026-07-14T17:00:00+02:00"]),
]


@pytest.mark.parametrize("phrase,firsts", AMBIGUOUS)
def test_ambiguous_phrase_names_readings_that_parse_to_them(phrase, firsts):
    with pytest.raises(AmbiguousPhrase) as info:
        parse_schedule(phrase, zone=ZONE, now=NOW)
    readings = info.value.readings
    assert len(readings) == 2 and all(r.label and r.phrase for r in readings)
    got = []
    for reading in readings:
        schedule = parse_schedule(reading.phrase, zone=ZONE, now=NOW)  # no AmbiguousPhrase again
        got.append(preview(schedule, zone=ZONE, after=NOW, count=1)[0].isoformat())
    assert got == firsts


def test_every_second_tuesday_readings_repeat_as_they_say():
    with pytest.raises(AmbiguousPhrase) as info:
        parse_schedule("every second Tuesday", zone=ZONE, now=NOW)
    other, monthly = info.value.readings
    fires = preview(parse_schedule(other.phrase, zone=ZONE, now=NOW), zone=ZONE, after=NOW, count=2)
    assert (fires[1] - fires[0]).days == 14
    fires = preview(parse_schedule(monthly.phrase, zone=ZONE, now=NOW), zone=ZONE, after=NOW, count=2)
    assert [f.day for f in fires] == [14, 11]  # the 2nd Tuesday of July and of August


@pytest.mark.parametrize("phrase,reason", [
    ("some time next week", "doesn't say when"),
    ("sometime tomorrow", "doesn't say when"),
    ("remind me at some point", "doesn't say when"),
    ("soon", "doesn't say when"),
    ("every weekday on Sundays", "contradict"),
    ("every weekend on monday", "contradict"),
])
def test_vague_or_contradictory_phrase_is_refused_with_the_reason(phrase, reason):
    with pytest.raises(InvalidRequest, match=reason) as info:
        parse_schedule(phrase, zone=ZONE, now=NOW)
    assert not isinstance(info.value, AmbiguousPhrase)


@pytest.mark.parametrize("phrase", ["every 2nd Tuesday", "at midnight", "every day at midnight",
                                    "3 days later", "every other Tuesday"])
def test_clear_phrases_near_the_ambiguous_ones_still_parse(phrase):
    parse_schedule(phrase, zone=ZONE, now=NOW)

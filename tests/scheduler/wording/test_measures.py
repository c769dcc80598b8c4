"""Measures in words: times in a zone (labelled when the zone isn't the reader's, the year only
when it isn't this one), spans, measured times, repeats, counts, clipped text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.wording import (
    clip,
    count_text,
    duration_text,
    elapsed_text,
    first_line,
    repeat_text,
    time_text,
)


@pytest.mark.parametrize(("n", "noun", "plural", "text"), [
    (1, "failed run", None, "1 failed run"),
    (2, "failed run", None, "2 failed runs"),
    (0, "task", None, "0 tasks"),
    (1, "retry", "retries", "1 retry"),
    (3, "retry", "retries", "3 retries"),
])
def test_count_text_uses_the_singular_only_for_one(n, noun, plural, text):
    assert count_text(n, noun, plural) == text


@pytest.mark.parametrize(("span", "text"), [
    (timedelta(seconds=1), "1 second"),
    (timedelta(seconds=30), "30 seconds"),
    (timedelta(seconds=90), "90 seconds"),
    (timedelta(minutes=1), "1 minute"),
    (timedelta(minutes=90), "90 minutes"),
    (timedelta(hours=1), "1 hour"),
    (timedelta(hours=36), "36 hours"),
    (timedelta(days=7), "7 days"),
    (timedelta(hours=1, minutes=1, seconds=30), "1 hour 1 minute 30 seconds"),  # 3690 seconds says less
    (timedelta(days=200, minutes=5), "200 days 5 minutes"),
    (timedelta(milliseconds=500), "0.5 seconds"),
    (timedelta(0), "0 seconds"),
])
def test_duration_text_is_exact_and_natural(span, text):
    assert duration_text(span) == text


@pytest.mark.parametrize(("span", "text"), [
    (timedelta(minutes=1), "every minute"),
    (timedelta(minutes=15), "every 15 minutes"),
    (timedelta(hours=1), "every hour"),
    (timedelta(hours=1, minutes=30), "every 90 minutes"),
    (90, "every 90 seconds"),
    (timedelta(days=1), "every day"),
])
def test_repeat_text_says_every_unit_without_a_one(span, text):
    assert repeat_text(span) == text


@pytest.mark.parametrize(("span", "text"), [
    (timedelta(milliseconds=120), "120 ms"),
    (timedelta(seconds=1.234), "1.2 s"),
    (timedelta(seconds=59.94), "59.9 s"),
    (timedelta(seconds=125), "2 min 5 s"),
    (timedelta(minutes=2), "2 min"),
    (timedelta(hours=1, minutes=3, seconds=10), "1 h 3 min"),
    (timedelta(hours=2), "2 h"),
])
def test_elapsed_text_keeps_the_precision_that_matters(span, text):
    assert elapsed_text(span) == text


def test_clip_and_first_line_make_one_short_line():
    assert clip("a  b\n c") == "a b c"
    assert clip("x" * 10, 5) == "xxxx…"
    assert first_line("\n  \nexit code 1\nTraceback …") == "exit code 1"
    assert first_line("") == ""


NOW = datetime(2026, 12, 6, 21, 25, tzinfo=UTC)
MONDAY_9_BERLIN = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_a_time_in_the_readers_zone_carries_no_label():
    assert time_text(MONDAY_9_BERLIN, "Europe/Berlin", viewer_zone="Europe/Berlin", now=NOW) == "Mon 7 Dec 09:00"


def test_a_time_in_another_zone_names_it():
    # The audit's answer said "next Mon 7 Dec 08:00" (UTC) beside a Berlin schedule, unlabelled.
    assert time_text(MONDAY_9_BERLIN, "Europe/Berlin", viewer_zone="UTC", now=NOW) == "Mon 7 Dec 09:00 (Europe/Berlin)"
    assert time_text(MONDAY_9_BERLIN, "UTC", viewer_zone="Europe/Berlin", now=NOW) == "Mon 7 Dec 08:00 (UTC)"


def test_the_year_shows_when_it_is_not_this_one_or_unknown():
    january = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    assert time_text(january, "Europe/Berlin", now=NOW) == "Mon 4 Jan 2027 09:00"
    assert time_text(MONDAY_9_BERLIN, "Europe/Berlin") == "Mon 7 Dec 2026 09:00"  # no "now": say it


def test_seconds_on_request_and_never_for_none():
    instant = datetime(2026, 12, 7, 8, 0, 5, tzinfo=UTC)
    assert time_text(instant, "Europe/Berlin", now=NOW, seconds=True) == "Mon 7 Dec 09:00:05"
    assert time_text(None, "UTC") == "never"

"""A task's schedule in words, read from its stored triggers, as the time-phrase parser says it."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.errors import InvalidRequest
from scheduler.phrases import languages, parse_schedule
from scheduler.phrases.languages.describe import translate
from scheduler.triggers import (
    ConditionTrigger,
    CronTrigger,
    EventTrigger,
    FileTrigger,
    IntervalTrigger,
    OnceTrigger,
    PgNotifyTrigger,
    RRuleTrigger,
)
from scheduler.wording import NO_SCHEDULE, schedule_text, trigger_source, trigger_text

ZONE = "Europe/Berlin"
NOW = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)  # Wed 10 Jun 2026 10:00 in Berlin


@pytest.mark.parametrize(("expression", "words"), [
    ("0 9 * * 1", "every Monday at 09:00"),
    ("0 9 * * MON", "every Monday at 09:00"),
    ("30 8 * * 1-5", "every weekday at 08:30"),
    ("0 9 * * sat,sun", "every Saturday and Sunday at 09:00"),
    ("0 9,17 * * *", "every day at 09:00 and 17:00"),
    ("*/15 * * * *", "every 15 minutes"),
    ("0 */2 * * *", "every 2 hours"),
    ("30 * * * *", "every hour at :30"),
    ("0,30 9-17 * * 1-5", "every 30 minutes from 09:00 to 17:30, every weekday"),
    ("15 0 9 * * *", "every day at 09:00:15"),  # six fields: seconds first
    ("0 9 1 * *", "on the 1st of every month at 09:00"),
    ("0 9 25 12 *", "every year on 25 December at 09:00"),
    ("0 9 * 1-6,8-12 *", "every day except in July at 09:00"),
    ("0 9 * 7 1", "every Monday in July at 09:00"),
    # No plan says these plainly: the expression itself, as written.
    ("0 9 1 * 1", "cron '0 9 1 * 1'"),  # the 1st or a Monday: cron's either-or
    ("0 9 1,15 * 1-5", "cron '0 9 1,15 * 1-5'"),
    ("*/7 * * * *", "cron '*/7 * * * *'"),  # uneven across the hour
])
def test_cron_reads_like_the_phrase_it_stands_for(expression, words):
    assert schedule_text([CronTrigger(expression=expression)], ZONE) == f"{words}, {ZONE}"


def test_triggers_differing_only_in_time_of_day_are_one_sentence():
    triggers = [CronTrigger(expression="0 9 * * 1"), CronTrigger(expression="30 17 * * 1"),
                CronTrigger(expression="0 8 * * 5")]
    assert schedule_text(triggers, ZONE) == f"every Monday at 09:00 and 17:30; every Friday at 08:00, {ZONE}"


def test_rrules_read_back_with_their_bounds():
    every_other = RRuleTrigger(rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=17;BYMINUTE=0;BYSECOND=0",
                               start=datetime(2026, 6, 16, 17, 0))
    assert schedule_text([every_other], ZONE, now=NOW) == f"every other Tuesday at 17:00, {ZONE}"
    three = RRuleTrigger(rule="FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0;COUNT=3",
                         start=datetime(2026, 6, 26, 9, 0))
    assert schedule_text([three], ZONE, now=NOW) == f"on the last Friday of every month at 09:00, 3 times, {ZONE}"
    until = RRuleTrigger(rule="FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0;UNTIL=20260803T235959",
                         start=datetime(2026, 6, 11, 9, 0))
    assert schedule_text([until], ZONE, now=NOW) == f"every day at 09:00, until Mon 3 Aug 2026, {ZONE}"
    implied = RRuleTrigger(rule="FREQ=WEEKLY;INTERVAL=3", start=datetime(2026, 6, 15, 7, 30))
    assert schedule_text([implied], ZONE, now=NOW) == f"every 3 weeks on Monday at 07:30, {ZONE}"
    hourly = RRuleTrigger(rule="FREQ=HOURLY;INTERVAL=5", start=datetime(2026, 6, 15, 7, 30))
    assert schedule_text([hourly], ZONE) == f"rule 'FREQ=HOURLY;INTERVAL=5' from Mon 15 Jun 2026 at 07:30, {ZONE}"


def test_a_start_is_said_while_it_is_more_than_the_next_occurrence():
    later = RRuleTrigger(rule="FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0", start=datetime(2026, 8, 3, 9, 0))
    assert schedule_text([later], ZONE, now=NOW) == f"every day at 09:00, starting Mon 3 Aug 2026, {ZONE}"
    assert schedule_text([later], ZONE, now=datetime(2026, 9, 1, tzinfo=UTC)) == f"every day at 09:00, {ZONE}"
    assert "starting" in schedule_text([later], ZONE)  # without "now" nothing is left out


def test_intervals_once_and_no_schedule():
    assert schedule_text([IntervalTrigger(every=timedelta(minutes=15), anchor_at=NOW)], ZONE, now=NOW) == \
        f"every 15 minutes, {ZONE}"
    ahead = IntervalTrigger(every=timedelta(hours=2), anchor_at=NOW + timedelta(days=1))
    assert schedule_text([ahead], ZONE, now=NOW) == f"every 2 hours from Thu 11 Jun 2026 at 12:00, {ZONE}"
    once = OnceTrigger(at=datetime(2026, 6, 11, 13, 0, tzinfo=UTC))
    assert schedule_text([once], ZONE) == f"once on Thu 11 Jun 2026 at 15:00, {ZONE}"
    twice = [once, OnceTrigger(at=datetime(2026, 6, 11, 15, 0, tzinfo=UTC))]
    assert schedule_text(twice, ZONE) == f"on Thu 11 Jun 2026 at 15:00 and 17:00, {ZONE}"
    assert schedule_text([], ZONE) == NO_SCHEDULE


def test_reactive_triggers_need_no_zone():
    assert schedule_text([EventTrigger(event="deploy.finished")], ZONE) == "on event 'deploy.finished'"
    assert trigger_text(EventTrigger(event="task.failed:12"), ZONE) == "when task #12 fails"
    assert trigger_text(EventTrigger(event="task.completed"), ZONE) == "when any task completes"
    assert trigger_text(EventTrigger(event="deploy", debounce=timedelta(minutes=5)), ZONE) == \
        "on event 'deploy', at most once per 5 minutes"
    assert trigger_text(FileTrigger(path="/data", glob="*.csv", on=["create"]), ZONE) == \
        "when a file matching '*.csv' is created in /data"
    assert trigger_text(PgNotifyTrigger(channel="new_tickets"), ZONE) == "on PostgreSQL NOTIFY 'new_tickets'"
    check = ConditionTrigger(check={"kind": "http", "url": "https://example.com"}, every=timedelta(minutes=5))
    assert trigger_text(check, ZONE) == "when its http check turns true (every 5 minutes)"
    both = [CronTrigger(expression="0 9 * * 1"), EventTrigger(event="deploy")]
    assert schedule_text(both, ZONE) == f"every Monday at 09:00, {ZONE}; on event 'deploy'"


def test_trigger_source_is_the_text_as_written():
    assert trigger_source(CronTrigger(expression="0 9 * * 1")) == "cron 0 9 * * 1"
    rule = RRuleTrigger(rule="FREQ=WEEKLY;BYDAY=TU", start=datetime(2026, 6, 16, 17, 0))
    assert trigger_source(rule) == "RRULE FREQ=WEEKLY;BYDAY=TU from 2026-06-16 17:00:00"
    assert trigger_source(EventTrigger(event="deploy")) is None


# --- the same words as the parser ----------------------------------------------------------------

def _variant_table() -> tuple[list[tuple[str, str, list[str]]], datetime]:
    """The parser's table of phrasings (tests/scheduler/phrases), loaded by path: one corpus."""
    path = Path(__file__).resolve().parents[1] / "phrases" / "test_phrases_variants.py"
    spec = importlib.util.spec_from_file_location("phrase_variants_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TABLE, module.NOW


# Where the parser knew more than the triggers keep (the words the person used), the stored task
# reads differently but still true.
READ_BACK_DIFFERENTLY = {
    "starting tomorrow on weekends": f"every Saturday and Sunday at 09:00, {ZONE}",  # the start is the next one
    "every 4th of the month starting next tuesday": f"on the 4th of every month at 09:00, {ZONE}",
    "every day except tomorrow": f"every day at 09:00, starting Fri 12 Jun 2026, {ZONE}",
    "every other Tues 7am starting 1 Nov": f"every other Tuesday at 07:00, starting Tue 3 Nov 2026, {ZONE}",
    "every 12 hours starting at 07:00 PM": f"every 12 hours, {ZONE}",  # the first fire is the next one
    "every 2 hours twice": f"on Wed 10 Jun 2026 at 12:00 and 14:00, {ZONE}",
    "every 20 minutes until 11am": f"on Wed 10 Jun 2026 at 10:20, 10:40 and 11:00, {ZONE}",
}


def _parsed_rows():
    table, now = _variant_table()
    for phrase, kind, _ in table:
        if kind == "invalid":
            continue
        try:
            yield phrase, now, parse_schedule(phrase, zone=ZONE, now=now)
        except InvalidRequest:  # a row refused for its own reasons (the parser's tests say which)
            continue


def test_a_stored_task_reads_as_the_parser_said_it_when_it_was_made():
    rows = list(_parsed_rows())
    assert len(rows) > 200
    for phrase, now, schedule in rows:
        said = schedule_text(schedule.triggers, ZONE, now=now)
        if schedule.lang != "en":  # the parser answers in the phrase's language: the same words, translated
            lang = languages.get(schedule.lang)
            assert lang is not None
            said = translate(said, lang)
        assert said == READ_BACK_DIFFERENTLY.get(phrase, schedule.description), phrase

"""The engine follows a task's DST policy: driven by the fake clock across Berlin's fall-back
night (25 Oct 2026, 03:00 -> 02:00) and New York's spring-forward (8 Mar 2026), the stored
task's policy decides which runs are recorded. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.models import RunStatus


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def _fires(make_engine, add_task, clock, store, *, zone, trigger, start, hours):
    clock.set(start)
    task = add_task(timezone=zone, triggers=[trigger], misfire_grace=0)
    engine = make_engine()
    await engine.start()
    for _ in range(hours * 4):
        clock.advance(timedelta(minutes=15))
        await engine.run_until_idle()
    runs = store.list_runs(limit=1000)
    return task, sorted(r.scheduled_for for r in runs if r.status == RunStatus.COMPLETED)


async def test_engine_runs_both_repeated_times_when_the_task_says_both(make_engine, add_task, clock, store):
    trigger = {"kind": "cron", "expression": "30 2 * * *", "dst": {"repeated": "both"}}
    task, fires = await _fires(make_engine, add_task, clock, store, zone="Europe/Berlin",
                               trigger=trigger, start=_utc(2026, 10, 24, 12), hours=40)
    assert task.triggers[0].dst is not None and task.triggers[0].dst.repeated == "both"
    assert fires == [_utc(2026, 10, 25, 0, 30), _utc(2026, 10, 25, 1, 30), _utc(2026, 10, 26, 1, 30)]


async def test_engine_runs_only_the_second_repeated_time_when_the_task_says_last(make_engine, add_task, clock, store):
    trigger = {"kind": "rrule", "rule": "FREQ=DAILY;BYHOUR=2;BYMINUTE=30;BYSECOND=0",
               "start": "2026-10-01T02:30:00", "dst": {"repeated": "last"}}
    _, fires = await _fires(make_engine, add_task, clock, store, zone="Europe/Berlin",
                            trigger=trigger, start=_utc(2026, 10, 24, 12), hours=40)
    assert fires == [_utc(2026, 10, 25, 1, 30), _utc(2026, 10, 26, 1, 30)]


async def test_engine_skips_a_skipped_time_when_the_task_says_skip(make_engine, add_task, clock, store):
    trigger = {"kind": "cron", "expression": "30 2 * * *", "dst": {"skipped": "skip"}}
    _, fires = await _fires(make_engine, add_task, clock, store, zone="America/New_York",
                            trigger=trigger, start=_utc(2026, 3, 7, 12), hours=48)
    assert fires == [_utc(2026, 3, 9, 6, 30)]  # 8 Mar 02:30 never happens: no run that day

"""The engine fires on time, records every fire once, follows misfire policies after an outage,
and keeps DST rules when driven by the fake clock. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.models import RunReason, RunStatus


async def test_engine_fires_each_scheduled_time_once(make_engine, add_task, clock, store):
    task = add_task()
    engine = make_engine()
    await engine.start()
    for _ in range(3):
        clock.advance(timedelta(minutes=10))
        await engine.run_until_idle()
        await engine.run_until_idle()  # a second pass at the same instant creates nothing
    runs = store.list_runs(task_id=task.task_id)
    assert [r.scheduled_for for r in reversed(runs)] == [
        datetime(2026, 1, 5, 9, m, tzinfo=UTC) for m in (10, 20, 30)
    ]
    assert all(r.status == RunStatus.COMPLETED and r.reason == RunReason.SCHEDULE for r in runs)
    history = store.run_history(runs[0].run_id)
    assert [e.status for e in history] == [RunStatus.RUNNING, RunStatus.COMPLETED]  # claimed as recorded


async def test_engine_late_fire_within_grace_counts_as_on_time(make_engine, add_task, clock, store):
    add_task(misfire_grace=60)
    engine = make_engine()
    await engine.start()
    clock.advance(timedelta(minutes=10, seconds=45))
    await engine.run_until_idle()
    (run,) = store.list_runs()
    assert run.reason == RunReason.SCHEDULE and run.status == RunStatus.COMPLETED


async def _outage(make_engine, clock, hours: float, store):
    first = make_engine()
    await first.start()
    clock.advance(timedelta(minutes=10))
    await first.run_until_idle()
    await first.shutdown(grace=timedelta(0))
    clock.advance(timedelta(hours=hours, minutes=5))  # down for the outage, restarted 5 min past a fire
    second = make_engine()
    await second.start()
    await second.run_until_idle()
    return [r for r in store.list_runs(limit=1000) if r.scheduled_for != datetime(2026, 1, 5, 9, 10, tzinfo=UTC)]


async def test_misfire_skip_records_one_skipped_run(make_engine, add_task, clock, store):
    add_task(misfire_policy="skip")
    runs = await _outage(make_engine, clock, 6, store)
    assert len(runs) == 1
    assert runs[0].status == RunStatus.SKIPPED
    assert runs[0].error.startswith("missed while offline: 36 fires")


async def test_misfire_run_once_makes_one_catch_up_run(make_engine, add_task, clock, store):
    add_task(misfire_policy="run_once")
    runs = await _outage(make_engine, clock, 6, store)
    assert [(r.reason, r.status) for r in runs] == [(RunReason.CATCH_UP, RunStatus.COMPLETED)]
    assert runs[0].scheduled_for == datetime(2026, 1, 5, 15, 10, tzinfo=UTC)


async def test_misfire_run_all_runs_each_missed_fire(make_engine, add_task, clock, store):
    add_task(misfire_policy="run_all")
    runs = await _outage(make_engine, clock, 6, store)
    assert len(runs) == 36
    assert {(r.reason, r.status) for r in runs} == {(RunReason.CATCH_UP, RunStatus.COMPLETED)}


async def test_misfire_run_all_caps_at_100_and_summarises_the_rest(make_engine, add_task, clock, store):
    add_task(misfire_policy="run_all")
    runs = await _outage(make_engine, clock, 24, store)
    catch_up = [r for r in runs if r.reason == RunReason.CATCH_UP]
    skipped = [r for r in runs if r.status == RunStatus.SKIPPED]
    assert len(catch_up) == 100 and len(skipped) == 1
    assert "44 fires beyond the 100" in skipped[0].error


async def test_next_fire_after_outage_is_on_schedule(make_engine, add_task, clock, store):
    add_task(misfire_policy="skip")
    await _outage(make_engine, clock, 6, store)
    engine = make_engine()
    await engine.start()
    clock.set(datetime(2026, 1, 5, 15, 20, tzinfo=UTC))
    await engine.run_until_idle()
    latest = store.list_runs(limit=1)[0]
    assert latest.scheduled_for == datetime(2026, 1, 5, 15, 20, tzinfo=UTC)
    assert latest.status == RunStatus.COMPLETED


async def _fires_across(make_engine, add_task, clock, store, *, zone, expression, start, hours):
    clock.set(start)
    add_task(timezone=zone, triggers=[{"kind": "cron", "expression": expression}], misfire_grace=0)
    engine = make_engine()
    await engine.start()
    for _ in range(hours * 4):
        clock.advance(timedelta(minutes=15))
        await engine.run_until_idle()
    return sorted(r.scheduled_for for r in store.list_runs(limit=1000) if r.status == RunStatus.COMPLETED)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def test_dst_berlin_spring_daily_at_skipped_time_fires_once_at_three(make_engine, add_task, clock, store):
    fires = await _fires_across(make_engine, add_task, clock, store, zone="Europe/Berlin",
                                expression="30 2 * * *", start=_utc(2026, 3, 27, 12), hours=72)
    assert fires == [_utc(2026, 3, 28, 1, 30), _utc(2026, 3, 29, 1, 0), _utc(2026, 3, 30, 0, 30)]


async def test_dst_berlin_fall_daily_at_repeated_time_fires_once_first(make_engine, add_task, clock, store):
    fires = await _fires_across(make_engine, add_task, clock, store, zone="Europe/Berlin",
                                expression="30 2 * * *", start=_utc(2026, 10, 24, 12), hours=72)
    assert fires == [_utc(2026, 10, 25, 0, 30), _utc(2026, 10, 26, 1, 30), _utc(2026, 10, 27, 1, 30)]


async def test_dst_berlin_fall_hourly_fires_every_real_hour(make_engine, add_task, clock, store):
    fires = await _fires_across(make_engine, add_task, clock, store, zone="Europe/Berlin",
                                expression="30 * * * *", start=_utc(2026, 10, 24, 22, 0), hours=5)
    assert fires == [_utc(2026, 10, 24, 22, 30), _utc(2026, 10, 24, 23, 30), _utc(2026, 10, 25, 0, 30),
                     _utc(2026, 10, 25, 1, 30), _utc(2026, 10, 25, 2, 30)]


async def test_dst_new_york_fall_daily_fires_once(make_engine, add_task, clock, store):
    fires = await _fires_across(make_engine, add_task, clock, store, zone="America/New_York",
                                expression="30 1 * * *", start=_utc(2026, 10, 31, 12), hours=48)
    assert fires == [_utc(2026, 11, 1, 5, 30), _utc(2026, 11, 2, 6, 30)]


async def test_dst_new_york_fall_hourly_fires_every_real_hour(make_engine, add_task, clock, store):
    fires = await _fires_across(make_engine, add_task, clock, store, zone="America/New_York",
                                expression="0 * * * *", start=_utc(2026, 11, 1, 3, 30), hours=4)
    assert fires == [_utc(2026, 11, 1, 4), _utc(2026, 11, 1, 5), _utc(2026, 11, 1, 6), _utc(2026, 11, 1, 7)]


async def test_dst_new_york_spring_daily_at_skipped_time(make_engine, add_task, clock, store):
    fires = await _fires_across(make_engine, add_task, clock, store, zone="America/New_York",
                                expression="30 2 * * *", start=_utc(2026, 3, 7, 12), hours=48)
    assert fires == [_utc(2026, 3, 8, 7, 0), _utc(2026, 3, 9, 6, 30)]


async def test_a_reminder_missed_while_offline_arrives_late_with_a_note(make_engine, add_task, clock, store, notifier):
    task = add_task(name="stand-up", timezone="Europe/Berlin", action={"kind": "reminder", "message": "stand-up"},
                    triggers=[{"kind": "cron", "expression": "0 11 * * *"}])
    assert task.misfire_policy.value == "run_once"  # the reminders' default
    clock.advance(timedelta(hours=3))  # nothing ran at 11:00 Berlin (10:00 UTC)
    engine = make_engine()
    await engine.start()
    await engine.run_until_idle()
    [run] = store.list_runs()
    assert (run.reason, run.status) == (RunReason.CATCH_UP, RunStatus.COMPLETED)
    [notice] = notifier.sent
    assert notice.text == "stand-up (missed at 11:00 while offline)"
    assert run.result["summary"] == "delivered late (missed at 11:00 while offline)"


async def test_a_reminder_can_keep_skipping_missed_fires_and_other_actions_skip_by_default(
    make_engine, add_task, clock, store, notifier
):
    quiet = add_task(name="quiet", action={"kind": "reminder", "message": "hush"}, misfire_policy="skip")
    job = add_task(name="job")
    assert quiet.misfire_policy.value == "skip" and job.misfire_policy.value == "skip"
    clock.advance(timedelta(hours=1, minutes=5))
    engine = make_engine()
    await engine.start()
    await engine.run_until_idle()
    assert {r.status for r in store.list_runs()} == {RunStatus.SKIPPED}
    assert notifier.sent == []

"""Fires recorded ahead of time: the row is committed before the fire is due and the action
starts on a timer at its time; what changes in between (a pause, an overlap, a shutdown) still
decides what happens to it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fakes.actions import ScriptedRunner, install

from scheduler.models import RunStatus
from scheduler.service import Actor, Role

OWNER = Actor("alice", Role.MEMBER)
AHEAD = timedelta(seconds=30)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_fire_is_recorded_ahead_and_starts_at_its_time(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner())
    add_task()  # every 10 minutes: next fire 09:10
    engine = make_engine(record_ahead=AHEAD)
    await engine.start()
    fire = clock.now() + timedelta(minutes=10)
    clock.set(fire - timedelta(seconds=15))
    await engine.tick()
    await _settle()
    (run,) = store.list_runs()
    assert (run.status, run.scheduled_for, run.started_at) == (RunStatus.RUNNING, fire, fire)
    assert runner.calls == []  # durable, but not started early
    assert engine.next_fire_at(run.task_id) == fire

    clock.set(fire + timedelta(seconds=2))  # the loop was late: the row keeps the real start
    await _settle()
    assert runner.calls == [run.run_id]
    await engine.run_until_idle()
    run = store.get_run(run.run_id)
    assert (run.status, run.started_at) == (RunStatus.COMPLETED, fire + timedelta(seconds=2))


async def test_unset_the_horizon_is_the_databases(make_engine, add_task, clock, store):
    """A PostgreSQL commit can take a few hundred ms (another process's fsync, the network):
    fires are recorded 500 ms ahead there, 100 ms on SQLite."""
    add_task()
    engine = make_engine()
    await engine.start()
    fire = clock.now() + timedelta(minutes=10)
    clock.set(fire - timedelta(milliseconds=300))
    await engine.tick()
    await _settle()
    if store.url.startswith("postgres"):
        (run,) = store.list_runs()
        assert (run.status, run.started_at) == (RunStatus.RUNNING, fire)
    else:
        assert store.list_runs() == []
        clock.set(fire - timedelta(milliseconds=80))
        await engine.tick()
        assert [r.started_at for r in store.list_runs()] == [fire]


async def test_fires_further_away_than_the_window_wait(make_engine, add_task, clock, store):
    add_task()
    engine = make_engine(record_ahead=AHEAD)
    await engine.start()
    clock.set(clock.now() + timedelta(minutes=9))  # 60 s before the fire
    await engine.run_until_idle()
    assert store.list_runs() == []


async def test_a_fire_recorded_ahead_of_a_paused_task_is_cancelled(make_engine, add_task, service, clock, store):
    task = add_task()
    engine = make_engine(record_ahead=AHEAD)
    await engine.start()
    fire = clock.now() + timedelta(minutes=10)
    clock.set(fire - timedelta(seconds=15))
    await engine.tick()
    service.pause_task(task.name, actor=OWNER)
    engine.wake()
    await engine.tick()  # the engine learns of the pause
    clock.set(fire)
    await _settle()
    await engine.run_until_idle()
    (run,) = store.list_runs()
    assert run.status == RunStatus.CANCELLED
    assert "paused or deleted before this fire was due" in run.error


async def test_overlap_is_decided_when_the_fire_is_due(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(["block"]))
    add_task(triggers=[{"kind": "interval", "every": 10}], overlap="skip")
    engine = make_engine(record_ahead=AHEAD)
    await engine.start()
    first = engine.next_fire_at(store.list_tasks()[0].task_id)
    assert first is not None
    clock.set(first - timedelta(seconds=1))
    await engine.tick()  # of the three fires of the next 30 s only the first is recorded: the
    # database holds the others back (its run would be running beside them), to be decided when due
    assert [r.status for r in store.list_runs()] == [RunStatus.RUNNING]
    assert runner.calls == []  # nothing runs yet
    clock.set(first)
    await _settle()
    clock.set(first + timedelta(seconds=10))  # the first (blocked) still runs: the second skips
    await engine.tick()
    await _settle()
    runner.release.set()
    await _settle()
    clock.set(first + timedelta(seconds=20))  # the first ended: the third runs
    await _settle()
    await engine.run_until_idle()
    statuses = [r.status for r in reversed(store.list_runs()) if r.scheduled_for <= first + timedelta(seconds=20)]
    assert statuses == [RunStatus.COMPLETED, RunStatus.SKIPPED, RunStatus.COMPLETED]
    skipped = store.list_runs(statuses=[RunStatus.SKIPPED])
    assert "overlap" in skipped[0].error
    assert runner.max_running == 1


async def test_queue_policy_tasks_are_not_recorded_ahead(make_engine, add_task, clock, store):
    add_task(overlap="queue")
    engine = make_engine(record_ahead=AHEAD)
    await engine.start()
    clock.set(clock.now() + timedelta(minutes=10) - timedelta(seconds=15))
    await engine.tick()
    assert store.list_runs() == []


async def test_shutdown_ends_fires_recorded_ahead_as_missed(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner())
    add_task()
    engine = make_engine(record_ahead=AHEAD)
    await engine.start()
    clock.set(clock.now() + timedelta(minutes=10) - timedelta(seconds=15))
    await engine.tick()
    await engine.shutdown(grace=timedelta(seconds=1))
    (run,) = store.list_runs()
    assert run.status == RunStatus.SKIPPED
    assert "shut down before this fire was due" in run.error
    assert runner.calls == []

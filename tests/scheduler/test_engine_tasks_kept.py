"""What the engine keeps of its tasks: a schedule for every task, the whole task for a bounded
number (the rest read when they run). Runs must not notice the difference."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fakes.actions import ScriptedRunner, install

from scheduler.models import RunStatus
from scheduler.schedule import schedule_from_row, schedule_of
from scheduler.service import Actor, Role
from scheduler.store.tables import tasks

OWNER = Actor("alice", Role.MEMBER)


async def test_runs_read_tasks_the_engine_did_not_keep(make_engine, add_task, service, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(["fail", "ok"]))
    names = []

    async def named(action, ctx):
        names.append(ctx.task_name)
        return await runner(action, ctx)

    install(monkeypatch, named)
    add_task(name="kept-nowhere", retry={"max_attempts": 2, "delay": 1})
    engine = make_engine(task_cache=0)
    await engine.start()
    assert engine._tasks == {}  # what is kept is the point of this test
    clock.advance(timedelta(minutes=10))
    await engine.run_until_idle()  # the fire fails
    clock.advance(timedelta(seconds=1))
    await engine.run_until_idle()  # its retry (a claimed pending run) succeeds
    service.run_now("kept-nowhere", actor=OWNER)  # a manual run
    engine.wake()
    await engine.run_until_idle()
    statuses = sorted(r.status.value for r in store.list_runs())
    assert statuses == ["completed", "completed", "retrying"]
    assert names == ["kept-nowhere"] * 3


async def test_a_big_schedule_loads_without_whole_tasks(make_engine, add_task, clock, store):
    for i in range(3):
        add_task(name=f"t{i}")
    engine = make_engine(task_cache=2)
    await engine.start()
    assert len(engine.task_ids()) == 3 and len(engine._tasks) == 0
    clock.advance(timedelta(minutes=10))
    await engine.run_until_idle()
    assert [r.status for r in store.list_runs()] == [RunStatus.COMPLETED] * 3
    assert len(engine._tasks) == 2  # read with their fires, at most the cache's size


async def test_tasks_firing_in_turn_are_read_once_when_the_cache_holds_them(make_engine, add_task, clock, store, monkeypatch):
    """A start loads whole tasks only up to ``preload_tasks`` (a restart stays quick), but the
    cache itself may hold more: tasks that fire in turn are read at their first run only. (An LRU
    as small as the preload would miss on every run once tasks outnumber it: each read costs
    about twice a whole run.)"""
    for i in range(5):
        add_task(name=f"t{i}", triggers=[{"kind": "interval", "every": 60}])
    reads: list[int] = []  # tasks read whole: with the commit that records their fire
    commit_tick = store.commit_tick

    def counted(*args, load=(), **kwargs):
        reads.extend(load)
        return commit_tick(*args, load=load, **kwargs)

    monkeypatch.setattr(store, "commit_tick", counted)
    engine = make_engine(task_cache=5, preload_tasks=2)
    await engine.start()
    assert len(engine._tasks) == 0  # 5 tasks > 2: schedules only at start
    for _ in range(3):
        clock.advance(timedelta(seconds=60))
        await engine.run_until_idle()
    assert [r.status for r in store.list_runs()].count(RunStatus.COMPLETED) == 15
    assert len(engine._tasks) == 5
    assert sorted(reads) == [t.task_id for t in store.list_tasks()]  # each once, at its first fire


async def test_an_edited_task_runs_as_edited(make_engine, add_task, service, clock, monkeypatch):
    seen = []

    async def record(action, ctx):
        seen.append((ctx.task_name, ctx.timeout))
        from scheduler.actions.base import ActionResult

        return ActionResult(ok=True)

    install(monkeypatch, record)
    add_task(name="before", timeout=60)
    engine = make_engine()
    await engine.start()
    assert len(engine._tasks) == 1  # small schedules are kept whole
    service.update_task("before", {"name": "after", "timeout": 120}, actor=OWNER)
    engine.wake()
    clock.advance(timedelta(minutes=10))
    await engine.run_until_idle()
    assert seen == [("after", timedelta(seconds=120))]


@pytest.mark.parametrize("fields", [
    {"triggers": [{"kind": "cron", "expression": "30 2 * * *"}], "timezone": "Europe/Berlin",
     "misfire_policy": "run_all", "misfire_grace": 300, "overlap": "queue"},
    {"triggers": [{"kind": "interval", "every": 90}], "retry": {"max_attempts": 4, "delay": 2, "backoff": 3}},
    {"triggers": [{"kind": "file", "path": "/tmp/inbox"}, {"kind": "cron", "expression": "0 * * * *"}],
     "overlap": "allow", "enabled": False},
])
def test_a_schedule_read_from_the_row_matches_the_task(add_task, store, fields):
    task = add_task(**fields)
    with store.engine.connect() as conn:
        row = conn.execute(tasks.select().where(tasks.c.task_id == task.task_id)).one()
    assert schedule_from_row(row) == schedule_of(task)
    assert schedule_from_row(row).reactive == any(t.kind == "file" for t in task.triggers)


def test_a_workflow_heads_parallelism_is_kept(service, store):
    service.create_workflow("report", [
        {"name": "gather", "action": {"kind": "noop"}},
        {"name": "send", "action": {"kind": "noop"}, "after": ["gather"]},
    ], actor=OWNER, max_parallel=3)
    head = service.get_task("report")
    with store.engine.connect() as conn:
        row = conn.execute(tasks.select().where(tasks.c.task_id == head.task_id)).one()
    assert schedule_from_row(row).max_parallel == 3 == schedule_of(head).max_parallel

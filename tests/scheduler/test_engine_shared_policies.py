"""Overlap policies hold across engines (issue 13): several engines on one PostgreSQL database or
one SQLite file, each knowing only its own runs, still run a task as its policy says, because
the transaction that records a fire or claims a pending run decides (store/overlap.py).

The first tests step two engines on a fake clock so each case is exact; the last one lets
several engines fire slow runs on the real clock and checks the run rows' intervals."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes.actions import ScriptedRunner, install

from scheduler.actions.base import ActionConfig, ActionContext, ActionResult
from scheduler.clock import SystemClock
from scheduler.engine import Engine, EngineOptions
from scheduler.models import NoopAction, OverlapPolicy, Run, RunStatus, TaskSpec
from scheduler.store import Store
from scheduler.store.tables import workers
from scheduler.triggers.interval import IntervalTrigger

# Engines here don't heartbeat while the fake clock jumps 10 minutes: leases outlast the test.
LONG = timedelta(hours=2)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def _fire(engine: Engine, clock, minutes: int = 10) -> None:
    clock.advance(timedelta(minutes=minutes))
    await engine.tick()
    await _settle()


def _oldest_first(store: Store) -> list[Run]:
    return sorted(store.list_runs(limit=1000), key=lambda r: r.run_id)


async def test_skip_holds_across_engines(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(default="block"))
    add_task(overlap="skip")
    a, b = make_engine(lease_ttl=LONG), make_engine(lease_ttl=LONG)
    await a.start()
    await b.start()
    await _fire(a, clock)  # a runs the first fire
    await _fire(b, clock)  # b knows nothing of it: the database says the task is busy
    first, second = _oldest_first(store)
    assert (first.status, second.status) == (RunStatus.RUNNING, RunStatus.SKIPPED)
    assert second.error == f"skipped: overlap (run {first.run_id} of this task was still running on {a.worker_id})"
    assert runner.max_running == 1
    runner.release.set()
    await asyncio.gather(a.run_until_idle(), b.run_until_idle())
    await _fire(b, clock)  # free again: b runs the next one
    await asyncio.gather(a.run_until_idle(), b.run_until_idle())
    assert [r.status for r in _oldest_first(store)] == [RunStatus.COMPLETED, RunStatus.SKIPPED, RunStatus.COMPLETED]


async def test_queue_holds_across_engines_one_waits_and_runs_after(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(default="block"))
    add_task(overlap="queue")
    a, b = make_engine(lease_ttl=LONG), make_engine(lease_ttl=LONG)
    await a.start()
    await b.start()
    await _fire(a, clock)
    await _fire(b, clock)  # waits behind a's run
    await _fire(b, clock)  # one waits already
    await a.tick()
    assert [r.status for r in _oldest_first(store)] == [RunStatus.RUNNING, RunStatus.PENDING, RunStatus.SKIPPED]
    assert _oldest_first(store)[2].error == "skipped: overlap (one run is already queued)"
    assert runner.max_running == 1  # b's claims saw the task busy on a
    runner.release.set()
    for _ in range(3):
        await asyncio.gather(a.run_until_idle(), b.run_until_idle())
        b.wake()
        a.wake()
    first, queued, skipped = _oldest_first(store)
    assert (first.status, queued.status, skipped.status) == (RunStatus.COMPLETED, RunStatus.COMPLETED, RunStatus.SKIPPED)
    assert first.finished_at <= queued.started_at  # one after the other
    assert runner.max_running == 1


async def test_a_new_fire_never_starts_ahead_of_a_queued_run(make_engine, add_task, clock, store, monkeypatch):
    install(monkeypatch, ScriptedRunner(default="block"))
    task = add_task(overlap="queue")
    a = make_engine(lease_ttl=LONG)
    await a.start()
    await _fire(a, clock)
    await _fire(a, clock)  # queued behind the first
    # The first ends in the database (another engine, say) while the queued one is not claimed yet.
    first, _queued = _oldest_first(store)
    with store.engine.begin() as conn:
        from scheduler.store.tables import runs

        conn.execute(runs.update().where(runs.c.run_id == first.run_id)
                     .values(status="completed", finished_at=clock.now(), lease_owner=None))
    b = make_engine(lease_ttl=LONG)
    await b.start()
    clock.advance(timedelta(minutes=10))
    await b.tick()  # records its fire first, then claims what is pending
    third = _oldest_first(store)[2]
    assert (third.task_id, third.status, third.error) == (
        task.task_id, RunStatus.SKIPPED, "skipped: overlap (one run is already queued)")


async def test_allow_cap_counts_every_engines_runs(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(default="block"))
    add_task(overlap="allow")
    a, b = make_engine(allow_overlap_cap=2, lease_ttl=LONG), make_engine(allow_overlap_cap=2, lease_ttl=LONG)
    await a.start()
    await b.start()
    await _fire(a, clock)
    await _fire(b, clock)  # a second at once: within the cap
    await _fire(a, clock)  # a knows one of its own; the database knows two
    assert [r.status for r in _oldest_first(store)] == [RunStatus.RUNNING, RunStatus.RUNNING, RunStatus.SKIPPED]
    assert _oldest_first(store)[2].error == "skipped: overlap (2 runs already running, the cap is 2)"
    assert runner.max_running == 2
    runner.release.set()
    await asyncio.gather(a.run_until_idle(), b.run_until_idle())


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_a_dead_engines_run_does_not_turn_the_next_fire_into_an_overlap(
    make_engine, add_task, clock, store, monkeypatch
):
    runner = install(monkeypatch, ScriptedRunner(["block"]))
    add_task(overlap="skip")
    crashed = make_engine()
    await crashed.start()
    await _fire(crashed, clock)
    with store.engine.begin() as conn:  # its process is gone (kill -9): its run still says running
        conn.execute(workers.update().where(workers.c.worker_id == crashed.worker_id).values(pid=_dead_pid()))
    restarted = make_engine()
    await restarted.start()  # ends the dead engine's run before it fires anything
    await _fire(restarted, clock)
    await restarted.run_until_idle()
    lost, fire = _oldest_first(store)
    assert lost.status == RunStatus.FAILED and lost.error.startswith("worker lost")
    assert fire.status == RunStatus.COMPLETED
    runner.release.set()


async def test_a_run_held_by_an_engine_elsewhere_blocks_only_until_its_lease_ends(
    make_engine, add_task, clock, store, monkeypatch
):
    install(monkeypatch, ScriptedRunner(["block"]))
    add_task(overlap="skip", triggers=[{"kind": "interval", "every": 20}])
    away = make_engine(lease_ttl=timedelta(seconds=30))
    await away.start()
    clock.advance(timedelta(seconds=20))
    await away.tick()
    await _settle()
    with store.engine.begin() as conn:  # another machine: nothing proves it gone
        conn.execute(workers.update().where(workers.c.worker_id == away.worker_id)
                     .values(pid=_dead_pid(), hostname="another-host"))
    here = make_engine(lease_ttl=timedelta(seconds=30))
    await here.start()
    clock.advance(timedelta(seconds=20))
    await here.run_until_idle()  # its lease still runs: the fire is an overlap, said so
    assert [r.status for r in _oldest_first(store)] == [RunStatus.RUNNING, RunStatus.SKIPPED]
    assert away.worker_id in (_oldest_first(store)[1].error or "")
    clock.advance(timedelta(seconds=20))  # the lease has ended: recovered, and the task runs again
    here.wake()
    await here.run_until_idle()
    statuses = [r.status for r in _oldest_first(store)]
    assert statuses[0] == RunStatus.FAILED and statuses[-1] == RunStatus.COMPLETED


# --- several engines on the real clock ------------------------------------------------------


class _Slow:
    """An action that takes ``seconds`` (real time) and records each run's start and end."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    async def __call__(self, action: object, ctx: ActionContext) -> ActionResult:
        await asyncio.sleep(self.seconds.get(ctx.task_name, 0.05))
        return ActionResult(ok=True)


def _most_at_once(runs: list[Run]) -> int:
    """The most of ``runs`` whose [started_at, finished_at] intervals overlap at one instant."""
    edges = sorted([(r.started_at, 1) for r in runs] + [(r.finished_at, -1) for r in runs],
                   key=lambda e: (e[0], e[1]))  # an end before a start at the same instant
    return max(itertools.accumulate(step for _at, step in edges), default=0)


async def _run_engines(url: str, tmp_path: Path, count: int, seconds: float, *, cap: int = 2) -> list[Engine]:
    engines, stops, loops = [], [], []
    for i in range(count):
        engine = Engine(Store(url), config=ActionConfig(data_dir=tmp_path / f"data{i}"), clock=SystemClock(),
                        options=EngineOptions(allow_overlap_cap=cap, poll_interval=timedelta(milliseconds=300)))
        stop = asyncio.Event()
        engines.append(engine)
        stops.append(stop)
        loops.append(asyncio.ensure_future(engine.run_forever(stop)))
    await asyncio.sleep(seconds)
    for stop in stops:
        stop.set()
    await asyncio.gather(*loops)
    await asyncio.gather(*(e.shutdown(grace=timedelta(seconds=10)) for e in engines))
    for engine in engines:
        engine.store.close()
    return engines


@pytest.mark.slow
async def test_several_engines_keep_every_policy_on_the_real_clock(store_url, tmp_path, monkeypatch):
    """3 engines on PostgreSQL, 2 on one SQLite file; runs longer than the interval; then all
    restart. Skip: never two at once; queue: one after another, in fire order; allow: at most
    the cap; every fire recorded once; the restart books no overlap that wasn't one."""
    slow = install(monkeypatch, _Slow())
    store = Store(store_url)
    now = datetime.now(UTC)
    every = IntervalTrigger(every=timedelta(seconds=1), anchor_at=now)
    specs = [
        TaskSpec(name="skip", action=NoopAction(), triggers=[every], overlap=OverlapPolicy.SKIP),
        TaskSpec(name="queue", action=NoopAction(), triggers=[every], overlap=OverlapPolicy.QUEUE),
        TaskSpec(name="allow", action=NoopAction(), triggers=[every], overlap=OverlapPolicy.ALLOW),
        TaskSpec(name="quick", action=NoopAction(), triggers=[every], overlap=OverlapPolicy.SKIP),
    ]
    store.add_tasks(specs, owner="alice", actor="alice", now=now)
    slow.seconds = {"skip": 1.5, "queue": 1.5, "allow": 2.5, "quick": 0.05}
    count = 2 if store_url.startswith("sqlite") else 3
    try:
        await _run_engines(store_url, tmp_path, count, 6.0)
        restart = datetime.now(UTC)
        slow.seconds["skip"] = 0.05  # after the restart nothing overlaps any more: no skip is right
        await _run_engines(store_url, tmp_path, count, 4.0)
        ids = {t.name: t.task_id for t in store.list_tasks()}
        runs = store.list_runs(limit=5000)
        keys = [(r.task_id, r.scheduled_for) for r in runs if r.scheduled_for is not None]
        assert len(keys) == len(set(keys))  # each fire once

        def of(name: str, *statuses: RunStatus) -> list[Run]:
            return [r for r in runs if r.task_id == ids[name] and r.status in statuses]

        ran = RunStatus.COMPLETED, RunStatus.FAILED
        assert of("skip", RunStatus.RUNNING, RunStatus.PENDING) == []  # a queued run may wait for the next engine
        for name in ("skip", "queue", "quick"):
            assert of(name, RunStatus.RUNNING) == []
            assert _most_at_once(of(name, *ran)) == 1, name
        skipped = of("skip", RunStatus.SKIPPED)
        assert skipped and all((r.error or "").startswith(("skipped: overlap (", "missed")) for r in skipped)
        assert len(of("skip", *ran)) >= 2
        assert [r for r in of("skip", *ran) if r.scheduled_for and r.scheduled_for > restart]  # ran after the restart
        # Every fire booked as an overlap had a run of its task going when it was decided (none
        # of them is an artefact of a restart or of another engine's stale view).
        for skip in [r for r in runs if "overlap" in (r.error or "")]:
            blockers = [r for r in runs if r.task_id == skip.task_id and r.run_id != skip.run_id
                        and r.status in ran and r.created_at <= skip.created_at
                        and r.finished_at is not None and r.finished_at >= (skip.scheduled_for or skip.created_at)]
            assert blockers, (skip.task_name, skip.scheduled_for, skip.error)
        queued = sorted(of("queue", *ran), key=lambda r: r.started_at)
        assert len(queued) >= 2
        fire_order = [r.scheduled_for for r in queued if r.scheduled_for is not None]
        assert fire_order == sorted(fire_order)  # one after another, in fire order
        allowed = of("allow", *ran)
        assert 1 <= _most_at_once(allowed) <= 2
    finally:
        store.close()

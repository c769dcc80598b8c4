"""Overload sheds at the head: offered twice what it can do, the engine drops the fires that are
already late (each still a row: skipped, "missed: engine overloaded") so the ones it runs start
on time, instead of letting a backlog make every fire late.

Deterministic: a fake clock, and commits that cost fake time in proportion to what they write
(an engine with a known capacity), so "overloaded" is a fact of the test, not of the machine.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scheduler.actions.base import ActionConfig
from scheduler.clock import FakeClock
from scheduler.engine import Engine, EngineOptions
from scheduler.models import NoopAction, RunStatus, TaskSpec
from scheduler.store.records import OVERLOADED
from scheduler.store.tables import runs, tasks
from scheduler.triggers import IntervalTrigger

START_COST = 0.008  # fake seconds a commit spends per fire it starts
OUTCOME_COST = 0.002  # ... per outcome it records: a run costs 10 ms, capacity 100 runs/s
SHED_COST = 0.0005  # ... per fire it sheds (one row, nothing to run or finish): SQLite's compact row
# On PostgreSQL a shed row costs the server about half a run (the run row's indexes, its
# foreign-key check, its history row): writing one per shed fire alone would take the whole
# capacity at twice the load.
DEAR_SHED_COST = 0.005
TASKS = 200  # each every second: 200 fires/s offered, twice the capacity
WINDOW = 20  # seconds measured, after 5 s of warm-up


class PricedEngine(Engine):
    """An engine whose commits take fake time: what it can sustain is known."""

    shed_cost = SHED_COST

    async def _store(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        result = await super()._store(fn, *args, **kwargs)
        if getattr(fn, "__name__", "") == "commit_tick":
            outcomes, fires = args
            cost = OUTCOME_COST * len(outcomes)
            for fire in fires:
                cost += START_COST if fire.status is RunStatus.RUNNING else self.shed_cost
            self.clock.advance(cost)  # type: ignore[attr-defined]
        return result


async def _drive(engine: Engine, clock: FakeClock, until: datetime) -> None:
    """``run_forever`` on a fake clock: pass after pass, sleeping to the next deadline."""
    while clock.now() < until:
        await engine.tick()
        for _ in range(3):
            await asyncio.sleep(0)  # started runs end (no-op actions)
        if engine._done or engine._fires_waiting():
            continue
        deadline = engine._next_deadline()
        clock.set(max(clock.now(), min(deadline, until)))
        for _ in range(3):
            await asyncio.sleep(0)  # fires recorded ahead start on their timers


async def _overload(store: Any, tmp_path: Path, shed: timedelta | None, shed_cost: float = SHED_COST) -> dict[str, Any]:
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    base = clock.now()
    store.add_tasks(
        (TaskSpec(name=f"t{i}", action=NoopAction(),
                  triggers=[IntervalTrigger(every=timedelta(seconds=1), anchor_at=base + timedelta(seconds=i / TASKS))])
         for i in range(TASKS)),
        owner="alice", actor="alice", now=base,
    )
    late: list[float] = []
    t0 = base + timedelta(seconds=5)
    t1 = t0 + timedelta(seconds=WINDOW)

    def on_start(_run_id: int, scheduled_for: datetime | None) -> None:
        if scheduled_for is not None and t0 <= scheduled_for < t1:
            late.append((clock.now() - scheduled_for).total_seconds())

    engine = PricedEngine(store, config=ActionConfig(data_dir=tmp_path), clock=clock,
                          options=EngineOptions(shed_late_after=shed, shed_min_starts=10), on_run_start=on_start)
    engine.shed_cost = shed_cost
    await engine.start()
    try:
        await _drive(engine, clock, t1 + timedelta(seconds=5))
    finally:
        await engine.shutdown(grace=timedelta(seconds=1))
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(runs.c.status, runs.c.error, sa.func.count())
            .where(runs.c.scheduled_for >= t0, runs.c.scheduled_for < t1)
            .group_by(runs.c.status, runs.c.error)
        ).all()
        every = conn.execute(sa.select(runs.c.task_id, runs.c.scheduled_for, runs.c.error)).all()
        cursors = dict(conn.execute(sa.select(tasks.c.task_id, tasks.c.last_fire_at)).all())
    return {"late": late, "rows": {(status, error): n for status, error, n in rows},
            "covered": _fires_covered(every), "cursors": cursors, "base": base, "end": t1 + timedelta(seconds=5)}


_SPAN = re.compile(r": (\d+) fires? (?:between|at) ")


def _fires_covered(rows: list[Any]) -> Counter[tuple[int, datetime]]:
    """How many times each (task, fire) has a row: its own, or one row for the N fires up to
    its own (``missed ...: N fires between A and B``; these tasks fire every second)."""
    covered: Counter[tuple[int, datetime]] = Counter()
    for task_id, at, error in rows:
        span = _SPAN.search(error or "")
        for k in range(int(span.group(1)) if span else 1):
            covered[(task_id, _aware(at) - timedelta(seconds=k))] += 1
    return covered


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _assert_every_fire_once(result: dict[str, Any]) -> None:
    """Every fire of every task up to its cursor has exactly one row standing for it."""
    covered = result["covered"]
    assert max(covered.values()) == 1
    for i, (task_id, cursor) in enumerate(sorted(result["cursors"].items())):
        fire, fires = result["base"] + timedelta(seconds=1 + i / TASKS), set()  # one period after its anchor
        while fire <= _aware(cursor):
            fires.add((task_id, fire))
            fire += timedelta(seconds=1)
        mine = {key for key in covered if key[0] == task_id}
        assert mine == fires, (task_id, sorted(fires - mine)[:3], sorted(mine - fires)[:3])


async def test_offered_twice_its_capacity_it_runs_nearly_its_peak_on_time_and_records_the_rest(store, tmp_path):
    result = await _overload(store, tmp_path, timedelta(milliseconds=250))
    on_time = sum(1 for x in result["late"] if x <= 0.5)
    capacity = WINDOW / (START_COST + OUTCOME_COST)  # 100 runs/s
    # At least 90 % of its peak rate starts on time, and nothing that starts is late.
    assert on_time >= 0.9 * capacity, (on_time, result["rows"])
    assert max(result["late"]) <= 0.5
    # Every fire has a row: the ones not run say why (one row may stand for several fires
    # of a task that were left for later while the engine was behind).
    rows = result["rows"]
    assert all((status == "completed" and error is None) or (status == "skipped" and error.startswith(OVERLOADED))
               for status, error in rows), rows
    assert rows[("completed", None)] == len(result["late"])
    _assert_every_fire_once(result)


async def test_when_a_shed_row_costs_half_a_run_it_still_runs_its_peak_on_time(store, tmp_path):
    """PostgreSQL's case: a row per shed fire would cost as much as running them. Shed rows are
    capped per pass, the rest wait and become one row per task: 90 % of peak still on time."""
    result = await _overload(store, tmp_path, timedelta(milliseconds=250), shed_cost=DEAR_SHED_COST)
    on_time = sum(1 for x in result["late"] if x <= 0.5)
    capacity = WINDOW / (START_COST + OUTCOME_COST)
    assert on_time >= 0.9 * capacity, (on_time, result["rows"])
    assert max(result["late"]) <= 0.5
    assert all(error is None or error.startswith(OVERLOADED) for _status, error in result["rows"])
    _assert_every_fire_once(result)
    # Fires left for later were still recorded at shutdown: every fire due by then has its row.
    assert min(_aware(c) for c in result["cursors"].values()) > result["end"] - timedelta(seconds=1)


async def test_without_shedding_the_backlog_makes_every_fire_late(store, tmp_path):
    """The same load with shedding off: what the head sheds is what keeps the rest on time."""
    result = await _overload(store, tmp_path, None)
    on_time = sum(1 for x in result["late"] if x <= 0.5)
    assert on_time < 0.3 * WINDOW / (START_COST + OUTCOME_COST)
    assert ("skipped", OVERLOADED) not in result["rows"]


async def test_a_single_stall_does_not_shed(make_engine, add_task, clock, store):
    """Late once (a stall, a suspended laptop) is not overload: the late fire still runs."""
    add_task(triggers=[{"kind": "interval", "every": 10}])
    engine = make_engine()
    await engine.start()
    for _ in range(5):
        clock.advance(timedelta(seconds=10.9))  # one fire each time, 0.9 s later each time
        await engine.run_until_idle()
    assert [r.status for r in store.list_runs()] == [RunStatus.COMPLETED] * 5
    assert not engine.overloaded


async def test_tasks_left_for_later_come_back_at_once_when_nothing_else_is_due(make_engine, add_task, clock, store):
    """Shedding leaves late fires for later, a few rows a pass. When a pass finds nothing else
    due, it returns them all (a row for what each missed, its next fire back on time) instead
    of a few shed rows' worth per pass: on PostgreSQL at twice its peak most tasks sat parked
    that way while the engine spent its passes writing five rows each (bench/RESULTS.md)."""
    for i in range(40):
        add_task(name=f"t{i}", triggers=[{"kind": "interval", "every": 1}])
    # one shed row a pass; the next fires (0.5 s away) not recorded ahead in this pass
    engine = make_engine(shed_rows_per_start=0.0001, record_ahead=timedelta(milliseconds=100))
    await engine.start()
    clock.advance(timedelta(seconds=3.5))  # every task's last fire 0.5 s late, past the 250 ms
    engine._behind = 2  # as after two passes that ended with fires still due: shedding
    await engine.tick()
    rows = store.list_runs(limit=1000)
    assert {r.task_id for r in rows} == {t.task_id for t in store.list_tasks()}
    assert all(r.status == RunStatus.SKIPPED and r.error.startswith(OVERLOADED) for r in rows), rows[:3]
    # ... and each is back in the schedule: its next fire starts on time.
    clock.advance(timedelta(seconds=0.5))
    engine._behind = 0
    await engine.run_until_idle()
    started = [r for r in store.list_runs(limit=1000) if r.status == RunStatus.COMPLETED]
    assert len(started) == 40

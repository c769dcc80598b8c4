"""Condition triggers on the fake clock: checks are due every ``every``, fire on a false → true
edge only, remember the last value across restarts, and never hold up the engine's tick."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fakes.actions import ScriptedRunner, install

from scheduler.models import RunReason, RunStatus
from scheduler.sources.conditions import is_truthy_cell

EVERY = timedelta(seconds=30)


def condition(check: dict[str, object] | None = None, every: timedelta = EVERY) -> dict[str, object]:
    return {"kind": "condition", "check": check or {"kind": "shell", "argv": ["true"]},
            "every": every.total_seconds()}


async def check_once(engine, clock, every: timedelta = EVERY) -> None:
    """Move to the next check, let it run and record, and run whatever it fired."""
    clock.advance(every)
    await engine.run_until_idle()  # the tick starts the due check in the background
    await engine.sources.settle()
    await engine.run_until_idle()


async def test_condition_fires_on_the_turn_to_true_only(
    add_task, started_engine, store, clock, monkeypatch
):
    verdicts = install(monkeypatch, ScriptedRunner(["fail", "ok", "ok", "fail", "ok"]), kind="shell")
    task = add_task(name="site-back", triggers=[condition()])
    engine = await started_engine()
    for _ in range(5):
        await check_once(engine, clock)

    assert len(verdicts.calls) == 5
    runs = store.list_runs(task_id=task.task_id)
    assert len(runs) == 2
    assert all(r.reason == RunReason.CONDITION and r.status == RunStatus.COMPLETED for r in runs)
    assert runs[0].context["event"] == {"name": "condition:shell",
                                        "data": {"check": "shell", "summary": "ok"}}


async def test_condition_first_true_check_fires_and_a_restart_does_not_refire(
    add_task, started_engine, store, clock, monkeypatch
):
    install(monkeypatch, ScriptedRunner(default="ok"), kind="shell")
    task = add_task(name="ready", triggers=[condition()])
    first = await started_engine()
    await check_once(first, clock)
    assert len(store.list_runs(task_id=task.task_id)) == 1  # no earlier value: true is a turn
    await first.sources.stop()

    second = await started_engine()  # a restart: memory is gone, the store remembers
    await check_once(second, clock)
    await check_once(second, clock)
    assert len(store.list_runs(task_id=task.task_id)) == 1
    assert store.condition_value(task.task_id, 0) is True


async def test_condition_checks_are_due_every_interval_on_the_engine_clock(
    add_task, started_engine, clock, monkeypatch
):
    verdicts = install(monkeypatch, ScriptedRunner(default="fail"), kind="shell")
    add_task(name="poll", triggers=[condition(every=timedelta(minutes=5))])
    engine = await started_engine()
    assert engine.sources.next_check_at() == clock.now() + timedelta(minutes=5)

    clock.advance(timedelta(minutes=4))
    await engine.run_until_idle()
    await engine.sources.settle()
    assert verdicts.calls == []
    clock.advance(timedelta(minutes=1))
    await engine.run_until_idle()
    await engine.sources.settle()
    assert len(verdicts.calls) == 1
    assert engine.sources.next_check_at() == clock.now() + timedelta(minutes=5)


async def test_a_slow_condition_check_does_not_hold_up_the_engine(
    add_task, started_engine, store, clock, monkeypatch
):
    verdict = install(monkeypatch, ScriptedRunner(["block"]), kind="shell")
    task = add_task(name="slow", triggers=[condition()])
    engine = await started_engine()
    clock.advance(EVERY)
    await engine.run_until_idle()  # returns with the check still running
    for _ in range(5):
        await asyncio.sleep(0)  # let the check's task reach the runner
    assert verdict.running == 1
    assert engine.sources.next_check_at() is None  # not due again while it runs
    await engine.tick()
    assert len(verdict.calls) == 1

    verdict.release.set()
    await engine.sources.settle()
    await engine.run_until_idle()
    assert len(store.list_runs(task_id=task.task_id)) == 1


async def test_condition_with_a_real_shell_check(add_task, started_engine, store, clock):
    task = add_task(name="real", triggers=[condition({"kind": "shell", "argv": ["sh", "-c", "exit 3"]}),
                                           condition({"kind": "shell", "argv": ["true"]})])
    engine = await started_engine()
    await check_once(engine, clock)
    [run] = store.list_runs(task_id=task.task_id)  # only the check that exited 0
    assert run.context["event"]["data"] == {"check": "shell", "summary": "exit 0"}
    assert store.condition_value(task.task_id, 0) is False
    assert store.condition_value(task.task_id, 1) is True


@pytest.mark.parametrize(
    ("cell", "truthy"),
    [(1, True), (0, False), (None, False), (True, True), (False, False), ("t", True), ("f", False),
     ("0", False), ("0.00", False), ("2", True), ("", False), ("false", False), ("yes", True),
     (0.5, True)],
)
def test_is_truthy_cell(cell: object, truthy: bool) -> None:
    assert is_truthy_cell(cell) is truthy

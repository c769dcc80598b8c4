"""R9: a step of the wall clock (NTP, an admin) is detected and reported, and fires are neither
doubled (a step back) nor lost (a step forward: the fires passed over follow the misfire
policy, as after an outage)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from scheduler.models import RunStatus


def _fires(store):
    return Counter(r.scheduled_for for r in store.list_runs(limit=1000) if r.scheduled_for is not None)


async def test_a_step_back_fires_nothing_twice_and_is_reported(make_engine, add_task, clock, store, caplog):
    add_task()  # every 10 minutes
    engine = make_engine()
    await engine.start()
    for _ in range(2):
        clock.advance(timedelta(minutes=10))
        await engine.run_until_idle()
    caplog.set_level(logging.WARNING, logger="scheduler.engine")
    clock.step(timedelta(hours=-1))  # 09:20 → 08:20 on the wall
    await engine.run_until_idle()
    for _ in range(8):  # the wall clock lives the hour again, then 20 minutes more
        clock.advance(timedelta(minutes=10))
        await engine.run_until_idle()
    fires = _fires(store)
    assert fires and max(fires.values()) == 1  # no fire twice
    assert len(fires) == 4  # 09:10, 09:20, then 09:30 and 09:40 once the wall clock is there again
    [(_, step)] = engine.clock_steps
    assert step == timedelta(hours=-1)
    assert [r.getMessage() for r in caplog.records].count(
        "the wall clock moved back by 1 hour (a step): fires already recorded are not fired again; "
        "the next ones wait for their time") == 1


async def test_a_step_forward_loses_no_fire_and_is_reported(make_engine, add_task, clock, store, caplog):
    add_task(misfire_policy="run_all")
    engine = make_engine()
    await engine.start()
    clock.advance(timedelta(minutes=10))
    await engine.run_until_idle()
    caplog.set_level(logging.WARNING, logger="scheduler.engine")
    clock.step(timedelta(hours=2))  # 09:10 → 11:10 on the wall
    await engine.run_until_idle()
    fires = _fires(store)
    assert max(fires.values()) == 1
    # Every fire passed over is there, recorded by the misfire policy (run_all: each one runs).
    slots = [clock.now() - timedelta(minutes=10 * i) for i in range(13)]
    assert set(slots) <= set(fires)
    assert all(r.status == RunStatus.COMPLETED for r in store.list_runs(limit=1000))
    [(_, step)] = engine.clock_steps
    assert step == timedelta(hours=2)
    assert any("the wall clock moved forward by 2 hours" in r.getMessage() for r in caplog.records)


async def test_time_passing_is_not_a_step(make_engine, add_task, clock, store):
    add_task()
    engine = make_engine()
    await engine.start()
    for _ in range(6):
        clock.advance(timedelta(minutes=10))
        await engine.run_until_idle()
    assert engine.clock_steps == []

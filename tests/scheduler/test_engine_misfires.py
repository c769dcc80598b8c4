"""Misfires recorded as what they are (issue 14, item 6): after a one-minute stop, the late
fires of an every-second task are missed fires under the misfire policy, not "skipped: overlap";
run_all runs every one of them (up to its cap) within the grace. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.firing import RUN_ALL_CAP
from scheduler.models import RunReason, RunStatus


async def _stopped_for_a_minute(make_engine, clock, store, *, seconds: int = 60):
    first = make_engine()
    await first.start()
    clock.advance(timedelta(seconds=1))
    await first.run_until_idle()
    await first.shutdown(grace=timedelta(0))
    before = {r.run_id for r in store.list_runs(limit=5000)}
    clock.advance(timedelta(seconds=seconds))  # stopped; every fire of that minute is due at once
    second = make_engine()
    await second.start()
    await second.run_until_idle()
    await second.run_until_idle()
    return [r for r in store.list_runs(limit=5000) if r.run_id not in before]


async def test_late_fires_after_a_stop_are_missed_not_overlaps(make_engine, add_task, clock, store):
    add_task(triggers=[{"kind": "interval", "every": 1}], misfire_policy="skip", overlap="skip",
             misfire_grace=120)
    runs = await _stopped_for_a_minute(make_engine, clock, store)
    assert not [r for r in runs if "overlap" in (r.error or "")]
    [missed] = [r for r in runs if r.status == RunStatus.SKIPPED]
    assert missed.error.startswith("missed while offline: 59 fires")
    [ran] = [r for r in runs if r.status == RunStatus.COMPLETED]
    assert ran.reason == RunReason.SCHEDULE and ran.scheduled_for == clock.now()


@pytest.mark.parametrize("seconds", [60, RUN_ALL_CAP + 30])
async def test_run_all_runs_every_missed_fire_within_the_grace(make_engine, add_task, clock, store, seconds):
    add_task(triggers=[{"kind": "interval", "every": 1}], misfire_policy="run_all", overlap="skip",
             misfire_grace=600)
    runs = await _stopped_for_a_minute(make_engine, clock, store, seconds=seconds)
    caught_up = [r for r in runs if r.reason == RunReason.CATCH_UP]
    assert {r.status for r in caught_up} == {RunStatus.COMPLETED}
    assert len(caught_up) == min(seconds - 1, RUN_ALL_CAP)
    assert len({r.scheduled_for for r in caught_up}) == len(caught_up)  # each missed fire once
    assert not [r for r in runs if "overlap" in (r.error or "")]
    beyond = [r for r in runs if r.status == RunStatus.SKIPPED]
    if seconds - 1 > RUN_ALL_CAP:
        [summary] = beyond
        assert f"{seconds - 1 - RUN_ALL_CAP} fires beyond the {RUN_ALL_CAP}" in summary.error
    else:
        assert beyond == []
    [current] = [r for r in runs if r.reason == RunReason.SCHEDULE and r.status == RunStatus.COMPLETED]
    assert current.scheduled_for == clock.now()


async def test_a_single_late_fire_within_the_grace_still_runs_on_time(make_engine, add_task, clock, store):
    add_task(triggers=[{"kind": "interval", "every": 30}], misfire_policy="skip", misfire_grace=60)
    runs = await _stopped_for_a_minute(make_engine, clock, store, seconds=40)
    assert [(r.reason, r.status) for r in runs] == [(RunReason.SCHEDULE, RunStatus.COMPLETED)]

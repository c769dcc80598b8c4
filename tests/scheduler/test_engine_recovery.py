"""Leases: a crashed worker's runs are recovered (failed: worker lost, then retried per policy);
a live worker's runs are never stolen; several engines on one database record each fire once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fakes.actions import ScriptedRunner, install

from scheduler.models import RunReason, RunStatus


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_crashed_worker_run_is_recovered_and_retried(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(["block"]))
    add_task(retry={"max_attempts": 2, "delay": 5})
    crashed = make_engine(lease_ttl=timedelta(seconds=30))
    await crashed.start()
    clock.advance(timedelta(minutes=10))
    await crashed.tick()
    await _settle()
    (run,) = store.list_runs()
    assert run.status == RunStatus.RUNNING and run.lease_owner == crashed.worker_id
    # The first worker dies: it never ticks (nor heartbeats) again.
    survivor = make_engine(lease_ttl=timedelta(seconds=30))
    await survivor.start()
    clock.advance(timedelta(seconds=29))
    await survivor.run_until_idle()
    assert store.get_run(run.run_id).status == RunStatus.RUNNING  # lease still valid
    clock.advance(timedelta(seconds=2))
    survivor.wake()
    await survivor.run_until_idle()
    lost = store.get_run(run.run_id)
    assert lost.status == RunStatus.RETRYING and lost.error.startswith("worker lost")
    clock.advance(timedelta(seconds=5))
    await survivor.run_until_idle()
    retry = store.list_runs(limit=1)[0]
    assert (retry.reason, retry.attempt, retry.status) == (RunReason.RETRY, 2, RunStatus.COMPLETED)
    assert retry.lease_owner is None
    # The zombie comes back and finishes: its late outcome must not overwrite the recovery.
    runner.release.set()
    await _settle()
    await crashed.tick()
    assert store.get_run(run.run_id).status == RunStatus.RETRYING


async def test_recovery_without_retries_fails_the_run(make_engine, add_task, clock, store, monkeypatch):
    install(monkeypatch, ScriptedRunner(["block"]))
    add_task()
    crashed = make_engine()
    await crashed.start()
    clock.advance(timedelta(minutes=10))
    await crashed.tick()
    survivor = make_engine()
    await survivor.start()
    clock.advance(timedelta(minutes=1))
    survivor.wake()
    await survivor.run_until_idle()
    runs = store.list_runs()
    assert len(runs) == 1
    assert runs[0].status == RunStatus.FAILED and "worker lost" in runs[0].error


async def test_live_worker_heartbeat_keeps_its_runs(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(["block"]))
    add_task()
    worker = make_engine(lease_ttl=timedelta(seconds=30), heartbeat_interval=timedelta(seconds=10))
    other = make_engine(lease_ttl=timedelta(seconds=30), heartbeat_interval=timedelta(seconds=10))
    await worker.start()
    await other.start()
    clock.advance(timedelta(minutes=10))
    await worker.tick()
    await _settle()
    for _ in range(9 * 6):  # nine minutes of a long run, both engines awake
        clock.advance(timedelta(seconds=10))
        await worker.tick()
        await other.tick()
    (run,) = [r for r in store.list_runs() if r.status != RunStatus.SKIPPED]
    assert run.status == RunStatus.RUNNING and run.lease_owner == worker.worker_id
    runner.release.set()
    await worker.run_until_idle()
    assert store.get_run(run.run_id).status == RunStatus.COMPLETED


async def test_two_engines_record_each_fire_once(make_engine, add_task, clock, store):
    for i in range(5):
        add_task(name=f"job {i}", triggers=[{"kind": "cron", "expression": "* * * * *"}])
    first, second = make_engine(), make_engine()
    await first.start()
    await second.start()
    for _ in range(10):
        clock.advance(timedelta(minutes=1))
        await asyncio.gather(first.run_until_idle(), second.run_until_idle())
        await asyncio.gather(first.run_until_idle(), second.run_until_idle())
    runs = store.list_runs(limit=1000)
    keys = [(r.task_id, r.scheduled_for) for r in runs]
    assert len(keys) == len(set(keys)) == 50
    assert all(r.status == RunStatus.COMPLETED for r in runs)


async def test_database_outage_loses_no_fire_and_no_outcome(make_engine, add_task, clock, store, monkeypatch):
    from scheduler.errors import StoreUnavailable

    add_task(triggers=[{"kind": "cron", "expression": "* * * * *"}], misfire_grace=600)
    engine = make_engine()
    await engine.start()
    real = store.commit_tick
    outage = {"fires": 2, "outcomes": 2}  # passes that fail while carrying fires / outcomes

    def flaky(outcomes, fires, **kwargs):
        for name, items in (("outcomes", outcomes), ("fires", fires)):
            if items and outage[name]:
                outage[name] -= 1
                raise StoreUnavailable("the database is down (test)")
        return real(outcomes, fires, **kwargs)

    monkeypatch.setattr(store, "commit_tick", flaky)
    clock.advance(timedelta(minutes=1))
    for _ in range(6):  # what run_forever does: tick, back off, tick again
        try:
            await engine.run_until_idle()
        except StoreUnavailable:
            continue
    runs = store.list_runs()
    assert [(r.scheduled_for.minute, r.status) for r in runs] == [(1, RunStatus.COMPLETED)]
    assert outage == {"fires": 0, "outcomes": 0}


async def test_run_forever_survives_an_outage(make_engine, add_task, clock, store, monkeypatch):
    from scheduler.errors import StoreUnavailable

    add_task(triggers=[{"kind": "cron", "expression": "* * * * *"}], misfire_grace=600)
    engine = make_engine()
    await engine.start()
    real = store.commit_tick
    failures = {"left": 3}

    def flaky(*args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise StoreUnavailable("down")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "commit_tick", flaky)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(engine.run_forever(stop))
    clock.advance(timedelta(minutes=1))
    for _ in range(500):
        await asyncio.sleep(0.01)  # let the store thread answer
        clock.advance(timedelta(seconds=1))  # the backoff sleeps on the injected clock
        if store.list_runs():
            break
    stop.set()
    await loop_task
    assert failures["left"] == 0
    minutes = sorted(r.scheduled_for.minute for r in store.list_runs())
    assert minutes == list(range(1, minutes[-1] + 1))  # every fire since the outage, once


def _dead_pid() -> int:
    """A pid that was just used and is free now."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def _engine_gone_with_its_run(make_engine, clock, store, **where):
    """An engine that started a run and died holding it: its workers row says it ran in a
    process that no longer exists (``where`` changes more of the row, e.g. another host)."""
    from scheduler.store.tables import workers

    crashed = make_engine(lease_ttl=timedelta(seconds=30))
    await crashed.start()
    clock.advance(timedelta(minutes=10))
    await crashed.tick()
    await _settle()
    (run,) = store.list_runs()
    assert run.status == RunStatus.RUNNING
    with store.engine.begin() as conn:
        conn.execute(workers.update().where(workers.c.worker_id == crashed.worker_id)
                     .values(pid=_dead_pid(), **where))
    return crashed, run


async def test_a_provably_dead_engine_on_this_host_has_its_runs_ended_at_start(
    make_engine, add_task, clock, store, monkeypatch
):
    install(monkeypatch, ScriptedRunner(["block"]))
    add_task(retry={"max_attempts": 2, "delay": 5})
    crashed, run = await _engine_gone_with_its_run(make_engine, clock, store)
    survivor = make_engine(lease_ttl=timedelta(seconds=30))
    await survivor.start()  # no clock advance: the lease is still 30 s from ending
    await survivor.run_until_idle()
    lost = store.get_run(run.run_id)
    assert lost.status == RunStatus.RETRYING and lost.error.startswith("worker lost")
    assert crashed.worker_id not in {w.worker_id for w in store.list_workers()}


async def test_an_engine_elsewhere_proves_nothing_and_its_runs_wait_for_the_lease(
    make_engine, add_task, clock, store, monkeypatch
):
    install(monkeypatch, ScriptedRunner(["block"]))
    add_task()
    _crashed, run = await _engine_gone_with_its_run(make_engine, clock, store, hostname="another-host")
    survivor = make_engine(lease_ttl=timedelta(seconds=30))
    await survivor.start()
    await survivor.run_until_idle()
    assert store.get_run(run.run_id).status == RunStatus.RUNNING
    clock.advance(timedelta(seconds=31))
    survivor.wake()
    await survivor.run_until_idle()
    assert store.get_run(run.run_id).status == RunStatus.FAILED


async def test_a_run_that_kills_its_engine_three_times_in_a_row_is_parked_as_a_dead_letter(
    make_engine, add_task, clock, store, monkeypatch, notifier, service
):
    from scheduler.models import DEAD_LETTER
    from scheduler.store.tables import workers

    install(monkeypatch, ScriptedRunner(["block"] * 10))
    task = add_task(name="poison", retry={"max_attempts": 10, "delay": 1})
    clock.advance(timedelta(minutes=10))
    engines = []
    for _ in range(4):
        engine = make_engine(lease_ttl=timedelta(seconds=30))
        await engine.start()  # recovers the previous engine's run (it is provably gone)
        clock.advance(timedelta(seconds=2))  # the retry's backoff
        engine.wake()
        await engine.tick()
        await _settle()
        engines.append(engine)
        # This engine "dies" with its run: its process is gone.
        with store.engine.begin() as conn:
            conn.execute(workers.update().where(workers.c.worker_id == engine.worker_id).values(pid=_dead_pid()))
    attempts = sorted(store.list_runs(limit=100), key=lambda r: r.run_id)
    assert [r.attempt for r in attempts] == [1, 2, 3]  # no fourth attempt: the third was parked
    assert [r.status for r in attempts] == [RunStatus.RETRYING, RunStatus.RETRYING, RunStatus.FAILED]
    assert attempts[-1].error.startswith(f"{DEAD_LETTER}: worker lost 3 times in a row")
    assert [r.run_id for r in service.list_runs(dead=True)] == [attempts[-1].run_id]
    told = [n for n in notifier.sent if n.run_id == attempts[-1].run_id]
    assert len(told) == 1 and "dead letter" in told[0].text and told[0].owner == task.owner


async def test_a_dead_engines_runs_end_before_the_tasks_are_loaded(make_engine, add_task, clock, store, monkeypatch):
    """A restart after kill -9 ends the dead engine's runs first thing (loading a big install's
    tasks takes seconds), with the retry policy read from the store for those runs' tasks."""
    install(monkeypatch, ScriptedRunner(["block"]))
    add_task(retry={"max_attempts": 2, "delay": 5})
    _crashed, run = await _engine_gone_with_its_run(make_engine, clock, store)
    seen_at_load: list[RunStatus] = []
    load = store.schedules_changed_since

    def spying_load(*args, **kwargs):
        seen_at_load.append(store.get_run(run.run_id).status)
        return load(*args, **kwargs)

    survivor = make_engine(lease_ttl=timedelta(seconds=30))
    monkeypatch.setattr(survivor.store, "schedules_changed_since", spying_load)
    await survivor.start()
    assert seen_at_load[0] == RunStatus.RETRYING  # ended (and its retry due) before the load
    retry = max(store.list_runs(), key=lambda r: r.run_id)
    assert (retry.reason, retry.attempt, retry.retry_of) == (RunReason.RETRY, 2, run.run_id)


async def test_the_engine_prunes_delivered_outbox_rows_past_their_retention(make_engine, clock, store):
    """R16's outbox grows by a row per message part sent: the engine drops those older than the
    retention on a slow timer (checked at heartbeats), and keeps the recent ones."""
    start = clock.now()
    store.record_delivered_part("run-1", "slack:C1", 0, now=start)
    store.record_delivered_part("run-1", "slack:C1", 1, now=start)
    engine = make_engine(outbox_retention=timedelta(days=7), outbox_prune_interval=timedelta(hours=1),
                         heartbeat_interval=timedelta(seconds=10))
    await engine.start()
    clock.advance(timedelta(days=6))
    store.record_delivered_part("run-2", "telegram:42", 0, now=clock.now())
    engine.wake()
    await engine.run_until_idle()
    clock.advance(timedelta(seconds=11))  # a heartbeat: nothing old enough yet
    engine.wake()
    await engine.run_until_idle()
    assert store.delivered_parts("run-1", "slack:C1") == {0, 1}
    clock.advance(timedelta(days=1, hours=1))  # run-1's parts are now over 7 days old
    engine.wake()
    await engine.run_until_idle()
    assert store.delivered_parts("run-1", "slack:C1") == set()
    assert store.delivered_parts("run-2", "telegram:42") == {0}

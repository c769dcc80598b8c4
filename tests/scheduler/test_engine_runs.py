"""Overlap policies, retries with backoff, manual runs, cancellation, pause, shutdown and
failure notices. Actions are scripted so a run takes as long (in fake time) as a test says."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest
from fakes.actions import ScriptedRunner, install

from scheduler.models import RunReason, RunStatus
from scheduler.service import Actor, Role

OWNER = Actor("alice", Role.MEMBER)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def _fire(engine, clock, minutes: int = 10) -> None:
    clock.advance(timedelta(minutes=minutes))
    await engine.tick()
    await _settle()


async def test_overlap_skip_never_runs_two_at_once(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(["block"]))
    add_task(overlap="skip")
    engine = make_engine()
    await engine.start()
    await _fire(engine, clock)
    await _fire(engine, clock)
    await _fire(engine, clock)
    runner.release.set()
    await engine.run_until_idle()
    statuses = [r.status for r in reversed(store.list_runs())]
    assert statuses == [RunStatus.COMPLETED, RunStatus.SKIPPED, RunStatus.SKIPPED]
    assert all("overlap" in r.error for r in store.list_runs(statuses=[RunStatus.SKIPPED]))
    assert runner.max_running == 1


async def test_overlap_queue_keeps_one_queued_run(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(["block"]))
    add_task(overlap="queue")
    engine = make_engine()
    await engine.start()
    for _ in range(3):
        await _fire(engine, clock)
    assert [r.status for r in reversed(store.list_runs())] == [
        RunStatus.RUNNING, RunStatus.PENDING, RunStatus.SKIPPED
    ]
    runner.release.set()
    await engine.run_until_idle()
    assert [r.status for r in reversed(store.list_runs())] == [
        RunStatus.COMPLETED, RunStatus.COMPLETED, RunStatus.SKIPPED
    ]
    assert runner.max_running == 1 and len(runner.calls) == 2


async def test_overlap_allow_runs_concurrently_up_to_the_cap(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(default="block"))
    add_task(overlap="allow")
    engine = make_engine(allow_overlap_cap=2)
    await engine.start()
    for _ in range(3):
        await _fire(engine, clock)
    assert runner.max_running == 2
    runner.release.set()
    await engine.run_until_idle()
    statuses = sorted(r.status.value for r in store.list_runs())
    assert statuses == ["completed", "completed", "skipped"]


async def test_retries_back_off_exponentially_then_succeed(make_engine, add_task, clock, store, monkeypatch):
    install(monkeypatch, ScriptedRunner(["fail", "fail", "fail", "fail", "ok"]))
    add_task(retry={"max_attempts": 5, "delay": 2, "backoff": 2, "max_delay": 60},
             triggers=[{"kind": "cron", "expression": "0 12 * * *"}])
    engine = make_engine()
    await engine.start()
    clock.set(clock.now().replace(hour=12))
    await engine.run_until_idle()
    for wait in (2, 4, 8, 16):
        clock.advance(timedelta(seconds=wait - 1))
        await engine.run_until_idle()
        assert store.list_runs(limit=1)[0].status == RunStatus.PENDING  # not due yet
        clock.advance(timedelta(seconds=1))
        await engine.run_until_idle()
    runs = list(reversed(store.list_runs()))
    assert [r.status for r in runs] == [RunStatus.RETRYING] * 4 + [RunStatus.COMPLETED]
    assert [r.attempt for r in runs] == [1, 2, 3, 4, 5]
    assert [r.reason for r in runs[1:]] == [RunReason.RETRY] * 4
    gaps = [(b.due_at - a.finished_at).total_seconds() for a, b in itertools.pairwise(runs)]
    assert gaps == [2, 4, 8, 16]
    assert {r.scheduled_for for r in runs} == {runs[0].scheduled_for}  # no extra schedule fire


async def test_retry_delay_is_capped(make_engine, add_task, clock, store, monkeypatch):
    install(monkeypatch, ScriptedRunner(default="fail"))
    task = add_task(retry={"max_attempts": 3, "delay": 50, "backoff": 10, "max_delay": 60})
    assert task.retry.delay_before(3) == timedelta(seconds=60)


async def test_final_failure_notifies_the_owner_once(make_engine, add_task, clock, store, monkeypatch, notifier):
    install(monkeypatch, ScriptedRunner(default="fail"))
    add_task(name="backup", retry={"max_attempts": 2, "delay": 1})
    engine = make_engine()
    await engine.start()
    clock.advance(timedelta(minutes=10))
    await engine.run_until_idle()
    assert notifier.sent == []  # a retry is coming
    clock.advance(timedelta(seconds=1))
    await engine.run_until_idle()
    assert len(notifier.sent) == 1
    assert notifier.sent[0].owner == "alice" and "backup" in notifier.sent[0].text


async def test_manual_run_in_process_wakes_the_engine(make_engine, add_task, clock, store, service):
    task = add_task(triggers=[])
    engine = make_engine()
    service.on_change = engine.wake
    await engine.start()
    run = service.run_now(task.name, actor=OWNER)
    assert run.status == RunStatus.PENDING
    await engine.run_until_idle()
    done = store.get_run(run.run_id)
    assert done.status == RunStatus.COMPLETED and done.reason == RunReason.MANUAL


async def test_manual_run_from_another_process_is_seen_at_the_next_poll(make_engine, add_task, clock, store, service):
    task = add_task(triggers=[])
    engine = make_engine(poll_interval=timedelta(seconds=1))
    await engine.start()
    run = service.run_now(task.name, actor=OWNER)  # not wired to this engine: another process
    await engine.run_until_idle()
    assert store.get_run(run.run_id).status == RunStatus.PENDING
    clock.advance(timedelta(seconds=1))
    await engine.run_until_idle()
    assert store.get_run(run.run_id).status == RunStatus.COMPLETED


async def test_cancel_a_pending_run(add_task, service, store):
    task = add_task(triggers=[])
    run = service.run_now(str(task.task_id), actor=OWNER)
    cancelled = service.cancel_run(run.run_id, actor=OWNER)
    assert cancelled.status == RunStatus.CANCELLED


async def test_cancel_a_running_run_stops_it(make_engine, add_task, clock, store, service, monkeypatch):
    install(monkeypatch, ScriptedRunner(["block"]))
    task = add_task(triggers=[])
    engine = make_engine()
    service.on_change = engine.wake
    await engine.start()
    run = service.run_now(task.name, actor=OWNER)
    await engine.tick()
    await _settle()
    assert store.get_run(run.run_id).status == RunStatus.RUNNING
    service.cancel_run(run.run_id, actor=OWNER)
    engine.wake()
    await engine.run_until_idle()
    done = store.get_run(run.run_id)
    assert done.status == RunStatus.CANCELLED and "cancelled" in done.error


async def test_paused_task_does_not_fire_and_resume_does_not_replay(make_engine, add_task, clock, store, service):
    task = add_task()
    engine = make_engine()
    await engine.start()
    service.pause_task(task.name, actor=OWNER)
    engine.wake()
    for _ in range(3):
        clock.advance(timedelta(minutes=10))
        await engine.run_until_idle()
    assert store.list_runs() == []
    service.resume_task(task.name, actor=OWNER)
    engine.wake()
    await engine.run_until_idle()
    assert store.list_runs() == []  # the paused fires are not replayed, not even as skipped
    clock.advance(timedelta(minutes=10))
    await engine.run_until_idle()
    assert [r.status for r in store.list_runs()] == [RunStatus.COMPLETED]


async def test_shutdown_cancels_runs_past_the_grace_and_requeues_per_policy(
    make_engine, add_task, clock, store, monkeypatch
):
    install(monkeypatch, ScriptedRunner(["block"]))
    add_task(retry={"max_attempts": 2, "delay": 0})
    engine = make_engine()
    await engine.start()
    await _fire(engine, clock)
    await engine.shutdown(grace=timedelta(0))
    first, retry = sorted(store.list_runs(), key=lambda r: r.run_id)
    assert first.status == RunStatus.RETRYING and "shut down" in first.error
    assert retry.status == RunStatus.PENDING and retry.attempt == 2


async def test_run_output_is_truncated_in_the_row_and_whole_in_the_log(
    make_engine, add_task, clock, store, monkeypatch
):
    from scheduler.actions.base import ActionResult

    async def chatty(action, ctx):
        for _ in range(20):
            ctx.output.write("stdout", b"x" * 10_000 + b"\n")
        ctx.output.write("stderr", b"warning\n")
        return ActionResult(ok=True)

    monkeypatch.setitem(__import__("scheduler.actions", fromlist=["runners"]).runners(), "noop", chatty)
    add_task()
    engine = make_engine()
    await engine.start()
    clock.advance(timedelta(minutes=10))
    await engine.run_until_idle()
    (run,) = store.list_runs()
    assert len(run.stdout.encode()) < 64 * 1024 + 300
    assert "output truncated at 65536 bytes" in run.stdout
    assert run.stderr == "warning\n"
    with open(run.log_path, "rb") as fh:
        assert fh.read().count(b"x") == 200_000


@pytest.mark.parametrize("overlap", ["skip", "queue"])
async def test_deleted_task_stops_firing(make_engine, add_task, clock, store, service, overlap):
    task = add_task(overlap=overlap)
    engine = make_engine()
    await engine.start()
    service.delete_task(task.name, actor=OWNER)
    engine.wake()
    clock.advance(timedelta(minutes=30))
    await engine.run_until_idle()
    assert store.list_runs() == []


async def test_a_queued_run_waiting_for_its_task_does_not_make_the_engine_spin(
    make_engine, add_task, clock, store, monkeypatch
):
    runner = install(monkeypatch, ScriptedRunner(["block"]))
    add_task(overlap="queue")
    engine = make_engine()
    await engine.start()
    await _fire(engine, clock)
    await _fire(engine, clock)  # queued behind the blocked run
    claims = []
    real = store.claim_due_runs
    monkeypatch.setattr(store, "claim_due_runs", lambda **kw: claims.append(1) or real(**kw))
    for _ in range(50):
        await engine.tick()
    assert len(claims) <= 1
    deadline = engine._next_deadline()
    assert deadline > clock.now()  # it would sleep, not loop
    runner.release.set()
    await engine.run_until_idle()
    assert [r.status for r in reversed(store.list_runs())] == [RunStatus.COMPLETED, RunStatus.COMPLETED]


async def test_an_ended_run_frees_its_task_before_the_outcome_is_written(
    make_engine, add_task, clock, store, monkeypatch
):
    install(monkeypatch, ScriptedRunner())
    task = add_task(overlap="skip", triggers=[{"kind": "interval", "every": 1}], misfire_grace=60)
    engine = make_engine()
    await engine.start()
    clock.advance(timedelta(seconds=1))
    await engine.tick()
    await _settle()  # the action ended; its outcome is not flushed yet
    assert engine._done and store.list_runs()[0].status == RunStatus.RUNNING
    # A busy store may flush late: the next fire must not count the ended run as overlapping.
    assert engine.in_flight == 0 and not engine._states[task.task_id].running
    clock.advance(timedelta(seconds=1))
    await engine.run_until_idle()
    assert [r.status for r in store.list_runs()] == [RunStatus.COMPLETED, RunStatus.COMPLETED]


async def test_a_run_past_its_timeout_fails_and_is_retried(make_engine, add_task, clock, store, monkeypatch):
    runner = install(monkeypatch, ScriptedRunner(["block", "ok"]))
    add_task(timeout=5, retry={"max_attempts": 2, "delay": 1})
    engine = make_engine()
    await engine.start()
    await _fire(engine, clock)
    clock.advance(timedelta(seconds=4))
    await _settle()
    assert store.list_runs()[0].status == RunStatus.RUNNING  # not yet
    clock.advance(timedelta(seconds=1))
    await _settle()
    await engine.run_until_idle()
    clock.advance(timedelta(seconds=1))
    await engine.run_until_idle()
    first, retry = sorted(store.list_runs(), key=lambda r: r.run_id)
    assert (first.status, first.error) == (RunStatus.RETRYING, "timed out after 5 seconds")
    assert retry.status == RunStatus.COMPLETED and len(runner.calls) == 2


async def test_timeouts_of_many_runs_are_each_kept(make_engine, add_task, clock, store, monkeypatch):
    """One timer serves every running run: a later, shorter deadline still comes first."""
    install(monkeypatch, ScriptedRunner(default="block"))
    add_task(name="long", timeout=60)
    add_task(name="short", timeout=2, triggers=[{"kind": "cron", "expression": "*/10 * * * *"}])
    engine = make_engine()
    await engine.start()
    await _fire(engine, clock)
    clock.advance(timedelta(seconds=2))
    await _settle()
    await engine.tick()
    await _settle()
    by_name = {r.task_name: r for r in store.list_runs()}
    assert by_name["short"].status == RunStatus.FAILED and by_name["long"].status == RunStatus.RUNNING
    for _ in range(6):  # heartbeats keep the lease meanwhile
        clock.advance(timedelta(seconds=10))
        await _settle()
        await engine.tick()
    await _settle()
    await engine.tick()
    by_name = {r.task_name: r for r in store.list_runs()}
    assert by_name["long"].status == RunStatus.FAILED and by_name["long"].error == "timed out after 1 minute"


async def test_a_serving_engine_checkpoints_in_the_background_while_it_runs(make_engine, store):
    engine = make_engine(background_checkpoints=True)
    await engine.start()
    assert store.db.checkpointing == store.is_sqlite
    await engine.shutdown(grace=timedelta(seconds=1))
    assert not store.db.checkpointing


class _GatedRunner:
    """Fails its first call; every later call runs until its gate opens."""

    def __init__(self) -> None:
        self.gates: list[asyncio.Event] = []
        self.calls: list[tuple[int, int]] = []

    async def __call__(self, action, ctx):
        from scheduler.actions.base import ActionFailed, ActionResult

        self.calls.append((ctx.run_id, ctx.attempt))
        if len(self.calls) == 1:
            raise ActionFailed("scripted failure")
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        return ActionResult(ok=True)


async def _back_to_back(engine, clock, runner: _GatedRunner, fires: int) -> None:
    """Each run ends as the next fire comes due: its outcome and that fire go in one pass."""
    for _ in range(fires):
        clock.advance(timedelta(minutes=10) - timedelta(seconds=1))
        await engine.tick()
        await _settle()
        for gate in runner.gates:
            gate.set()
        clock.advance(timedelta(seconds=1))
        for _ in range(2):
            await engine.tick()
            await _settle()


async def test_a_due_retry_goes_before_the_tasks_next_fire_even_when_runs_come_back_to_back(
        make_engine, add_task, clock, store, service, monkeypatch):
    """The retry, due 15 min after the failure (behind the next regular fire), used to wait for
    its task to be idle, which never happened: each regular run ended in the pass that started
    the next (reproduced on the old code: the retry pending forever, status now calls such a run
    stuck). The fire that finds a due retry waiting is skipped, and the retry runs."""
    runner = install(monkeypatch, _GatedRunner())
    add_task(retry={"max_attempts": 3, "delay": 900})
    engine = make_engine()
    await engine.start()
    await _back_to_back(engine, clock, runner, fires=6)
    assert (2, 2) in runner.calls  # the retry (run 2, attempt 2) ran
    retry = store.get_run(2)
    assert retry.reason == RunReason.RETRY and retry.status == RunStatus.COMPLETED
    skipped = store.list_runs(statuses=[RunStatus.SKIPPED])
    assert [r.error for r in skipped] == ["skipped: overlap (run 2 of this task was due and starts first)"]
    assert service.engine_status(with_next=False).stuck == []

"""Dependencies, workflows and events through the engine, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest
from fakes.actions import PerTaskRunner, install

from scheduler.errors import Conflict
from scheduler.models import RunReason, RunStatus
from scheduler.service import Actor, Role

ME = Actor("alice", Role.ADMIN)


@pytest.fixture
def runner(monkeypatch) -> PerTaskRunner:
    return install(monkeypatch, PerTaskRunner())


def _task(service, name, *, after=(), condition="success", **fields):
    data = {"name": name, "action": {"kind": "noop"}, **fields}
    task = service.create_task(service.build_spec(data), actor=ME)
    for before in after:
        service.add_dependency(name, before, actor=ME, condition=condition)
    return task


def _statuses(store) -> dict[str, str]:
    latest: dict[str, str] = {}
    for run in sorted(store.list_runs(limit=1000), key=lambda r: r.run_id):
        latest[run.task_name.rsplit("/", 1)[-1]] = run.status.value
    return latest


async def _started(make_engine, service):
    engine = make_engine()
    service.on_change = engine.wake
    await engine.start()
    return engine


async def test_diamond_runs_in_order_with_the_branches_overlapping(make_engine, service, store, runner):
    _task(service, "a")
    _task(service, "b", after=["a"])
    _task(service, "c", after=["a"])
    _task(service, "d", after=["b", "c"])
    runner.outcomes = {"b": ["block"], "c": ["block"]}
    engine = await _started(make_engine, service)
    service.run_now("a", actor=ME)
    for _ in range(3):
        await engine.tick()
        for _ in range(20):
            await asyncio.sleep(0)
    assert {"b", "c"} in runner.overlaps  # both branches were running at once
    runner.release.set()
    await engine.run_until_idle()
    assert runner.order[0] == "a" and runner.order[-1] == "d" and set(runner.order[1:3]) == {"b", "c"}
    assert _statuses(store) == {"a": "completed", "b": "completed", "c": "completed", "d": "completed"}
    d_run = store.list_runs(task_id=service.get_task("d").task_id)[0]
    assert d_run.reason == RunReason.DEPENDENCY and d_run.caused_by_run_id is not None


async def test_failed_branch_skips_the_join_with_the_reason_and_rerun_resumes(
    make_engine, service, store, runner, notifier
):
    _task(service, "a")
    _task(service, "b", after=["a"])
    _task(service, "c", after=["a"])
    _task(service, "d", after=["b", "c"])
    _task(service, "e", after=["d"])
    runner.outcomes = {"b": ["fail"]}
    engine = await _started(make_engine, service)
    failed_a = service.run_now("a", actor=ME)
    await engine.run_until_idle()
    assert _statuses(store) == {"a": "completed", "b": "failed", "c": "completed", "d": "skipped", "e": "skipped"}
    b_run = store.list_runs(task_id=service.get_task("b").task_id)[0]
    for name in ("d", "e"):
        skipped = store.list_runs(task_id=service.get_task(name).task_id)[0]
        assert skipped.error == f"skipped: b failed in run {b_run.run_id}"
    chain_notices = [n for n in notifier.sent if "skipped as a result" in n.text]
    assert len(chain_notices) == 1 and "d, e" in chain_notices[0].text
    assert len(notifier.sent) == 1  # one notice for the whole chain
    # Fixed: re-running b releases d (c's earlier success still counts) and then e.
    service.run_now("b", actor=ME)
    await engine.run_until_idle()
    assert _statuses(store) == {"a": "completed", "b": "completed", "c": "completed", "d": "completed", "e": "completed"}
    assert failed_a.run_id < b_run.run_id


async def test_done_condition_runs_anyway_and_failure_condition_runs_only_on_failure(
    make_engine, service, store, runner
):
    _task(service, "backup")
    _task(service, "cleanup", after=["backup"], condition="done")
    _task(service, "alert", after=["backup"], condition="failure")
    runner.outcomes = {"backup": ["ok", "fail"]}
    engine = await _started(make_engine, service)
    service.run_now("backup", actor=ME)
    await engine.run_until_idle()
    assert _statuses(store) == {"backup": "completed", "cleanup": "completed", "alert": "skipped"}
    service.run_now("backup", actor=ME)
    await engine.run_until_idle()
    assert _statuses(store) == {"backup": "failed", "cleanup": "completed", "alert": "completed"}


async def test_successor_waits_for_every_predecessor_since_its_last_run(make_engine, service, store, runner):
    _task(service, "x")
    _task(service, "y")
    _task(service, "join", after=["x", "y"])
    engine = await _started(make_engine, service)
    service.run_now("x", actor=ME)
    await engine.run_until_idle()
    assert "join" not in _statuses(store)
    service.run_now("y", actor=ME)
    await engine.run_until_idle()
    assert _statuses(store)["join"] == "completed"
    service.run_now("y", actor=ME)  # x has not run again since: join must not
    await engine.run_until_idle()
    assert len(store.list_runs(task_id=service.get_task("join").task_id)) == 1


def test_cycles_are_refused_with_the_cycle_named(service):
    _task(service, "backup")
    _task(service, "report", after=["backup"])
    with pytest.raises(Conflict, match="report → backup → report"):
        service.add_dependency("backup", "report", actor=ME)
    with pytest.raises(Exception, match="itself"):
        service.add_dependency("backup", "backup", actor=ME)


@pytest.mark.slow  # a deep chain on purpose
def test_long_cycle_check_is_iterative(tmp_path, clock):
    # The graph walk is the same code on both dialects: SQLite alone keeps this quick.
    from scheduler.service import Service
    from scheduler.store import Store
    from scheduler.store.tables import dependencies

    store = Store(f"sqlite:///{tmp_path / 'long.db'}")
    service = Service(store, clock=clock)
    ids = [_task(service, f"n{i}").task_id for i in range(1200)]  # deeper than Python recursion
    with store.engine.begin() as conn:  # a long chain, laid down in one go
        conn.execute(dependencies.insert(), [
            {"predecessor_id": a, "successor_id": b, "condition": "success", "consumed_run_id": 0,
             "created_at": service.clock.now()} for a, b in itertools.pairwise(ids)
        ])
    with pytest.raises(Conflict, match="cycle: n1199 → n0 → n1 → n2"):
        service.add_dependency("n0", "n1199", actor=ME)


async def test_workflow_steps_see_earlier_outputs_and_the_run_is_grouped(make_engine, service, store, monkeypatch):
    seen: dict[str, list[str]] = {}

    from scheduler import actions
    from scheduler.actions.base import ActionResult

    async def echo(action, ctx):
        seen[ctx.task_name] = list(action.argv)
        ctx.output.write("stdout", " ".join(action.argv).encode())
        return ActionResult(ok=True)

    monkeypatch.setitem(actions.runners(), "shell", echo)
    service.create_workflow("report", [
        {"name": "gather", "action": {"kind": "shell", "argv": ["data", "{{ event.data.week }}"]}},
        {"name": "summarize", "action": {"kind": "shell", "argv": ["sum", "{{ steps.gather.output }}"]},
         "after": ["gather"]},
    ], actor=ME, triggers=[{"kind": "event", "event": "week.closed"}])
    engine = await _started(make_engine, service)
    service.emit("week.closed", {"week": 47}, actor=ME)
    await engine.run_until_idle()
    assert seen["report/gather"] == ["data", "47"]
    assert seen["report/summarize"] == ["sum", "data 47"]
    (run,) = service.workflow_runs("report")
    assert run.status == "completed" and set(run.steps) == {"gather", "summarize"}
    assert {r.workflow_run_id for r in run.steps.values()} == {run.run.run_id}


async def test_step_output_containing_template_syntax_is_not_rendered_again(make_engine, service, store, monkeypatch):
    from scheduler import actions
    from scheduler.actions.base import ActionResult

    seen: list[list[str]] = []

    async def echo(action, ctx):
        seen.append(list(action.argv))
        ctx.output.write("stdout", b"{{ 7 * 7 }}")
        return ActionResult(ok=True)

    monkeypatch.setitem(actions.runners(), "shell", echo)
    service.create_workflow("wf", [
        {"name": "one", "action": {"kind": "shell", "argv": ["one"]}},
        {"name": "two", "action": {"kind": "shell", "argv": ["{{ steps.one.output }}"]}, "after": ["one"]},
    ], actor=ME)
    engine = await _started(make_engine, service)
    service.run_now("wf", actor=ME)
    await engine.run_until_idle()
    assert seen[-1] == ["{{ 7 * 7 }}"]


async def test_hostile_template_fails_the_step_not_the_engine(make_engine, service, store, monkeypatch):
    service.create_workflow("evil", [
        {"name": "x", "action": {"kind": "reminder", "message": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}},
        {"name": "y", "action": {"kind": "reminder", "message": "{{ 'a' * 10**9 }}"}},
    ], actor=ME)
    engine = await _started(make_engine, service)
    service.run_now("evil", actor=ME)
    await engine.run_until_idle()
    statuses = _statuses(store)
    assert statuses["x"] == "failed" and statuses["y"] == "failed"
    run = service.workflow_runs("evil")[0]
    assert run.status == "failed"
    assert "unsafe" in run.steps["x"].error or "template" in run.steps["x"].error


async def test_workflow_parallel_branches_are_bounded(make_engine, service, store, runner):
    runner.outcomes = {f"s{i}": ["block"] for i in range(4)}
    service.create_workflow("fan", [{"name": "root", "action": {"kind": "noop"}}] + [
        {"name": f"s{i}", "action": {"kind": "noop"}, "after": ["root"]} for i in range(4)
    ], actor=ME, max_parallel=2)
    engine = await _started(make_engine, service)
    service.run_now("fan", actor=ME)
    for _ in range(6):
        await engine.tick()
        for _ in range(20):  # let the launched steps reach the runner
            await asyncio.sleep(0)
    assert max(len(o) for o in runner.overlaps) == 2
    runner.release.set()
    await engine.run_until_idle()
    assert service.workflow_runs("fan")[0].status == "completed"


async def test_event_runs_carry_the_payload_and_debounce_holds(make_engine, service, store, clock):
    _task(service, "on-deploy", triggers=[{"kind": "event", "event": "deploy.done", "debounce": 60}])
    engine = await _started(make_engine, service)
    first = service.emit("deploy.done", {"sha": "abc"}, actor=ME)
    second = service.emit("deploy.done", {"sha": "def"}, actor=ME)
    await engine.run_until_idle()
    assert len(first.runs) == 1 and second.runs == []
    (run,) = store.list_runs()
    assert run.reason == RunReason.EVENT and run.context == {"event": {"name": "deploy.done", "data": {"sha": "abc"}}}
    clock.advance(timedelta(seconds=61))
    assert len(service.emit("deploy.done", {}, actor=ME).runs) == 1


async def test_task_outcome_events_fire_listeners_but_never_the_task_itself(make_engine, service, store, runner):
    _task(service, "backup")
    _task(service, "notify", triggers=[{"kind": "event", "event": "task.failed:backup"}])
    _task(service, "audit", triggers=[{"kind": "event", "event": "task.completed"}])
    runner.outcomes = {"backup": ["fail"]}
    engine = await _started(make_engine, service)
    service.run_now("backup", actor=ME)
    await engine.run_until_idle()
    statuses = _statuses(store)
    assert statuses["notify"] == "completed"
    # audit fired for notify's completion, and not for its own (never fires on itself)
    audit_runs = store.list_runs(task_id=service.get_task("audit").task_id)
    assert len(audit_runs) == 1 and audit_runs[0].context["event"]["data"]["task"] == "notify"


def test_static_event_loops_are_refused(service):
    _task(service, "ping")
    _task(service, "pong", triggers=[{"kind": "event", "event": "task.completed:ping"}])
    with pytest.raises(Conflict, match="ping → pong → ping"):
        service.update_task("ping", {"triggers": [{"kind": "event", "event": "task.completed:pong"}]}, actor=ME)
    with pytest.raises(Conflict, match="its own outcome"):
        service.update_task("ping", {"triggers": [{"kind": "event", "event": "task.completed:ping"}]}, actor=ME)


async def test_dynamic_event_loop_is_cut_at_ten_hops_and_reported(make_engine, service, store, monkeypatch, notifier):
    from scheduler import actions
    from scheduler.actions.base import ActionResult

    async def calls_itself(action, ctx):  # like a task that calls its own webhook with its run id
        service.emit("ping", {}, actor=ME, caused_by_run_id=ctx.run_id)
        return ActionResult(ok=True)

    monkeypatch.setitem(actions.runners(), "noop", calls_itself)
    _task(service, "echo", triggers=[{"kind": "event", "event": "ping"}])
    engine = await _started(make_engine, service)
    service.emit("ping", {}, actor=ME)
    await engine.run_until_idle()
    engine.wake()  # the notice goes out with the engine's next look at the store
    await engine.run_until_idle()
    runs = store.list_runs(limit=100)
    assert len([r for r in runs if r.status == RunStatus.COMPLETED]) == 11  # depth 0..10
    cut = [r for r in runs if r.status == RunStatus.SKIPPED]
    assert len(cut) == 1 and "over the limit of 10" in cut[0].error
    assert any("over the limit" in n.text for n in notifier.sent)


def test_webhook_called_by_a_run_continues_its_causal_chain(service, store):
    _task(service, "caller")
    run = service.run_now("caller", actor=ME)
    _task(service, "listener", triggers=[{"kind": "event", "event": "hook.hit"}])
    (created,) = service.emit("hook.hit", {}, actor=ME, caused_by_run_id=run.run_id).runs
    assert created.caused_by_run_id == run.run_id and created.chain_depth == 1
    (fresh,) = service.emit("hook.hit", {}, actor=ME, caused_by_run_id=999_999).runs  # unknown: new chain
    assert fresh.caused_by_run_id is None and fresh.chain_depth == 0

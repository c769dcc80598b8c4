"""AI tasks can't run away through events (issue 14, item 1): a task an AI run makes with a
reactive trigger is held to the floor of time triggers, and every AI run, however triggered,
has a run rate and an hourly budget of model calls and tokens per owner; past it runs are
skipped with the reason and the owner is told once."""

from __future__ import annotations

from datetime import timedelta

from fakes.chat_model import ScriptedChatModel, by_rules, call

from agent.ai_runner import AgentAIRunner
from scheduler.access import BUDGET_SKIP, AIRunBudget, Role
from scheduler.models import RunStatus, TaskStatus
from scheduler.service import Actor
from scheduler.triggers import EventTrigger

ADMIN = Actor("root", Role.ADMIN)


def _model() -> ScriptedChatModel:
    """The parent AI task makes an AI task that fires on every task's completion (the issue's
    runaway); the child's own runs just answer."""
    return ScriptedChatModel(tokens_per_call=100, respond=by_rules([
        (r"watch everything", lambda m: [call("create_task", kind="ai", name="echo", on_event="task.completed",
                                              prompt="say what completed")]),
        (r"say what completed", lambda m: "something completed"),
        (r"do the job", lambda m: "done"),
    ]))


async def _engine_with(service, engine_for, model, budget=None):
    engine = engine_for()
    engine.ai_runner = AgentAIRunner(service, model, notifier=engine.notifier)
    if budget is not None:
        engine.ai_budget = budget
    await engine.start()
    return engine


def _make_parent_and_ticker(service, alice):
    # The runaway: a task completing every second (the minimum interval lowered to 1 s,
    # as an admin may, so the events come as fast as they did then).
    service.rules.min_interval = timedelta(seconds=1)
    parent = service.create_task(service.build_spec({
        "name": "parent", "triggers": [], "action": {"kind": "ai", "prompt": "watch everything"}}), actor=alice)
    ticker = service.create_task(service.build_spec({
        "name": "ticker", "triggers": [{"kind": "interval", "every": "PT1S"}],
        "action": {"kind": "reminder", "message": "tick"}}), actor=alice)
    return parent, ticker


async def _seconds(engine, clock, n: int) -> None:
    for _ in range(n):
        clock.advance(timedelta(seconds=1))
        await engine.run_until_idle()


def _runs(service, task_id, status=None):
    return [r for r in service.list_runs(actor=ADMIN, limit=10_000) if r.task_id == task_id
            and (status is None or r.status == status)]


def _budget_notices(notifier):
    return [n for n in notifier.sent if n.text.startswith("I skipped run")]


async def test_an_ai_made_event_task_gets_the_floor_and_runs_at_most_once_in_15_seconds(
    service, engine_for, alice, clock, notifier
):
    parent, _ticker = _make_parent_and_ticker(service, alice)
    engine = await _engine_with(service, engine_for, _model())
    service.run_now(str(parent.task_id), actor=alice)
    await engine.run_until_idle()
    echo = service.get_task("echo")
    assert echo.created_by_run_id is not None and echo.status == TaskStatus.ACTIVE
    [trigger] = echo.triggers
    assert isinstance(trigger, EventTrigger) and trigger.debounce == timedelta(minutes=15)
    await _seconds(engine, clock, 15)
    assert len(_runs(service, echo.task_id, RunStatus.COMPLETED)) <= 1  # was 211 in 15 s


async def test_past_the_floor_runs_are_skipped_with_the_reason_and_the_owner_told_once(
    service, engine_for, alice, clock, notifier
):
    parent, _ticker = _make_parent_and_ticker(service, alice)
    engine = await _engine_with(service, engine_for, _model())
    service.run_now(str(parent.task_id), actor=alice)
    await engine.run_until_idle()
    # A person takes the debounce off: the run floor still holds for a task an AI run made.
    echo = service.get_task("echo")
    service.update_task(str(echo.task_id), {"triggers": [{"kind": "event", "event": "task.completed"}]},
                        actor=alice)
    assert service.get_task("echo").triggers[0].debounce is None
    await _seconds(engine, clock, 15)
    completed = _runs(service, echo.task_id, RunStatus.COMPLETED)
    skipped = _runs(service, echo.task_id, RunStatus.SKIPPED)
    assert len(completed) <= 1
    assert len(skipped) >= 10
    assert all(r.error.startswith(BUDGET_SKIP) and "at most every 15 minutes" in r.error for r in skipped)
    [notice] = _budget_notices(notifier)
    assert notice.owner == "alice" and "echo" in notice.text and "15 minutes" in notice.text
    # A new engine (a restart) does not tell the owner again within the hour: the rows remember.
    engine2 = await _engine_with(service, engine_for, _model())
    await _seconds(engine2, clock, 3)
    assert len(_budget_notices(notifier)) == 1


async def test_the_owners_hourly_token_budget_stops_any_ai_task_and_comes_back(
    service, engine_for, alice, clock, notifier
):
    task = service.create_task(service.build_spec({
        "name": "digest", "triggers": [{"kind": "interval", "every": "PT1M"}],
        "action": {"kind": "ai", "prompt": "do the job"}}), actor=alice)
    budget = AIRunBudget(tokens_per_owner_per_hour=250, model_calls_per_owner_per_hour=1000)
    engine = await _engine_with(service, engine_for, _model(), budget=budget)
    for _ in range(10):
        clock.advance(timedelta(minutes=1))
        await engine.run_until_idle()
    completed = _runs(service, task.task_id, RunStatus.COMPLETED)
    skipped = _runs(service, task.task_id, RunStatus.SKIPPED)
    assert len(completed) == 3  # 100 tokens each: the third reaches 300 ≥ 250
    assert len(skipped) == 7 and all("model tokens in the last hour" in r.error for r in skipped)
    assert completed[0].result["model_calls"] == 1
    assert len(_budget_notices(notifier)) == 1
    clock.advance(timedelta(hours=1))  # the window moves on: the task runs again
    await engine.run_until_idle()
    assert len(_runs(service, task.task_id, RunStatus.COMPLETED)) == 4


async def test_a_person_made_ai_task_has_a_run_rate_limit_per_hour(service, engine_for, alice, clock, notifier):
    task = service.create_task(service.build_spec({
        "name": "chatty", "triggers": [{"kind": "event", "event": "ping"}],
        "action": {"kind": "ai", "prompt": "do the job"}}), actor=alice)
    budget = AIRunBudget(runs_per_task_per_hour=3)
    engine = await _engine_with(service, engine_for, _model(), budget=budget)
    for _ in range(6):
        service.flows.emit("ping", {}, actor=alice)
        clock.advance(timedelta(seconds=5))
        await engine.run_until_idle()
    assert len(_runs(service, task.task_id, RunStatus.COMPLETED)) == 3
    skipped = _runs(service, task.task_id, RunStatus.SKIPPED)
    assert len(skipped) == 3 and all("ran 3 times in the last hour" in r.error for r in skipped)
    assert len(_budget_notices(notifier)) == 1

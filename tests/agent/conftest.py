"""Fixtures for the agent: a service on the parametrized store, the assistant (offline or with a
scripted model), an engine that runs AI tasks, and the guard against real model calls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.chat_model import forbid_real_models
from fakes.notifier import RecordingNotifier

from agent.assistant import Assistant
from agent.messages import InboundMessage
from scheduler.actions.base import ActionConfig
from scheduler.clock import FakeClock
from scheduler.engine import Engine
from scheduler.models import Task
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

ZONE = "Europe/Berlin"
ALICE = Actor("alice", Role.MEMBER, origin={"via": "slack", "conversation": {"platform": "slack", "channel": "C1"},
                                            "message": "set it up"})


@pytest.fixture(autouse=True)
def no_real_models(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_real_models(monkeypatch)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def service(store: Store, clock: FakeClock) -> Service:
    return Service(store, clock=clock, default_timezone="UTC", sql_databases=["analytics"])


@pytest.fixture
async def say(store_url: str, service: Service) -> AsyncIterator[Callable[..., Any]]:
    """``await say(text, model=None, **message fields)`` → OutboundMessage, one assistant per model."""
    assistants: dict[int, Assistant] = {}

    async def send(text: str, *, model: Any = None, **fields: Any) -> Any:
        key = id(model)
        if key not in assistants:
            assistants[key] = Assistant(service, model=model, default_timezone=ZONE, database_url=store_url)
        data: dict[str, Any] = {"user": "alice", "role": "member", "timezone": ZONE,
                                "conversation": {"platform": "slack", "team": "T1", "channel": "C1"},
                                "conversation_id": "slack:T1:C1"}
        data.update(fields)
        return await assistants[key].handle(InboundMessage(text=text, **data))

    send.assistants = assistants  # type: ignore[attr-defined]
    yield send
    for assistant in assistants.values():
        await assistant.aclose()


@pytest.fixture
async def engine_for(
    store: Store, clock: FakeClock, tmp_path: Path, notifier: RecordingNotifier, service: Service
) -> AsyncIterator[Callable[..., Engine]]:
    engines: list[Engine] = []

    def build(*, ai_runner: Any = None, config: ActionConfig | None = None) -> Engine:
        engine = Engine(store, config=config or ActionConfig(data_dir=tmp_path / "data"), clock=clock,
                        notifier=notifier, ai_runner=ai_runner)
        service.on_change = engine.wake
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        engine._db.shutdown(wait=False)


@pytest.fixture
def add_task(service: Service) -> Callable[..., Task]:
    """A task owned by alice; keyword overrides on a daily 09:00 reminder."""

    def build(name: str, *, actor: Actor = ALICE, **fields: Any) -> Task:
        data: dict[str, Any] = {"name": name, "timezone": ZONE,
                                "triggers": [{"kind": "cron", "expression": "0 9 * * *"}],
                                "action": {"kind": "reminder", "message": name}}
        data.update(fields)
        return service.create_task(service.build_spec(data), actor=actor)

    return build


@pytest.fixture
async def history(
    service: Service, clock: FakeClock, add_task: Callable[..., Task], engine_for: Callable[..., Engine],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """'backup' failed yesterday and today ("disk full" in its log); 'report' completed yesterday."""
    from scheduler import actions
    from scheduler.actions.base import ActionContext, ActionFailed, ActionResult

    async def runner(action: Any, ctx: ActionContext) -> ActionResult:
        if ctx.task_name == "backup":
            ctx.output.write("stderr", b"rsync: write failed: No space left on device (disk full)\n")
            raise ActionFailed("exit status 1")
        ctx.output.write("stdout", b"report sent\n")
        return ActionResult(ok=True, summary="ok")

    monkeypatch.setitem(actions.runners(), "noop", runner)
    today = clock.now()
    clock.set(today - timedelta(days=1))
    add_task("backup", action={"kind": "noop"}, triggers=[])  # manual runs only: no misfires
    add_task("report", action={"kind": "noop"}, triggers=[])
    engine = engine_for()
    await engine.start()
    runs: dict[str, Any] = {}
    runs["backup_yesterday"] = service.run_now("backup", actor=ALICE).run_id
    await engine.run_until_idle()
    runs["report_yesterday"] = service.run_now("report", actor=ALICE).run_id
    await engine.run_until_idle()
    clock.set(today)
    runs["backup_today"] = service.run_now("backup", actor=ALICE).run_id
    await engine.run_until_idle()
    return runs


@pytest.fixture
def alice() -> Actor:
    """Alice, a member, speaking in Slack channel C1."""
    return ALICE

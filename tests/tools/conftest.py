"""Fixtures for the tools: a service on the parametrized store, tool contexts for a person and
for an AI run, recorded runs, and the guard against real model calls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.chat_model import forbid_real_models

from scheduler.actions.base import ActionConfig
from scheduler.clock import FakeClock
from scheduler.engine import Engine
from scheduler.service import Actor, Role, Service
from scheduler.store import Store
from tools.context import ToolContext

ORIGIN = {"via": "slack", "conversation": {"platform": "slack", "channel": "C1"},
          "message": "remind me every Monday at 9am to send the report"}


@pytest.fixture(autouse=True)
def no_real_models(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_real_models(monkeypatch)


@pytest.fixture
def service(store: Store, clock: FakeClock) -> Service:
    return Service(store, clock=clock, default_timezone="UTC", sql_databases=["analytics"])


@pytest.fixture
def ctx(service: Service) -> Callable[..., ToolContext]:
    """``ctx(user="alice", role="member", ai_run_id=None, zone="Europe/Berlin")``."""

    def build(user: str = "alice", role: str = "member", *, ai_run_id: int | None = None,
              zone: str = "Europe/Berlin", turn: int = 1) -> ToolContext:
        actor = Actor(user, Role(role), ai_run_id=ai_run_id, origin=None if ai_run_id else ORIGIN)
        return ToolContext(service=service, actor=actor, timezone=zone, turn=turn)

    return build


@pytest.fixture
async def ran(
    service: Service, store: Store, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., Any]]:
    """``await ran(task_name, ok=False, output="…")``: one manual run of a noop task, its outcome
    and output scripted, run through the real engine."""
    from scheduler import actions
    from scheduler.actions.base import ActionContext, ActionFailed, ActionResult

    outcomes: dict[str, tuple[bool, str]] = {}

    async def runner(action: Any, run_ctx: ActionContext) -> ActionResult:
        ok, output = outcomes[run_ctx.task_name]
        run_ctx.output.write("stdout", output.encode())
        if not ok:
            raise ActionFailed("exit status 1")
        return ActionResult(ok=True, summary="ok")

    monkeypatch.setitem(actions.runners(), "noop", runner)
    engine = Engine(store, config=ActionConfig(data_dir=tmp_path / "data"), clock=clock)
    service.on_change = engine.wake
    await engine.start()
    owner = Actor("alice", Role.MEMBER)

    async def run(name: str, *, ok: bool = True, output: str = "", ago: timedelta = timedelta(0)) -> int:
        try:
            service.get_task(name)
        except Exception:
            service.create_task(service.build_spec({"name": name, "action": {"kind": "noop"}}), actor=owner)
        outcomes[name] = (ok, output)
        now = clock.now()
        clock.set(now - ago)
        run_id = service.run_now(name, actor=owner).run_id
        await engine.run_until_idle()
        clock.set(now)
        return run_id

    yield run
    engine._db.shutdown(wait=False)

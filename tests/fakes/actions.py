"""Controllable stand-ins for the noop action's runner, so engine tests decide how long a run
takes (in fake time) and whether it fails."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from scheduler import actions
from scheduler.actions.base import ActionContext, ActionFailed, ActionResult


class ScriptedRunner:
    """Each call takes the next outcome: "ok", "fail", or "block" (wait until released)."""

    def __init__(self, outcomes: list[str] | None = None, default: str = "ok") -> None:
        self._outcomes: Iterator[str] = iter(outcomes or [])
        self.default = default
        self.calls: list[int] = []
        self.running = 0
        self.max_running = 0
        self.release = asyncio.Event()

    async def __call__(self, action: Any, ctx: ActionContext) -> ActionResult:
        self.calls.append(ctx.run_id)
        outcome = next(self._outcomes, self.default)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            if outcome == "block":
                await self.release.wait()
            if outcome == "fail":
                raise ActionFailed(f"scripted failure on attempt {ctx.attempt}")
            return ActionResult(ok=True, summary="ok")
        finally:
            self.running -= 1


def install(monkeypatch: Any, runner: ScriptedRunner, kind: str = "noop") -> ScriptedRunner:
    monkeypatch.setitem(actions.runners(), kind, runner)
    return runner


class PerTaskRunner:
    """Outcomes by task name: {"b": ["fail", "ok"]}; others succeed. Records who ran and the
    most that ran at once; "block" waits for ``release``."""

    def __init__(self, outcomes: dict[str, list[str]] | None = None) -> None:
        self.outcomes = {k: list(v) for k, v in (outcomes or {}).items()}
        self.order: list[str] = []
        self.running: set[str] = set()
        self.overlaps: list[set[str]] = []
        self.release = asyncio.Event()
        self.contexts: dict[str, Any] = {}

    async def __call__(self, action: Any, ctx: ActionContext) -> ActionResult:
        name = ctx.task_name.rsplit("/", 1)[-1]
        self.order.append(name)
        script = self.outcomes.get(name) or []
        outcome = script.pop(0) if script else "ok"
        self.running.add(name)
        self.overlaps.append(set(self.running))
        try:
            if outcome == "block":
                await self.release.wait()
            if outcome == "fail":
                raise ActionFailed(f"{name} broke")
            ctx.output.write("stdout", f"{name}-output".encode())
            return ActionResult(ok=True)
        finally:
            self.running.discard(name)

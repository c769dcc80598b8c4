"""Action kinds, one module each; ``execute`` dispatches on the action's ``kind``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .base import ActionConfig, ActionContext, ActionFailed, ActionResult, OutputCapture

Runner = Callable[[Any, ActionContext], Awaitable[ActionResult]]


def _registry() -> dict[str, Runner]:
    from . import ai, email, http, noop, reminder, shell, sql, workflow

    return {
        "noop": noop.run,
        "reminder": reminder.run,
        "shell": shell.run,
        "http": http.run,
        "sql": sql.run,
        "email": email.run,
        "ai": ai.run,
        "workflow": workflow.run,
    }


_RUNNERS: dict[str, Runner] | None = None


def runners() -> dict[str, Runner]:
    """The runner of each action kind (tests swap one in with ``monkeypatch.setitem``)."""
    global _RUNNERS
    if _RUNNERS is None:
        _RUNNERS = _registry()
    return _RUNNERS


async def execute(action: Any, ctx: ActionContext) -> ActionResult:
    """Run ``action`` with ``ctx``; the engine wraps this in its timeout and failure guard."""
    return await runners()[action.kind](action, ctx)


__all__ = ["ActionConfig", "ActionContext", "ActionFailed", "ActionResult", "OutputCapture", "execute", "runners"]

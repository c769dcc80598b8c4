"""Condition triggers: a check (shell, http or sql) run every ``every``; the task fires when the
check turns true, not on every true poll.

* True means exit 0 (shell), a 2xx status (http), a first cell that is truthy (sql: not NULL,
  false, 0, "", "0", "f", "false", "no" or "off"; no rows is false). Anything else, including a
  check that fails to run or passes its timeout, is false.
* The first check ever that is true counts as a turn to true (there was no earlier value).
  The last value is kept in the store, so a restart does not fire again on a condition that
  was already true; a trigger that is changed starts afresh.
* Checks are due at (the last check, or when the trigger was first seen) + ``every``, on the
  engine's clock. They run in the background, each bounded by min(every, 60 s), so a slow
  check never holds up the engine's schedule, heartbeats or leases. ``settle`` waits for the
  ones in flight (tests, benchmarks).
* A sql check is always read-only, whatever its ``allow_writes`` says: checking must not write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .. import actions
from ..actions.base import ActionConfig, ActionContext, ActionFailed, OutputCapture
from ..errors import CronpilotError
from ..models import RunReason, Task
from ..ports import SecretSource
from ..secret_refs import secrets_for_run
from ..store_ports import ConditionStore
from ..triggers import ConditionTrigger
from ..wording import duration_text
from .subscription import Fire, Subscription

log = logging.getLogger(__name__)
StoreCall = Callable[..., Awaitable[Any]]

MAX_CHECK_TIME = timedelta(seconds=60)
APPROVAL_KINDS = frozenset({"shell", "http", "sql"})
_FALSE_TEXT = frozenset({"", "0", "f", "false", "no", "off", "n"})


def is_truthy_cell(value: Any) -> bool:
    """Truthiness of a sql result cell as the sql action reports it (JSON values; decimals and
    dates arrive as text)."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _FALSE_TEXT:
            return False
        try:
            return float(text) != 0
        except ValueError:
            return True
    return bool(value)


@dataclass(frozen=True)
class Verdict:
    value: bool
    summary: str | None = None
    cell: Any = None  # the first cell, for a sql check


@dataclass
class _Check:
    sub: Subscription
    trigger: ConditionTrigger
    task: Task
    due_at: datetime
    last: bool | None = None  # None: not known in this process yet
    fresh: bool = False  # a replaced trigger: the stored value was the old check's
    job: asyncio.Task[None] | None = None


class ConditionChecks:
    """The condition source: ``reconcile`` with the wanted triggers, ``launch_due`` on each
    engine tick (times on the engine's clock, aware UTC), ``settle`` and ``stop``."""

    def __init__(
        self, fire: Fire, *, store: ConditionStore, store_call: StoreCall, config: ActionConfig,
        now: Callable[[], datetime], secrets: SecretSource | None = None,
    ) -> None:
        self._fire = fire
        self._secrets = secrets
        self._store = store
        self._call = store_call  # runs a store method on the engine's store thread
        self._config = config
        self._now = now
        self._checks: dict[Subscription, _Check] = {}
        self._refused: set[Subscription] = set()

    async def reconcile(self, wanted: dict[Subscription, tuple[Task, ConditionTrigger]]) -> None:
        now = self._now()
        slots = {(s.task_id, s.index) for s in self._checks}
        for sub in set(self._checks) - set(wanted):
            await _cancel(self._checks.pop(sub))
        for sub, (task, trigger) in wanted.items():
            check = self._checks.get(sub)
            if check is not None:
                check.task = task  # same trigger; the task's other fields may have changed
                continue
            replaced = (sub.task_id, sub.index) in slots
            self._checks[sub] = _Check(sub, trigger, task, due_at=now + trigger.every, fresh=replaced)

    def launch_due(self, now: datetime) -> None:
        """Start every check due at ``now`` that is not already running."""
        for check in self._checks.values():
            if check.job is None and check.due_at <= now:
                check.job = asyncio.ensure_future(self._run(check, now))

    def next_check_at(self) -> datetime | None:
        due = [c.due_at for c in self._checks.values() if c.job is None]
        return min(due) if due else None

    async def settle(self) -> None:
        """Wait for the checks in flight (and the runs they fire) to be recorded."""
        jobs = [c.job for c in self._checks.values() if c.job is not None]
        if jobs:
            await asyncio.gather(*jobs, return_exceptions=True)

    async def stop(self) -> None:
        checks, self._checks = list(self._checks.values()), {}
        for check in checks:
            await _cancel(check)

    async def _run(self, check: _Check, started_at: datetime) -> None:
        sub = check.sub
        where = {"task_id": sub.task_id, "trigger_index": sub.index}
        try:
            verdict = await self._evaluate(check)
            previous = check.last
            if previous is None and not check.fresh:
                previous = await self._call(self._store.condition_value, sub.task_id, sub.index)
            await self._call(self._store.set_condition_value, sub.task_id, sub.index, verdict.value,
                             now=started_at)
            check.last = verdict.value
            if verdict.value and not previous:
                payload: dict[str, Any] = {"check": check.trigger.check.kind, "summary": verdict.summary}
                if check.trigger.check.kind == "sql":
                    payload["value"] = verdict.cell
                await self._fire(sub.task_id, reason=RunReason.CONDITION,
                                 event=f"condition:{check.trigger.check.kind}", payload=payload,
                                 debounce=None)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("condition check of task %s could not be recorded", sub.task_id, extra=where,
                        exc_info=True)
        finally:
            check.due_at = started_at + check.trigger.every
            check.job = None

    async def _evaluate(self, check: _Check) -> Verdict:
        """Run the check; any failure to run it is a false verdict, logged."""
        task, sub = check.task, check.sub
        where = {"task_id": sub.task_id, "trigger_index": sub.index}
        action = check.trigger.check
        if action.kind in APPROVAL_KINDS and task.created_by_run_id is not None and not task.approved_by:
            if sub not in self._refused:
                self._refused.add(sub)
                log.warning("condition of task %s not checked: an AI-created %s check needs a "
                            "person's approval", sub.task_id, action.kind, extra=where)
            return Verdict(False, "not approved")
        if action.kind == "sql" and action.allow_writes:
            action = action.model_copy(update={"allow_writes": False})
        limit = min(check.trigger.every, MAX_CHECK_TIME)
        log_path = self._config.data_dir / "conditions" / f"task-{sub.task_id}-{sub.index}.log"
        output = OutputCapture(log_path, limit=4096, log_limit=64 * 1024)
        ctx = ActionContext(run_id=0, task_id=task.task_id, task_name=task.name, owner=task.owner,
                            attempt=1, timeout=limit, config=self._config, output=output)
        masker = None
        try:
            prepared = await secrets_for_run(
                action, owner=task.owner, config=self._config, source=self._secrets,
                approved=task.created_by_run_id is None or task.approved_by is not None)
            masker = ctx.secrets = prepared.masker
            output.mask_with(masker)
            ctx.config = prepared.config
            result = await asyncio.wait_for(actions.execute(prepared.action, ctx),
                                            limit.total_seconds())
        except TimeoutError:
            log.info("condition check of task %s timed out", sub.task_id, extra=where)
            return Verdict(False, f"timed out after {duration_text(limit)}")
        except (ActionFailed, CronpilotError) as exc:
            reason = masker.text(str(exc)) if masker else str(exc)
            log.info("condition check of task %s failed: %s", sub.task_id, reason, extra=where)
            return Verdict(False, reason)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            reason = masker.text(reason) if masker else reason
            log.warning("condition check of task %s crashed: %s", sub.task_id, reason, extra=where)
            return Verdict(False, reason)
        finally:
            output.close()
            with contextlib.suppress(OSError):
                log_path.unlink(missing_ok=True)  # a throwaway capture: checks keep no logs
        if masker:
            result.summary = masker.text(result.summary) if result.summary else result.summary
            result.data = masker.data(result.data)
        if not result.ok:
            return Verdict(False, result.summary)
        if action.kind == "sql":
            rows = result.data.get("rows") or []
            cell = rows[0][0] if rows and rows[0] else None
            return Verdict(bool(rows) and is_truthy_cell(cell), result.summary, cell)
        return Verdict(True, result.summary)


async def _cancel(check: _Check) -> None:
    if check.job is not None:
        check.job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await check.job

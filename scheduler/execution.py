"""Running one claimed run: the action under its timeout, every failure turned into an outcome."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from . import actions
from .access import BUDGET_SKIP, AIRunBudget, AIUsage
from .actions.base import ActionConfig, ActionContext, ActionFailed, OutputCapture
from .errors import CronpilotError
from .models import RunReason, RunStatus, Task
from .ports import AIRunner, Notifier, SecretSource
from .redaction import SecretMasker
from .secret_refs import SECRET_KINDS, secrets_for_run
from .store.records import RunOutcome
from .templating import TemplateFailed, render_action
from .wording import duration_text, repeat_text, time_text

log = logging.getLogger(__name__)


SHUTDOWN_REASON = "stopped: cronpilot shut down during the run"
# The cancel message of a run stopped by its caller's timeout watch (``enforce_timeout=False``).
TIMEOUT_REASON = "cronpilot: the run's timeout passed"


async def execute_run(
    task: Task,
    *,
    run_id: int,
    attempt: int,
    scheduled_for: datetime | None,
    reason: RunReason,
    config: ActionConfig,
    now: Callable[[], datetime],
    notifier: Notifier | None,
    ai_runner: AIRunner | None,
    context: dict[str, Any] | None = None,
    secrets: SecretSource | None = None,
) -> RunOutcome:
    """Execute ``task``'s action for run ``run_id`` and describe how it ended. Never raises
    except ``asyncio.CancelledError`` for a cancellation that is not ours to record.

    The caller watches the task's timeout (the engine does, for all its runs with one timer,
    cheaper than a timer per run) and cancels the run with ``TIMEOUT_REASON`` when it passes.

    Secrets the task refers to are read from ``secrets`` now, put into the action for this run
    only, and masked in its output, error, traceback and result."""
    output = OutputCapture(partial(_log_path, config.data_dir, run_id),
                           limit=config.output_limit, log_limit=config.log_limit)
    ctx = ActionContext(
        run_id=run_id, task_id=task.task_id, task_name=task.name, owner=task.owner,
        attempt=attempt, timeout=task.timeout, config=config, output=output,
        notifier=notifier, ai_runner=ai_runner, idempotency_key=f"cronpilot-run-{run_id}",
        destination=task.destination,
        late_note=_late_note(task, scheduled_for, now()) if reason == RunReason.CATCH_UP else None,
        delivery_key=delivery_key(task.task_id, scheduled_for, run_id),
    )
    started = now()
    outcome = RunOutcome(
        run_id=run_id, task_id=task.task_id, status=RunStatus.COMPLETED, finished_at=started,
        attempt=attempt, scheduled_for=scheduled_for, reason=reason, started_at=started,
    )
    masker: SecretMasker | None = None
    try:
        action = task.action
        values: dict[str, str] = {}
        if action.kind in SECRET_KINDS:  # the only kinds that may use secrets: others skip this
            prepared = await secrets_for_run(
                action, owner=task.owner, config=config, source=secrets,
                approved=task.created_by_run_id is None or task.approved_by is not None,
                templated=bool(context),
            )
            masker = ctx.secrets = prepared.masker
            output.mask_with(masker)
            ctx.config, action, values = prepared.config, prepared.action, prepared.context_values
        if context:
            action = render_action(action, {**context, "secrets": values} if values else context)
        result = await actions.execute(action, ctx)
        outcome.result = result.data or None
        if result.summary:
            outcome.result = {**(outcome.result or {}), "summary": result.summary}
        if not result.ok:
            outcome.status = RunStatus.FAILED
            outcome.error = result.error or result.summary or "the action reported a failure"
    except (ActionFailed, TemplateFailed, CronpilotError) as exc:
        outcome.status = RunStatus.FAILED
        outcome.error = str(exc)
    except asyncio.CancelledError as exc:
        if exc.args and exc.args[0] == TIMEOUT_REASON:
            outcome.status = RunStatus.FAILED
            outcome.error = f"timed out after {duration_text(task.timeout)}"
        else:
            outcome.status = RunStatus.CANCELLED
            outcome.error = str(exc.args[0]) if exc.args else "cancelled"
    except Exception as exc:
        outcome.status = RunStatus.FAILED
        outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.traceback = traceback.format_exc()
        # The traceback, not exc_info: it is masked below before anything writes it out.
        log.warning("run crashed: %s", masker.text(outcome.error) if masker else outcome.error,
                    extra={"run_id": run_id, "task_id": task.task_id})
    finally:
        output.close()
    outcome.finished_at = now()
    outcome.stdout = output.text("stdout")
    outcome.stderr = output.text("stderr")
    outcome.log_path = str(output.log_path) if output.has_log else None
    if masker:
        _mask_outcome(outcome, masker)
    interrupted = outcome.status == RunStatus.CANCELLED and outcome.error == SHUTDOWN_REASON
    if (outcome.status == RunStatus.FAILED or interrupted) and attempt < task.retry.max_attempts:
        outcome.retry_due_at = outcome.finished_at + task.retry.delay_before(attempt + 1)
    return outcome


def delivery_key(task_id: int, scheduled_for: datetime | None, run_id: int) -> str:
    """What a run delivers is one message across its retries: a fire's retries share its task
    and fire time (a manual run's retries are keyed by their own run)."""
    if scheduled_for is None:
        return f"run-{run_id}"
    return f"task-{task_id}@{scheduled_for.astimezone(UTC).isoformat()}"


def _mask_outcome(outcome: RunOutcome, masker: SecretMasker) -> None:
    """Output was masked as it was written; what the action returned or raised is masked here."""
    outcome.error = masker.text(outcome.error) if outcome.error else outcome.error
    outcome.traceback = masker.text(outcome.traceback) if outcome.traceback else outcome.traceback
    if outcome.result:
        outcome.result = masker.data(outcome.result)


def _log_path(data_dir: Path, run_id: int) -> Path:
    return data_dir / "logs" / f"{run_id}.log"


def _late_note(task: Task, scheduled_for: datetime | None, now: datetime) -> str | None:
    """'missed at 09:00 while offline' (with the day when it was not today), in the task's zone."""
    if scheduled_for is None:
        return None
    due = scheduled_for.astimezone(task.zone)
    today = now.astimezone(task.zone).date()
    when = f"{due:%H:%M}" if due.date() == today else time_text(scheduled_for, task.timezone, now=now)
    return f"missed at {when} while offline"


def ai_budget_refusal(budget: AIRunBudget, usage: AIUsage, *, ai_made: bool, now: datetime) -> str | None:
    """Why a run of an AI task is skipped instead of started (its error), or None: the budgets
    hold however the task is triggered (an event, a file, a condition, a schedule)."""
    if ai_made and usage.last_task_run_at is not None and now - usage.last_task_run_at < budget.ai_made_min_interval:
        return (f"{BUDGET_SKIP}: a task an AI run made runs at most "
                f"{repeat_text(budget.ai_made_min_interval)} (CRONPILOT_AI_MIN_INTERVAL)")
    if usage.task_runs >= budget.runs_per_task_per_hour:
        return (f"{BUDGET_SKIP}: this task already ran {usage.task_runs} times in the last hour "
                f"(limit {budget.runs_per_task_per_hour}, CRONPILOT_AI_RUNS_PER_HOUR)")
    if usage.model_calls >= budget.model_calls_per_owner_per_hour:
        return (f"{BUDGET_SKIP}: the owner's AI tasks made {usage.model_calls} model calls in the last hour "
                f"(limit {budget.model_calls_per_owner_per_hour}, CRONPILOT_AI_MODEL_CALLS_PER_HOUR)")
    if usage.tokens >= budget.tokens_per_owner_per_hour:
        return (f"{BUDGET_SKIP}: the owner's AI tasks used {usage.tokens} model tokens in the last hour "
                f"(limit {budget.tokens_per_owner_per_hour}, CRONPILOT_AI_TOKENS_PER_HOUR)")
    return None


def budget_notice_text(task: Task, run_id: int, refusal: str) -> str:
    """What the owner is told, once per budget window, when an AI run is skipped."""
    why = refusal.removeprefix(f"{BUDGET_SKIP}: ")
    return (f"I skipped run {run_id} of the AI task '{task.name}' (task #{task.task_id}): {why}. "
            "Further AI runs over the budget in the next hour are skipped without another message; "
            "`cronpilot runs` lists them.")

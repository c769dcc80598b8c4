"""Tasks and their runs in words: what a task does, where it came from, how a run ended (its
status said once), and the one apology."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.models import Run, RunReason, RunStatus, Task
from scheduler.wording import SORRY, action_text, provenance, run_outcome, run_reason

AT = datetime(2026, 1, 5, 22, 25, tzinfo=UTC)


def task(action: dict, **fields) -> Task:
    data = {"task_id": 1, "name": "job", "timezone": "Europe/Berlin", "action": action, "owner": "alice",
            "created_by": "alice", "modified_by": "alice", "created_at": AT, "updated_at": AT}
    return Task.model_validate(data | fields)


@pytest.mark.parametrize(("action", "text"), [
    ({"kind": "reminder", "message": "stretch"}, "remind: stretch"),
    ({"kind": "shell", "argv": ["./backup.sh", "--full"]}, "run: ./backup.sh --full"),
    ({"kind": "shell", "argv": ["df -h | tail -1"], "use_shell": True}, "sh -c: df -h | tail -1"),
    ({"kind": "http", "url": "https://example.com/ping"}, "GET https://example.com/ping"),
    ({"kind": "sql", "database": "reports", "statement": "select 1"}, "SQL on reports: select 1"),
    ({"kind": "ai", "prompt": "summarise the tickets"}, "AI: summarise the tickets"),
    ({"kind": "ai", "prompt": "x", "template": "digest"}, "AI template 'digest'"),
    ({"kind": "email", "to": ["a@b.c"], "subject": "hi", "body": "b"}, "email a@b.c: hi"),
    ({"kind": "noop"}, "nothing (a no-op)"),
])
def test_action_text_says_what_a_task_does(action, text):
    assert action_text(task(action).action) == text


def test_provenance_of_a_chat_request_in_the_readers_zone():
    origin = {"via": "slack", "conversation": {"platform": "slack", "channel": "C1"},
              "message": "remind me every Monday at 9 to send the report"}
    made = task({"kind": "noop"}, origin=origin)
    assert provenance(made, viewer="alice", viewer_zone="UTC", now=AT) == (
        'created by you in Slack (C1) on Mon 5 Jan 22:25 from "remind me every Monday at 9 to send the report"')
    assert provenance(made, viewer="bob", viewer_zone="Europe/Berlin", now=AT).startswith(
        "created by alice in Slack (C1) on Mon 5 Jan 23:25")


def test_provenance_of_the_command_line_and_of_an_ai_run():
    assert provenance(task({"kind": "noop"}), now=AT) == "created by alice on Mon 5 Jan 23:25 (from the command line)"
    spawned = task({"kind": "noop"}, created_by_run_id=7, spawn_depth=1, origin={"parent_task": 3})
    assert provenance(spawned, now=AT) == "created by AI run 7 of task #3 for alice on Mon 5 Jan 23:25 (depth 1)"


def run(status: RunStatus, *, error: str | None = None, summary: str | None = None) -> Run:
    return Run(run_id=1235, task_id=2, task_name="report", status=status, reason=RunReason.SCHEDULE,
               due_at=AT, created_at=AT, started_at=AT, finished_at=AT + timedelta(seconds=1), error=error,
               result={"summary": summary} if summary else None)


@pytest.mark.parametrize(("status", "error", "summary", "outcome"), [
    # stored skip reasons start with "skipped: " already: said once
    (RunStatus.SKIPPED, "skipped: backup failed in run 1234", None, "skipped: backup failed in run 1234"),
    (RunStatus.SKIPPED, "missed while offline: 3 fires between …", None, "skipped: missed while offline: 3 fires between …"),
    (RunStatus.FAILED, "exit code 1\nTraceback (most recent call last):", None, "failed: exit code 1"),
    (RunStatus.RETRYING, "timed out after 5 seconds", None, "retrying: timed out after 5 seconds"),
    (RunStatus.CANCELLED, "stopped: cronpilot shut down during the run", None,
     "cancelled: stopped: cronpilot shut down during the run"),
    (RunStatus.COMPLETED, None, "delivered", "completed"),  # a summary is no reason
    (RunStatus.RUNNING, None, None, "running"),
    (RunStatus.FAILED, None, None, "failed"),
])
def test_run_outcome_says_status_and_reason_once(status, error, summary, outcome):
    assert run_outcome(run(status, error=error, summary=summary)) == outcome


def test_run_reason_is_the_error_or_else_the_summary():
    assert run_reason(run(RunStatus.SKIPPED, error="skipped: overlap (the previous run was still running)")) == \
        "overlap (the previous run was still running)"
    assert run_reason(run(RunStatus.COMPLETED, summary="HTTP 200")) == "HTTP 200"
    assert run_reason(run(RunStatus.FAILED, error="x" * 300), width=50) == "x" * 49 + "…"


def test_the_apology_points_at_the_log_and_asks_to_try_again():
    assert SORRY.startswith("Sorry") and "logged" in SORRY and SORRY.endswith("Please try again.")

"""Knowing whether anything runs: `task add` says when nothing would fire the task, `status`
lists the engines from their heartbeats, their versions, the next fires and the backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.store import Store

NOTICE = "nothing is running to fire it — start `cronpilot serve` or see `cronpilot service install`"


@pytest.fixture
def store(isolated_settings) -> Store:
    s = Store(f"sqlite:///{isolated_settings / 'cronpilot.db'}")
    yield s
    s.close()


def test_task_add_says_when_no_engine_runs(cli):
    result = cli("task", "add", "--every", "1m", "--remind", "x")
    assert result.code == 0
    assert result.out.startswith("added task 1 x: every minute")
    assert result.err.strip() == f"note: saved, but {NOTICE}"
    as_json = cli("task", "add", "--every", "1m", "--remind", "y", "--json")
    assert as_json.json()["engine_running"] is False and NOTICE in as_json.err


def test_task_add_is_quiet_when_an_engine_runs(cli, store):
    store.register_worker("engine-1", now=datetime.now(UTC), version="9.9")
    result = cli("task", "add", "--every", "1m", "--remind", "x", "--json")
    assert result.code == 0 and result.err == ""
    assert result.json()["engine_running"] is True


def test_a_cli_run_or_a_stale_engine_is_not_running(cli, store):
    now = datetime.now(UTC)
    store.register_worker("cli-1", now=now, schedules=False)  # `cronpilot run` working in-process
    store.register_worker("engine-old", now=now - timedelta(seconds=31))  # three beats missed
    assert NOTICE in cli("task", "add", "--every", "1m", "--remind", "x").err
    result = cli("status", "--json")
    assert result.code == 1
    state = result.json()
    assert state["running"] is False
    alive = {e["worker_id"]: (e["alive"], e["schedules"]) for e in state["engines"]}
    assert alive == {"cli-1": (True, False), "engine-old": (False, True)}


def test_status_lists_engines_next_fires_and_backlog(cli, store):
    cli("task", "add", "--name", "later", "--every", "2h", "--noop")
    cli("task", "add", "--name", "sooner", "--every", "1h", "--noop")
    cli("task", "add", "--name", "waiting", "--noop")
    cli("run", "waiting")  # ran here: one completed run, nothing waiting
    store.register_worker("engine-1", now=datetime.now(UTC), version="1.2.3")
    result = cli("status", "--json")
    assert result.code == 0, result.err
    state = result.json()
    assert state["running"] is True
    [engine] = state["engines"]
    assert engine["worker_id"] == "engine-1" and engine["version"] == "1.2.3" and engine["alive"]
    assert [f["name"] for f in state["next_fires"]] == ["sooner", "later"]
    assert state["backlog"] == {"due": 0, "running": 0, "oldest_due_at": None}
    text = cli("status")
    assert text.code == 0 and "running: 1 engine(s)" in text.out and "cronpilot 1.2.3" in text.out
    assert text.out.index("sooner") < text.out.index("later")


def test_status_counts_due_runs_nobody_claimed(cli, store):
    cli("task", "add", "--name", "job", "--noop")
    from scheduler.models import RunReason, RunStatus
    from scheduler.store.records import NewRun

    now = datetime.now(UTC)
    store.record_fires([NewRun(task_id=1, status=RunStatus.PENDING, reason=RunReason.MANUAL,
                               due_at=now - timedelta(minutes=5))], now=now)
    state = cli("status", "--json").json()
    assert state["backlog"]["due"] == 1 and state["backlog"]["oldest_due_at"] is not None
    assert "1 run(s) due and waiting, the oldest due 5 min ago" in cli("status").out

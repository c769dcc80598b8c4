"""Every CLI command's happy path and its bad input: one clear line, non-zero exit, no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest


def test_task_add_with_cron_zone_and_reminder(cli):
    result = cli("task", "add", "--cron", "0 9 * * MON", "--tz", "Europe/Berlin", "--remind", "stand-up", "--json")
    assert result.code == 0, result.err
    task = result.json()
    assert task["name"] == "stand-up" and task["timezone"] == "Europe/Berlin"
    assert task["triggers"] == [{"kind": "cron", "expression": "0 9 * * MON"}]
    assert len(task["next_fires"]) == 5
    assert all(f.endswith(("+00:00",)) for f in task["next_fires"])  # stored and shown as UTC instants


def test_task_add_every_with_shell_command(cli):
    result = cli("task", "add", "--every", "15m", "--shell", "--json", "--", "df", "-h")
    assert result.code == 0, result.err
    task = result.json()
    assert task["action"]["argv"] == ["df", "-h"] and task["action"]["use_shell"] is False
    assert task["triggers"][0]["every"] in ("PT15M", "PT900S")


def test_task_add_at_with_http(cli):
    result = cli("task", "add", "--at", "2099-12-01T09:00", "--tz", "Asia/Tokyo", "--http", "https://example.com/ping", "--json")
    assert result.code == 0, result.err
    task = result.json()
    assert task["triggers"][0]["at"] == "2099-12-01T00:00:00Z"
    assert task["action"]["url"] == "https://example.com/ping"


def test_task_list_show_edit_pause_resume_delete(cli):
    assert cli("task", "add", "--name", "backup", "--cron", "30 2 * * *", "--noop").code == 0
    listed = cli("task", "list", "--json").json()
    assert [t["name"] for t in listed] == ["backup"]
    text = cli("task", "list")
    assert "backup" in text.out and text.code == 0

    shown = cli("task", "show", "backup", "--json").json()
    assert len(shown["next_fires"]) == 5
    assert "next fires" in cli("task", "show", "backup").out

    edited = cli("task", "edit", "backup", "--cron", "0 3 * * *", "--retries", "2", "--json").json()
    assert edited["triggers"][0]["expression"] == "0 3 * * *" and edited["retry"]["max_attempts"] == 3

    assert "paused" in cli("task", "pause", "backup").out
    assert cli("task", "show", "backup", "--json").json()["status"] == "paused"
    assert "resumed" in cli("task", "resume", "backup").out
    assert cli("task", "delete", "backup", "--yes").code == 0
    assert cli("task", "list", "--json").json() == []


def test_task_names_get_a_suffix_when_taken(cli):
    cli("task", "add", "--every", "1h", "--remind", "stretch")
    second = cli("task", "add", "--every", "2h", "--remind", "stretch", "--json").json()
    assert second["name"] == "stretch (2)"


def test_run_executes_here_when_no_engine_runs(cli):
    cli("task", "add", "--name", "hello", "--remind", "hi there")
    result = cli("run", "hello", "--json")
    assert result.code == 0, result.err
    run = result.json()
    assert run["status"] == "completed" and run["reason"] == "manual"


def test_runs_logs_and_stats(cli):
    cli("task", "add", "--name", "hello", "--noop")
    cli("run", "hello")
    cli("run", "hello")
    runs = cli("runs", "--task", "hello", "--status", "completed", "--since", "1h", "--json").json()
    assert len(runs) == 2
    assert cli("runs", "--search", "nothing-like-this", "--json").json() == []
    assert "completed" in cli("runs").out
    log = cli("logs", str(runs[0]["run_id"]), "--json").json()
    assert [e["status"] for e in log["history"]] == ["pending", "running", "completed"]
    assert "run " in cli("logs", str(runs[0]["run_id"])).out
    stats = cli("stats", "--json").json()
    assert stats["overall"]["runs"] == 2 and stats["overall"]["success_rate"] == 1.0
    assert "all tasks" in cli("stats").out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["task", "add", "--cron", "61 * * * *", "--noop"], "out of range"),
        (["task", "add", "--cron", "0 9 * *", "--noop"], "5 fields"),
        (["task", "add", "--every", "1h", "--tz", "Mars/Base", "--noop"], "unknown time zone"),
        (["task", "add", "--at", "2020-01-01T00:00", "--noop"], "in the past"),
        (["task", "add", "--every", "-5m", "--noop"], "duration"),
        (["task", "add", "--every", "0s", "--noop"], "positive"),
        (["task", "add", "--every", "1h"], "say what the task does"),
        (["task", "add", "--every", "1h", "--noop", "--remind", "x"], "choose one action"),
        (["task", "show", "nope"], "no task named 'nope'"),
        (["task", "show", "999"], "no task with id 999"),
        (["logs", "12345"], "no run with id 12345"),
        (["runs", "--since", "sometime"], "can't read"),
        (["task", "delete", "nope", "--yes"], "no task"),
        (["workflow", "show", "nosuch"], "no workflow named 'nosuch'"),
        (["workflow", "show", "999"], "no workflow with id 999"),
    ],
)
def test_bad_input_gets_one_clear_line(cli, args, needle):
    result = cli(*args)
    assert result.code != 0
    assert needle in result.err
    assert "Traceback" not in result.err + result.out
    assert len(result.err.strip().splitlines()) <= 2


def test_edit_without_a_change_changes_nothing(cli):
    cli("task", "add", "--name", "report", "--cron", "0 9 * * 1", "--tz", "Europe/Berlin", "--remind", "send it")
    before = cli("task", "show", "report", "--json").json()
    bare = cli("task", "edit", "report")
    assert bare.code == 2 and "nothing to change" in bare.err  # no flag at all: a usage error
    same = cli("task", "edit", "report", "--tz", "Europe/Berlin", "--remind", "send it", "--enabled")
    assert same.code == 0 and "nothing changed" in same.out and "updated" not in same.out
    assert cli("task", "show", "report", "--json").json()["updated_at"] == before["updated_at"]
    changed = cli("task", "edit", "report", "--remind", "send it now")
    assert changed.code == 0 and changed.out.startswith("updated task")


def test_task_show_words_schedule_policies_and_times(cli):
    cli("task", "add", "--name", "report", "--cron", "0 9 * * 1", "--tz", "Europe/Berlin", "--remind", "send it")
    shown = " ".join(cli("task", "show", "report").out.split())
    assert "schedule every Monday at 09:00, Europe/Berlin (cron 0 9 * * 1)" in shown
    assert "retries none" in shown and "attempt(s)" not in shown  # no retries: none, not "1 attempt(s)"
    # a reminder missed while nothing ran is caught up once (late, with a note): its default
    assert "timeout 1 hour" in shown and "misfire run_once (grace 1 minute)" in shown
    assert "09:00:00 (Europe/Berlin)" in shown  # the task's times, labelled for a reader in UTC
    cli("task", "edit", "report", "--retries", "2")
    shown = " ".join(cli("task", "show", "report").out.split())
    assert "retries 2 retries after a failure, the first after 30 seconds, then ×2 each time up to 1 hour" in shown


def test_delete_without_yes_asks_and_refuses_without_a_terminal(cli):
    cli("task", "add", "--name", "keep", "--noop")
    result = cli("task", "delete", "keep")
    assert result.code != 0 and "--yes" in result.err
    assert cli("task", "list", "--json").json()[0]["name"] == "keep"


def test_unreachable_database_is_one_line(cli, monkeypatch):
    monkeypatch.setenv("CRONPILOT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = cli("task", "list")
    assert result.code != 0
    assert "unavailable" in result.err and "Traceback" not in result.err


def _cronpilot() -> list[str]:
    return [sys.executable, "-m", "cronpilot"]


@pytest.mark.slow  # starts cronpilot processes
def test_serve_runs_manual_runs_and_stops_cleanly_on_ctrl_c(tmp_path: Path):
    env = {**os.environ, "CRONPILOT_DATA_DIR": str(tmp_path / "serve-data"), "CRONPILOT_TIMEZONE": "UTC"}
    subprocess.run([*_cronpilot(), "task", "add", "--name", "ping", "--remind", "pong"], env=env, check=True,
                   capture_output=True)
    server = subprocess.Popen([*_cronpilot(), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert "engine running" in first
        done = subprocess.run([*_cronpilot(), "run", "ping", "--wait", "--json"], env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert '"status": "completed"' in done.stdout
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0, err
    assert "pong" in out  # the reminder was delivered by the serving engine's console
    assert "stopped cleanly" in out
    assert "Traceback" not in err


@pytest.mark.slow  # starts cronpilot processes
def test_entry_point_help_lists_the_commands():
    result = subprocess.run([*_cronpilot(), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("task", "run", "runs", "logs", "stats", "serve"):
        assert command in result.stdout


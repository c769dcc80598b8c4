"""``cronpilot chat``: one message with -m (offline, no model) and the interactive REPL with the
engine alongside; the composition root builds the assistant and the AI limits from settings."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cronpilot.cli import main
from cronpilot.commands.context import reset_app
from cronpilot.settings import Settings
from cronpilot.wiring import build_app

ROOT = Path(__file__).resolve().parents[2]


def cronpilot(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    reset_app()
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        reset_app()
    out, err = capsys.readouterr()
    return code, out, err


def test_chat_message_creates_the_task_offline(capsys):
    code, out, err = cronpilot(capsys, "chat", "-m", "remind me every Monday at 9am to send the report")
    assert code == 0, err
    assert out.startswith("Done: 'send the report' (task #1), every Monday at 09:00, UTC; next Mon")
    code, out, _ = cronpilot(capsys, "task", "list", "--json")
    [task] = json.loads(out)
    assert task["triggers"] == [{"kind": "cron", "expression": "0 9 * * 1"}]
    assert task["action"]["message"] == "send the report" and task["owner"] == "tester"
    assert task["origin"]["via"] == "cli" and task["origin"]["conversation_id"] == "cli:local"


def test_chat_message_that_needs_a_model_says_how_to_configure_one(capsys):
    code, out, _ = cronpilot(capsys, "chat", "-m", "write a haiku about my week")
    assert code == 0 and "OPENAI_API_KEY" in out and "Traceback" not in out


def test_chat_repl_runs_the_engine_and_turns_buttons_into_slash_commands(capsys, monkeypatch):
    from scheduler.service import Actor, Role

    app = build_app(Settings())
    app.service.create_task(app.service.build_spec({
        "name": "cleanup", "action": {"kind": "shell", "argv": ["true"]},
        "triggers": [{"kind": "cron", "expression": "0 3 * * *"}]}), actor=Actor("tester", Role.ADMIN, ai_run_id=4))
    app.store.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("approve cleanup\n/approve 1\nlist my tasks\n/quit\n"))
    code, out, err = cronpilot(capsys, "chat")
    assert code == 0, err
    assert "cronpilot chat — offline" in out
    assert "Approve #1: type /approve 1" in out
    assert "Approved 'cleanup' (task #1)" in out
    assert "'cleanup'" in out.split("Approved", 1)[1] and "active" in out.split("Approved", 1)[1]


def test_run_script_starts_the_chat_by_default():
    script = (ROOT / "run").read_text()
    assert 'set -- chat' in script and "set -- serve" not in script


def test_wiring_builds_the_limits_from_settings(monkeypatch):
    monkeypatch.setenv("CRONPILOT_AI_SPAWN_PER_RUN", "3")
    monkeypatch.setenv("CRONPILOT_AI_MIN_INTERVAL", "PT30M")
    app = build_app(Settings())
    assert app.service.spawn_policy.per_run == 3
    assert app.service.spawn_policy.min_recurring_interval.total_seconds() == 1800
    assert app.ai_runner is None and not app.assistant.online  # no key: offline
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CRONPILOT_AI_DAILY_TOKENS", "1234")
    online = build_app(Settings())
    assert online.assistant.online and online.ai_runner.limits.daily_tokens == 1234
    app.store.close()
    online.store.close()

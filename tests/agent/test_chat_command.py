"""``cronpilot chat``: one message with -m (offline, no model) and the interactive REPL with the
engine alongside; the composition root builds the assistant and the AI limits from settings."""

from __future__ import annotations

import io
from pathlib import Path

from cronpilot.settings import Settings
from cronpilot.wiring import build_app

ROOT = Path(__file__).resolve().parents[2]


def test_chat_message_creates_the_task_offline(cli):
    r = cli("chat", "-m", "remind me every Monday at 9am to send the report")
    assert r.code == 0, r.err
    assert r.out.startswith("Done: 'send the report' (task #1), every Monday at 09:00, UTC; next Mon")
    [task] = cli("task", "list", "--json").json()
    assert task["triggers"] == [{"kind": "cron", "expression": "0 9 * * 1"}]
    assert task["action"]["message"] == "send the report" and task["owner"] == "tester"
    assert task["origin"]["via"] == "cli" and task["origin"]["conversation_id"] == "cli:local"


def test_chat_message_that_needs_a_model_says_how_to_configure_one(cli):
    r = cli("chat", "-m", "write a haiku about my week")
    assert r.code == 0 and "OPENAI_API_KEY" in r.out and "Traceback" not in r.out


def test_asking_the_terminal_chat_for_the_dashboard_gives_a_working_sign_in_link(cli):
    r = cli("chat", "-m", "show me the dashboard")
    assert r.code == 0 and "cronpilot serve" in r.out, r.out
    token = r.out.split("/signin?token=", 1)[1].split()[0]
    from cronpilot.commands.context import current_app

    signed = current_app().service.web.sign_in(token)
    assert signed is not None and signed[1].actor.role.value == "admin"
    assert current_app().service.web.sign_in(token) is None, "a link works once"


def test_chat_repl_runs_the_engine_and_turns_buttons_into_slash_commands(cli, monkeypatch):
    from scheduler.service import Actor, Role

    app = build_app(Settings())
    app.service.create_task(app.service.build_spec({
        "name": "cleanup", "action": {"kind": "shell", "argv": ["true"]},
        "triggers": [{"kind": "cron", "expression": "0 3 * * *"}]}), actor=Actor("tester", Role.ADMIN, ai_run_id=4))
    app.store.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("/approve 1\napprove cleanup\nlist my tasks\n/quit\n"))
    r = cli("chat")
    assert r.code == 0, r.err
    out = r.out
    assert "cronpilot chat — offline" in out
    assert "Approved 'cleanup' (task #1)" in out  # the slash command, as a button press
    assert "is not waiting for approval" in out  # typed afterwards: already done
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


def test_asking_why_the_last_run_failed_when_nothing_did_is_good_news_not_an_apology(cli):
    r = cli("chat", "-m", "why did the last run fail?")
    assert r.code == 0 and r.out.startswith("Nothing has failed"), r.out

"""``cronpilot serve`` starts the engine (which ends a dead engine's runs) before it imports the
heavy parts it needs only later: FastAPI and the dashboard, Prometheus, the model stack,
psycopg on SQLite, the holiday tables, the chat rate limiter (issue 14: a restart after kill -9
recovers in under 5 s on a loaded machine, and imports were most of the start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("fastapi", "prometheus_client", "langchain_core", "langgraph", "psycopg", "holidays", "limits")

# Runs serve in this process; when it prints its first line, notes which heavy modules are
# loaded, then stops it as Ctrl-C would.
DRIVER = f"""
import json, os, signal, sys
from cronpilot import render
from cronpilot.cli import main

shown = render.console.print
def spy(*args, **kwargs):
    if args and "engine running" in str(args[0]):
        loaded = [m for m in {HEAVY!r} if m in sys.modules]
        print("LOADED " + json.dumps(loaded), file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGINT)
    return shown(*args, **kwargs)
render.console.print = spy
main(["serve"])
"""


@pytest.mark.slow  # starts a cronpilot process
def test_serve_says_it_runs_before_importing_what_only_the_http_side_and_ai_runs_need(tmp_path: Path):
    env = {**os.environ, "CRONPILOT_DATA_DIR": str(tmp_path / "data"), "CRONPILOT_TIMEZONE": "UTC",
           "CRONPILOT_HTTP_PORT": "0", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    for name in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "CRONPILOT_DATABASE_URL"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "cronpilot", "task", "add", "--name", "ping", "--remind", "pong",
                    "--every", "1h"], env=env, check=True, capture_output=True, timeout=120, cwd=tmp_path)
    done = subprocess.run([sys.executable, "-c", DRIVER], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "engine running: 1 task" in done.stdout and "stopped cleanly" in done.stdout
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED "))
    assert json.loads(line.removeprefix("LOADED ")) == []

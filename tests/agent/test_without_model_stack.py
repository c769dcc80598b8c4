"""A light install (no extra: no model stack, no Slack, Telegram or Supabase client) still chats
offline, in one message and in the terminal chat that runs an engine; with a key but no stack the
person is told how to add it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BLOCK = """
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('langchain', 'langchain_core', 'langchain_openai', 'langgraph', 'openai',
                                  'slack_bolt', 'slack_sdk', 'telegram', 'supabase', 'storage3'):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Absent())
from cronpilot.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print('MODEL-STACK', sorted(m for m in sys.modules if m.startswith(('langchain', 'langgraph', 'openai'))))
sys.exit(code)
"""


@pytest.mark.slow  # starts a Python process
def test_the_terminal_chat_runs_its_engine_without_any_extra(tmp_path):
    """./run's first screen: the engine it starts built no connector whose SDK is an extra."""
    env = {**os.environ, "CRONPILOT_DATA_DIR": str(tmp_path / "data"), "CRONPILOT_TIMEZONE": "UTC"}
    for name in ("OPENAI_API_KEY", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "SUPABASE_URL"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", BLOCK, "chat"], env=env, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, input="remind me every monday at 9 to stretch\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Done: 'stretch'" in done.stdout and "Traceback" not in done.stderr


def _chat(tmp_path, message: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "CRONPILOT_DATA_DIR": str(tmp_path / "data"), "CRONPILOT_TIMEZONE": "UTC", **env}
    full.pop("OPENAI_API_KEY", None) if "OPENAI_API_KEY" not in env else None
    return subprocess.run([sys.executable, "-c", BLOCK, "chat", "-m", message], env=full, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)


@pytest.mark.slow  # starts a Python process
def test_offline_chat_works_without_the_model_stack(tmp_path):
    done = _chat(tmp_path, "remind me every day at 9 to stretch")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Done: 'stretch' (task #1), every day at 09:00")
    assert "MODEL-STACK []" in done.stdout


@pytest.mark.slow  # starts a Python process
def test_a_key_without_the_model_stack_says_how_to_add_it(tmp_path):
    done = _chat(tmp_path, "what failed today", OPENAI_API_KEY="sk-test")
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: OPENAI_API_KEY is set but the model stack isn't installed")
    assert "pip install 'cronpilot[ai]'" in done.stderr and "Traceback" not in done.stderr

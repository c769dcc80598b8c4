"""One logging configuration: level and format from --log-level / CRONPILOT_LOG_LEVEL /
CRONPILOT_LOG_FORMAT, and every record's ids (run, task, conversation, worker) in both formats."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from cronpilot import logs


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("scheduler.engine", logging.WARNING, __file__, 1, "run %s ended", (7,), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_text_format_appends_the_ids():
    line = logs.TextFormatter().format(_record(run_id=7, task_id=3, conversation_id="slack:C1 T2", worker_id="engine-a"))
    assert line.endswith('WARNING scheduler.engine: run 7 ended run_id=7 task_id=3 '
                         'conversation_id="slack:C1 T2" worker_id=engine-a')


def test_json_format_carries_the_ids_as_fields():
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record(run_id=7, task_id=3, conversation_id="telegram:42", worker_id="engine-a")
        record.exc_info = sys.exc_info()
    data = json.loads(logs.JsonFormatter().format(record))
    assert data["level"] == "warning" and data["logger"] == "scheduler.engine"
    assert data["message"] == "run 7 ended"
    assert (data["run_id"], data["task_id"], data["conversation_id"], data["worker_id"]) == (7, 3, "telegram:42", "engine-a")
    assert data["time"].endswith("+00:00") and "ValueError: boom" in data["exc_info"]


def test_configure_routes_uvicorn_through_the_one_handler():
    logging.getLogger("uvicorn.error").addHandler(logging.NullHandler())
    logs.configure(level="info", fmt="json")
    try:
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logger = logging.getLogger(name)
            assert logger.handlers == [] and logger.propagate
        assert logging.getLogger().level == logging.INFO
    finally:
        logs.configure()


def test_bad_log_settings_are_one_line(cli, monkeypatch):
    monkeypatch.setenv("CRONPILOT_LOG_FORMAT", "xml")
    result = cli("task", "list")
    assert result.code == 2 and "unknown log format 'xml'" in result.err and "Traceback" not in result.err


def _run_reminder(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {**os.environ, "CRONPILOT_DATA_DIR": str(tmp_path / "data"), "CRONPILOT_TIMEZONE": "UTC", **env}
    command = [sys.executable, "-m", "cronpilot"]
    subprocess.run([*command, "task", "add", "--name", "hello", "--remind", "hi"], env=base, check=True,
                   capture_output=True)
    return subprocess.run([*command, *args, "run", "hello"], env=base, capture_output=True, text=True, timeout=60)


@pytest.mark.slow  # starts cronpilot processes
def test_json_log_lines_carry_the_run_id(tmp_path):
    done = _run_reminder(tmp_path, CRONPILOT_LOG_LEVEL="info", CRONPILOT_LOG_FORMAT="json")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    delivered = [r for r in records if r["message"] == "delivered"]
    assert delivered and delivered[0]["run_id"] == 1 and delivered[0]["level"] == "info"
    started = [r for r in records if r["message"] == "engine started"]
    assert started and started[0]["worker_id"].startswith("engine-")


@pytest.mark.slow  # starts cronpilot processes
@pytest.mark.parametrize(("args", "env", "shown"), [
    ((), {"CRONPILOT_LOG_LEVEL": "info"}, True),
    (("--log-level", "warning"), {"CRONPILOT_LOG_LEVEL": "info"}, False),  # the flag wins
    (("--log-level", "INFO"), {}, True),
    ((), {}, False),  # default: warning
])
def test_log_level_from_flag_or_environment(tmp_path, args, env, shown):
    done = _run_reminder(tmp_path, *args, **env)
    assert done.returncode == 0, done.stderr
    assert ("delivered run_id=1" in done.stderr) is shown, done.stderr

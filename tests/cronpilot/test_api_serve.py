"""``cronpilot serve`` carries the API: a token made with the CLI works against the running
process, and a run asked for over HTTP is executed by its engine."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest


@pytest.mark.slow  # starts a real cronpilot serve process
def test_serve_answers_the_api_with_a_cli_token(tmp_path: Path) -> None:
    env = {**os.environ, "CRONPILOT_DATA_DIR": str(tmp_path / "data"), "CRONPILOT_TIMEZONE": "UTC",
           "CRONPILOT_HTTP_PORT": "0", "CRONPILOT_USER": "owner"}
    command = [sys.executable, "-m", "cronpilot"]
    subprocess.run([*command, "task", "add", "--name", "ping", "--noop"], env=env, check=True, capture_output=True)
    made = subprocess.run([*command, "token", "create", "--user", "owner"], env=env, capture_output=True,
                          text=True, check=True)
    token = made.stdout.strip().splitlines()[-1]
    subprocess.run([*command, "user", "add", "mia", "--role", "member"], env=env, check=True, capture_output=True)
    mia = subprocess.run([*command, "token", "create", "--user", "mia"], env=env, capture_output=True,
                         text=True, check=True).stdout.strip().splitlines()[-1]
    server = subprocess.Popen([*command, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = None
        for _ in range(10):
            found = re.search(r"http: on \((http://[\d.]+:\d+);.*/api/v1", server.stdout.readline())
            if found:
                url = found.group(1)
                break
        assert url, "serve did not report the API"
        with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10) as api:
            assert api.get("/me").json() == {"user": "owner", "role": "admin", "display_name": None,
                                             "timezone": None, "token_id": 1}
            assert httpx.get(f"{url}/api/v1/tasks", timeout=10).status_code == 401
            run = api.post("/tasks/ping/run")
            assert run.status_code == 202
            deadline = time.monotonic() + 60
            status = run.json()["status"]
            while status not in ("completed", "failed") and time.monotonic() < deadline:
                time.sleep(0.1)  # the engine in the other process picks it up within a second
                status = api.get(f"/runs/{run.json()['run_id']}").json()["status"]
            assert status == "completed"
            # A member's shell task made over the API waits; serve tells the admin (here: its
            # terminal, the owner has no chat), once.
            shell = {"name": "backup", "triggers": [{"kind": "cron", "expression": "0 3 * * *"}],
                     "action": {"kind": "shell", "argv": ["true"]}}
            made_shell = api.post("/tasks", json=shell, headers={"Authorization": f"Bearer {mia}"})
            assert made_shell.json()["status"] == "pending_approval", made_shell.text
            lines: queue.Queue[str] = queue.Queue()
            threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True).start()
            deadline, told = time.monotonic() + 30, ""
            while "/approve" not in told and time.monotonic() < deadline:
                with contextlib.suppress(queue.Empty):
                    told = " ".join(f"{told} {lines.get(timeout=1)}".split())  # the terminal wraps lines
            assert "waits for approval: mia's task 'backup'" in told, told
            assert f"approve {made_shell.json()['task_id']}" in told, told
            time.sleep(3)  # another look of the watcher (every 2 s) must not tell it again
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert not any("waits for approval" in line for line in rest), rest

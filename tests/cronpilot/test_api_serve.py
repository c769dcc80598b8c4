"""``cronpilot serve`` carries the API: a token made with the CLI works against the running
process, and a run asked for over HTTP is executed by its engine."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
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
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()

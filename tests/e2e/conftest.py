"""Browser tests: a real ``cronpilot serve`` in a subprocess, and Debian's Chromium driven by
Playwright (never Playwright's own browser download) or Debian's Firefox ESR driven over WebDriver
BiDi (``e2e/firefox.py``). Every server and browser a test starts is stopped at its end, whether it
passed or not."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e import firefox

CHROMIUM = os.environ.get("CRONPILOT_TEST_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CRONPILOT = [sys.executable, "-m", "cronpilot"]
PAGES = ["/dashboard/", "/dashboard/runs", "/dashboard/workflows", "/dashboard/stats", "/dashboard/approvals",
         "/dashboard/audit", "/dashboard/people"]


def _require_browser() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    if IN_CI:
        pytest.fail(f"Chromium is required in CI but missing at {CHROMIUM} (.ci/run installs it)")
    pytest.skip(f"no Chromium at {CHROMIUM}; apt-get install chromium (CI does)")


def require_firefox() -> None:
    if Path(firefox.FIREFOX).exists() or shutil.which(firefox.FIREFOX):
        return
    if IN_CI:
        pytest.fail(f"Firefox ESR is required in CI but missing at {firefox.FIREFOX} (.ci/run installs it)")
    pytest.skip(f"no Firefox at {firefox.FIREFOX}; apt-get install firefox-esr (CI does)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CRONPILOT, *args], env=self.env, capture_output=True, text=True, timeout=90,
                              check=check)

    def link(self, *args: str) -> str:
        out = self.cli("dashboard", *args).stdout
        found = re.search(r"(http://\S+/dashboard/signin\?token=[\w-]+)", out)
        assert found, out
        return found.group(1)


def start_server(env: dict[str, str], log: Path, *, port: int | None = None) -> Server:
    port = port or _free_port()
    env = {**env, "CRONPILOT_HTTP_PORT": str(port)}
    starts = log.read_text(errors="replace").count("http: on") if log.exists() else 0
    with log.open("ab") as out:
        process = subprocess.Popen([*CRONPILOT, "serve", "--grace", "2"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    server = Server(url=f"http://127.0.0.1:{port}", env=env, process=process, log=log)
    deadline = time.monotonic() + 60
    while log.read_text(errors="replace").count("http: on") < starts + 1:
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            raise AssertionError("serve did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.1)
    return server


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture
def serve_env(isolated_settings: Path) -> dict[str, str]:
    return {**os.environ, "CRONPILOT_SHELL_SANDBOX": "none"}


@pytest.fixture
def server(serve_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    running = start_server(serve_env, tmp_path / "serve.log")
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def firefox_installed() -> None:
    """Skips (fails in CI) without Firefox ESR; name it first, before fixtures that start servers."""
    require_firefox()


@pytest.fixture
def firefox_browser(firefox_installed: None) -> Iterator[firefox.Firefox]:
    """Debian's Firefox ESR (light colour scheme), closed with all its processes at the end."""
    with firefox.launch() as browser:
        yield browser


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Pages in fresh contexts (separate cookies: separate people); all closed at the end."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def sign_in(page: Any, link: str) -> None:
    page.goto(link)
    page.wait_for_url(re.compile(r"/dashboard/$"))


def wide_content(server: Server) -> Any:
    """What a phone-width check needs on its pages: a long task name (run once), a workflow of
    four branches side by side, and a task waiting for approval with a long unbroken word. The
    workflow's ``CreatedWorkflow``."""
    from cronpilot.commands.context import current_app
    from scheduler.models import TaskStatus

    server.cli("task", "add", "--name", "a-task-with-a-rather-long-name-for-a-phone", "--noop", "--every", "5m")
    app = current_app()
    workflow = app.service.create_workflow("wide", [
        {"name": "first", "action": {"kind": "noop"}},
        *({"name": f"branch{i}", "action": {"kind": "noop"}, "after": ["first"]} for i in range(4)),
    ], actor=app.local_actor)
    server.cli("run", "a-task-with-a-rather-long-name-for-a-phone", "--wait")
    app.service.create_task(app.service.build_spec({
        "name": "waits", "action": {"kind": "shell", "argv": ["sh", "-c", "echo " + "a-long-unbroken-word" * 12]}}),
        actor=app.local_actor, status=TaskStatus.PENDING_APPROVAL)
    return workflow


@contextmanager
def run_waiting_for_go(server: Server) -> Iterator[tuple[int, Path]]:
    """A shell run started now that prints "first-line", waits until the file ``go`` exists,
    then prints "second-line": (its run id, ``go``). The run is let go and the folder removed
    at the end, even on failure."""
    # The shell runs as an unprivileged user (as root: "nobody"): the go-file's folder must be
    # one it can look into, unlike pytest's private tmp_path.
    folder = Path(tempfile.mkdtemp(prefix="cronpilot-go-"))
    go = folder / "go"
    try:
        folder.chmod(0o755)
        script = f"echo first-line; while [ ! -e {go} ]; do sleep 0.1; done; echo second-line"
        server.cli("task", "add", "--name", "slow", "--every", "1d", "--cwd", "/", "--sh", script)
        yield json.loads(server.cli("run", "slow", "--json").stdout)["run_id"], go
    finally:
        go.touch()  # a run still waiting ends (the server stops it anyway)
        shutil.rmtree(folder)

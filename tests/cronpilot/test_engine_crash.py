"""A kill -9 of ``cronpilot serve`` leaves no process of its shell runs behind, with or without
bubblewrap, and the next engine on the machine ends the dead one's runs at once instead of
waiting for their leases (issue 14, item 2)."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.models import RunStatus
from scheduler.store import Store

SERVE_START = 60  # seconds a serve may take to say it runs (a busy machine)


def _cronpilot() -> list[str]:
    return [sys.executable, "-m", "cronpilot"]


def _alive_with(marker: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{entry.name}/stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if marker in cmd and state != "Z":
            found.append(int(entry.name))
    return found


def _wait_until(predicate: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def marker() -> Iterator[str]:
    value = f"{random.randint(100_000, 999_999)}.{random.randint(1000, 9999)}"
    yield value
    for pid in _alive_with(value):  # nothing a failed test started outlives it
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A folder the unprivileged shell user can enter (the test's own tmp_path is closed to it):
    a shell task keeps the folder its CLI ran in."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cronpilot-crash-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _serve(env: dict[str, str]) -> subprocess.Popen[str]:
    server = subprocess.Popen([*_cronpilot(), "serve"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=env["CRASH_WORKDIR"])
    assert server.stdout is not None
    first = server.stdout.readline()
    assert "engine running" in first, first + (server.stderr.read() if server.poll() is not None else "")
    return server


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("sandbox", ["none", "bwrap"])
def test_kill_9_of_serve_leaves_no_orphan_and_the_restart_ends_its_runs_at_once(
    tmp_path: Path, marker: str, sandbox: str, workdir: Path
):
    if sandbox == "bwrap" and not Path("/usr/bin/bwrap").exists():
        pytest.skip("bubblewrap not installed")
    data = tmp_path / "serve-data"
    env = {**os.environ, "CRONPILOT_DATA_DIR": str(data), "CRONPILOT_TIMEZONE": "UTC",
           "CRONPILOT_SHELL_SANDBOX": sandbox,
           # A lease far longer than the test: only the proof that the engine is gone ends its runs.
           "CRONPILOT_LEASE_TTL": "PT600S", "CRASH_WORKDIR": str(workdir)}
    script = f"sleep {marker} & sleep {marker} & (setsid sleep {marker} &); wait"
    for i in range(3):
        subprocess.run([*_cronpilot(), "task", "add", "--name", f"s{i}", "--sh", script], env=env,
                       check=True, capture_output=True, timeout=60, cwd=env["CRASH_WORKDIR"])
    servers: list[subprocess.Popen[str]] = []
    try:
        servers.append(_serve(env))
        for i in range(3):
            subprocess.run([*_cronpilot(), "run", f"s{i}"], env=env, check=True, capture_output=True, timeout=60,
                           cwd=env["CRASH_WORKDIR"])
        # Nine command lines carrying "sleep MARKER": wrappers (bwrap, launcher, sh) count too, so
        # the kill may land while a run is still starting, before bwrap tied itself to the
        # engine; that window left a whole sandboxed run alive (1 in 13) until the liveness pipe.
        assert _wait_until(lambda: len(_alive_with(f"sleep {marker}")) >= 9), _alive_with(marker)
        os.kill(servers[0].pid, signal.SIGKILL)
        servers[0].wait(timeout=30)
        assert _wait_until(lambda: not _alive_with(marker), seconds=10), _alive_with(marker)
        store = Store(f"sqlite:///{data / 'cronpilot.db'}", migrate=False)
        try:
            running = store.list_runs(statuses=[RunStatus.RUNNING])
            assert running  # the dead engine's runs, their leases 10 minutes from ending
            servers.append(_serve(env))
            assert _wait_until(lambda: not store.list_runs(statuses=[RunStatus.RUNNING]))
            for run in running:
                ended = store.get_run(run.run_id)
                assert ended.status == RunStatus.FAILED and ended.error.startswith("worker lost")
        finally:
            store.close()
    finally:
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
                try:
                    server.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.communicate()

"""No test leaves a process behind.

A process counts as this test session's when it started after the session did and it is a
descendant of this pytest process, or it carries the session's token in its environment, or it
runs in (or names on its command line) a folder under the session's temporary directory. The
last two find what a command detached from us with ``setsid`` and a lost parent: the shell
action runs commands as ``nobody`` in a working folder under ``tmp_path``, with a scrubbed
environment.

At the end of the session anything still alive (zombies aside) after a short grace is killed,
and the session fails naming each process and the test that was running when it started.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil

TOKEN_VARIABLE = "PYTEST_CRONPILOT_SESSION"  # not CRONPILOT_*: isolated_settings drops those
# Interpreter-lifetime helpers of multiprocessing: they end with this process, not with a test.
_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


@dataclass
class Leftover:
    pid: int
    user: str
    command: str
    test: str


@dataclass
class ProcessGuard:
    folder: Path
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.time)
    timeline: list[tuple[float, str]] = field(default_factory=list)  # (when, node id) per test

    def __post_init__(self) -> None:
        os.environ[TOKEN_VARIABLE] = self.token
        self.me = psutil.Process()
        # psutil's start times count from a boot time rounded to the second: bring them onto
        # time.time() so a process is matched with the test that was running when it started.
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        self.skew = time.time() - (psutil.boot_time() + uptime)

    def _born(self, proc: psutil.Process) -> float:
        return proc.create_time() + self.skew

    def leftovers(self, *, grace: float = 5.0) -> list[Leftover]:
        """What is still alive after ``grace`` seconds (processes being torn down get that long)."""
        deadline = time.monotonic() + grace
        while True:
            found = self._ours()
            if not found or time.monotonic() > deadline:
                return [self._describe(p) for p in found]
            time.sleep(0.1)

    def kill(self, leftovers: list[Leftover]) -> None:
        for leftover in leftovers:
            with contextlib.suppress(psutil.Error):
                psutil.Process(leftover.pid).kill()

    def _ours(self) -> list[psutil.Process]:
        descendants = {p.pid for p in self._descendants()}
        found = []
        for proc in psutil.process_iter():
            try:
                if proc.pid == self.me.pid or self._born(proc) < self.started - 1:
                    continue
                if proc.status() == psutil.STATUS_ZOMBIE:
                    continue
                if not (proc.pid in descendants or self._marked(proc)):
                    continue
                if any(helper in " ".join(proc.cmdline()) for helper in _HELPERS):
                    continue
            except psutil.Error:  # gone meanwhile, or not ours to read
                continue
            found.append(proc)
        return found

    def _descendants(self) -> list[psutil.Process]:
        try:
            return self.me.children(recursive=True)
        except psutil.Error:
            return []

    def _marked(self, proc: psutil.Process) -> bool:
        folder = f"{self.folder}{os.sep}"  # pytest-12/ is not pytest-123/
        try:
            if folder in " ".join(proc.cmdline()) or f"{proc.cwd()}{os.sep}".startswith(folder):
                return True
        except psutil.Error:
            pass
        try:
            return proc.environ().get(TOKEN_VARIABLE) == self.token
        except psutil.Error:
            return False

    def _describe(self, proc: psutil.Process) -> Leftover:
        try:
            user, command, born = proc.username(), " ".join(proc.cmdline()), self._born(proc)
        except psutil.Error:
            user, command, born = "?", "?", time.time()
        test = "before the first test"
        for at, nodeid in self.timeline:
            if at <= born:
                test = nodeid
        return Leftover(proc.pid, user, command[:200], test)


def report(leftovers: list[Leftover]) -> str:
    lines = [f"{len(leftovers)} process(es) left behind by the tests (now killed):"]
    lines += [f"  pid {x.pid} ({x.user}) {x.command!r}, started during {x.test}" for x in leftovers]
    return "\n".join(lines)

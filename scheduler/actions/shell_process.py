"""Killing everything a shell run started, found through ``/proc`` (Linux).

The run's first process leads a new session (``start_new_session=True``), so its pid is also
the session id and the process group id of everything that didn't move away. ``killpg`` alone
misses processes that called ``setsid``/``setpgid``; those are found by session id and by
walking parent links while the tree is frozen with SIGSTOP (a stopped process can't fork).

What this cannot find: a process that left the session *and* whose parent already exited (it
was re-parented to init). Only a pid namespace (bubblewrap) or a cgroup catches that.

Zombies: a killed grandchild whose parent also died is re-parented to PID 1; if PID 1 doesn't
reap (some containers), it stays a zombie of the unprivileged user and counts against that
user's RLIMIT_NPROC. Inside bubblewrap the namespace's init reaps instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

FREEZE_ROUNDS = 5


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    session: int
    state: str


def list_processes() -> Iterator[ProcessInfo]:
    """Every process visible in ``/proc`` (those that vanish while reading are skipped)."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        # The command name may contain spaces and parentheses: split after the last ')'.
        fields = stat.rpartition(")")[2].split()
        if len(fields) < 4:
            continue
        yield ProcessInfo(int(entry.name), int(fields[1]), int(fields[3]), fields[0])


def _members(leader: int, *, follow_children: bool) -> set[int]:
    procs = [p for p in list_processes() if p.state != "Z"]
    found = {p.pid for p in procs if p.session == leader}
    if follow_children:
        children: dict[int, list[int]] = {}
        for p in procs:
            children.setdefault(p.ppid, []).append(p.pid)
        # From every session member too: a member's child may have left the session.
        stack, walked = [leader, *found], set()
        while stack:
            pid = stack.pop()
            if pid in walked:
                continue
            walked.add(pid)
            for child in children.get(pid, []):
                found.add(child)
                stack.append(child)
    found.discard(os.getpid())
    return found


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def kill_process_tree(leader: int) -> None:
    """SIGKILL ``leader``'s session, its process group and every descendant still linked to it.

    Only for a leader that has not been reaped yet: a reaped pid may already belong to someone
    else, and its "children" with it.
    """
    _signal_group(leader, signal.SIGSTOP)
    frozen: set[int] = set()
    for _ in range(FREEZE_ROUNDS):
        new = _members(leader, follow_children=True) - frozen
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        frozen |= new
    _signal_group(leader, signal.SIGKILL)
    for pid in frozen:
        _signal(pid, signal.SIGKILL)


def kill_session(leader: int) -> None:
    """SIGKILL what is left of ``leader``'s session and process group after it exited.

    Safe after the leader was reaped: the kernel doesn't reuse a pid while it still names a
    live session or group, and without members these calls find nothing.
    """
    _signal_group(leader, signal.SIGKILL)
    for pid in _members(leader, follow_children=False):
        _signal(pid, signal.SIGKILL)


def run_tag(engine_id: str, run_id: int) -> str:
    """How a shell run's supervisor names its run on its command line (``launcher``'s ``tag``)."""
    return f"{engine_id}/{run_id}"


def _supervisor_tag(pid: int) -> str | None:
    """The ``tag`` of a shell run's supervisor (``python … launcher.py SPEC -- argv``), else None."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return None
    for i, arg in enumerate(argv[:6]):
        if arg.endswith(b"/launcher.py") and i + 1 < len(argv):
            try:
                spec = json.loads(argv[i + 1])
            except ValueError:
                return None
            tag = spec.get("tag") if isinstance(spec, dict) else None
            return tag if isinstance(tag, str) else None
    return None


def kill_leftovers(engine_id: str, run_ids: Iterable[int], *, wait: float = 5.0) -> int:
    """Kill what runs ``run_ids`` of the (dead) engine ``engine_id`` still have on this machine,
    and wait (up to ``wait`` seconds) until it is gone: a run is retried only once its previous
    attempt's processes are. Their supervisors normally did this themselves when the engine
    died; this is for one that had not finished. Returns how many supervisors were found."""
    tags = {run_tag(engine_id, run_id) for run_id in run_ids}
    if not tags:
        return 0
    leaders = [p.pid for p in list_processes() if p.state != "Z" and _supervisor_tag(p.pid) in tags]
    for leader in leaders:
        kill_process_tree(leader)
    deadline = time.monotonic() + wait
    while leaders and time.monotonic() < deadline:
        alive = {p.pid for p in list_processes() if p.state != "Z"}
        remaining = [pid for pid in leaders if pid in alive or _members(pid, follow_children=False)]
        if not remaining:
            break
        for pid in remaining:
            kill_session(pid)
        time.sleep(0.05)
    return len(leaders)

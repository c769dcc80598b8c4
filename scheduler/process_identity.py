"""Who a process is, beyond its pid: the machine's boot and the process's start time.

An engine records these with its worker row, so a later engine on the same machine can prove
it is gone (Linux ``/proc``): another boot, no process with that pid, or one that started at
another time (the pid was reused). Anything else (another host, no ``/proc``) proves nothing,
and the dead engine's runs wait for their leases to run out.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessIdentity:
    host: str
    pid: int
    boot_id: str | None  # /proc/sys/kernel/random/boot_id
    start_ticks: int | None  # field 22 of /proc/<pid>/stat: clock ticks after boot


def boot_id() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip() or None
    except OSError:
        return None


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started (ticks after boot), None if there is no such process (or no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().decode(errors="replace").rpartition(")")[2].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def this_process() -> ProcessIdentity:
    pid = os.getpid()
    return ProcessIdentity(socket.gethostname(), pid, boot_id(), start_ticks(pid))


def provably_gone(host: str, pid: int, boot: str | None, started: int | None) -> bool:
    """True only when the process so recorded can be shown to have ended: it ran on this
    machine, and since then the machine rebooted, or its pid is free or names a process that
    started at another time."""
    me = this_process()
    if host != me.host or boot is None or started is None or me.boot_id is None:
        return False
    if boot != me.boot_id:
        return True
    if pid == me.pid:
        return started != me.start_ticks
    now = start_ticks(pid)
    return now is None or now != started

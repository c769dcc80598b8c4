"""What a restart after kill -9 costs (issue 14: recovery under 5 s from the restart command).

For each source tree given (default: this one), in turn, ``rounds`` times: a ``cronpilot serve``
running four shell tasks is killed with SIGKILL while they run, and a new one is started. Per
restart it prints the seconds from the restart command to serve's first line
(``ready_s``), to the dead engine's runs all ended (``recovered_s``), and the CPU seconds the new
process had used when they were (``cpu_s``: what the machine's load multiplies into wall time).
Trees are interleaved, so a comparison sees the same load; the load average is printed too.

    .venv/bin/python bench/restart.py --rounds 5
    .venv/bin/python bench/restart.py --rounds 5 --tree /tmp/main-copy --tree .   # before/after

A tree other than this one is put first on PYTHONPATH of the serve it starts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.chaos import Site, _alive_with, _tempdir, _wait_until
from scheduler.models import RunStatus

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def restart_once(site: Site) -> dict[str, float]:
    """Wait for the shell runs to be running, kill -9 serve, restart it; the figures."""
    if not _wait_until(lambda: sum(r.status == RunStatus.RUNNING for r in site.runs()) >= 2, 30):
        raise RuntimeError("no run started")
    held = {r.run_id for r in site.runs() if r.status == RunStatus.RUNNING}
    site.kill9()
    began = time.monotonic()
    ready = site.serve()
    assert site.server is not None
    pid = site.server.pid
    cpu = 0.0

    def recovered() -> bool:
        nonlocal cpu
        cpu = _cpu_seconds(pid)
        return not any(r.run_id in held and r.status == RunStatus.RUNNING for r in site.runs())

    waited = _wait_until(recovered, 120)
    return {"ready_s": round(ready, 2),
            "recovered_s": round(time.monotonic() - began, 2) if waited is not None else float("inf"),
            "cpu_s": round(cpu, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", action="append", help="a cronpilot source tree (default: this one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in (args.tree or [str(ROOT)])]
    results: dict[str, list[dict[str, float]]] = {str(t): [] for t in trees}
    loads: list[float] = []
    marker = f"{os.getpid()}.{int(time.time()) % 1000}"
    with _tempdir("bench-restart-") as root:
        sites = {}
        for i, tree in enumerate(trees):
            site = Site(root / f"t{i}")
            if tree != ROOT:
                site.env["PYTHONPATH"] = os.pathsep.join([str(tree), site.env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
            for n in range(4):
                site.add_interval_task(f"work{n}", 2, {"kind": "shell", "argv": [f"sleep 3{marker}"],
                                                       "use_shell": True, "cwd": str(site.work)})
            sites[tree] = site
        try:
            for site in sites.values():
                site.serve()
            for _ in range(args.rounds):
                for tree, site in sites.items():
                    loads.append(os.getloadavg()[0])
                    results[str(tree)].append(restart_once(site))
        finally:
            for site in sites.values():
                site.close()
            for pid in _alive_with(f"sleep 3{marker}"):
                os.kill(pid, 9)
    summary = {tree: {key: {"median": statistics.median(r[key] for r in rows), "max": max(r[key] for r in rows)}
                      for key in ("ready_s", "recovered_s", "cpu_s")}
               for tree, rows in results.items()}
    out = {"load_1min": [round(min(loads), 2), round(max(loads), 2)], "summary": summary, "rounds": results}
    print(json.dumps(out, indent=2) if args.json else json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

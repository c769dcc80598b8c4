"""What people and access cost per service call: the role re-read every call makes, the hash
chain every audit entry takes, and verifying the chain.

    .venv/bin/python bench/access.py [--tasks 300] [--entries 5000] [--url sqlite:///...]

Prints a Markdown table for bench/RESULTS.md (section "People and access").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler.access import Actor, Role, TaskQuota
from scheduler.clock import FakeClock
from scheduler.secret_box import SecretBox
from scheduler.service import Service
from scheduler.store import Store


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cronpilot-bench-access-"))
    store = Store(args.url or f"sqlite:///{folder / 'cronpilot.db'}")
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    service = Service(store, clock=clock, secret_box=SecretBox(key_file=folder / "k"), task_quota=TaskQuota(0, 0))
    root = Actor("root", Role.ADMIN)
    service.add_person("mia", role="member", actor=root)
    known, unknown = Actor("mia", Role.MEMBER), Actor("local", Role.ADMIN)

    rows = []
    for n, (label, actor) in enumerate((("create_task (a known person: role re-read)", known),
                                        ("create_task (the CLI's local user)", unknown))):
        samples = []
        for i in range(args.tasks):
            spec = service.build_spec({"name": f"t{n}-{i}", "action": {"kind": "noop"},
                                       "triggers": [{"kind": "cron", "expression": "0 9 * * *"}]})
            start = time.perf_counter()
            service.create_task(spec, actor=actor)
            samples.append(time.perf_counter() - start)
        rows.append((label, *_ms(samples)))
    samples = []
    for _ in range(args.tasks):
        start = time.perf_counter()
        service.rules.role_of(known)
        samples.append(time.perf_counter() - start)
    rows.append(("role_of alone (one users row read)", *_ms(samples)))
    samples = []
    for i in range(args.entries):
        start = time.perf_counter()
        store.add_audit(at=clock.now(), actor="x", action="bench", decision="allowed", target=str(i))
        samples.append(time.perf_counter() - start)
    rows.append(("add_audit (lock row, previous hash, insert)", *_ms(samples)))
    start = time.perf_counter()
    checked, broken = store.verify_audit()
    verify_s = time.perf_counter() - start
    assert broken is None

    load = os.getloadavg()[0]
    print(f"`.venv/bin/python bench/access.py --tasks {args.tasks} --entries {args.entries}` "
          f"({'PostgreSQL' if not store.is_sqlite else 'SQLite, WAL'}), load average {load:.1f}\n")
    print("| call | p50 ms | p95 ms |\n| --- | --- | --- |")
    for label, p50, p95 in rows:
        print(f"| {label} | {p50:.2f} | {p95:.2f} |")
    print(f"\n`audit verify` of {checked} entries: {verify_s * 1000:.0f} ms "
          f"({verify_s / checked * 1e6:.1f} µs per entry).")
    store.close()


if __name__ == "__main__":
    main()

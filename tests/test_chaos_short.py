"""The chaos suite's short version (``bench/chaos.py --short``) as a test: every scenario loses,
duplicates and leaves stuck nothing, and a kill -9 leaves no orphan. Slow (a minute or two):
``-m "not slow"`` leaves it out of a quick run."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_chaos_short_loses_duplicates_and_strands_nothing():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "chaos.py"), "--short", "--json"],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.stdout.strip(), f"bench/chaos.py printed nothing (exit {done.returncode}):\n{done.stderr[-4000:]}"
    figures = json.loads(done.stdout)
    ran = [f for f in figures if not f["skipped"]]
    assert not [f for f in ran if f["error"]], [(f["scenario"], f["error"], f["extra"]) for f in ran if f["error"]]
    assert {f["scenario"] for f in ran} >= {"kill9-none", "sqlite-lock", "clock-step"}, figures
    for f in ran:
        # "duplicated" counts real duplicates only: a retry after an attempt killed between its
        # effect and its outcome is at-least-once, not a duplicate (test below).
        assert (f["lost"], f["duplicated"], f["stuck"], f["orphans"] or 0) == (0, 0, 0, 0), f


def _chaos() -> Any:
    spec = importlib.util.spec_from_file_location("chaos_bench", ROOT / "bench" / "chaos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@dataclass
class _Run:
    run_id: int
    task_id: int
    scheduled_for: datetime
    attempt: int
    started_at: datetime | None


def test_the_kill_9_ledger_tells_a_retry_after_an_effect_from_a_real_duplicate():
    count_duplicates = _chaos().count_duplicates
    fire = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    t0 = fire.timestamp()
    first = _Run(1, 7, fire, 1, fire)
    retry = _Run(2, 7, fire, 2, fire + timedelta(seconds=3))  # started 3 s later
    other = _Run(3, 8, fire, 1, fire)
    # Attempt 1 wrote its effect at +1.5 s, was killed at +2 s before its outcome was
    # recorded, and its retry did the work again: at-least-once, not a duplicate.
    assert count_duplicates([first, retry, other], [(1, t0 + 1.5), (2, t0 + 4.5), (3, t0 + 1.5)], [t0 + 2]) == (
        0, {"retried_after_effect": 1, "effect_then_killed": 1})
    # Attempt 1's process outlived its engine and wrote once its retry was running: a duplicate.
    assert count_duplicates([first, retry], [(1, t0 + 3.5), (2, t0 + 4.5)], [t0 + 2])[0] == 1
    # The same attempt's effect twice (executed twice): a duplicate.
    assert count_duplicates([first, other], [(1, t0 + 1.5), (1, t0 + 1.6), (3, t0 + 1.5)], [])[0] == 1
    # One effect per fire: nothing to count.
    assert count_duplicates([first, other], [(1, t0 + 1.5), (3, t0 + 1.5)], []) == (
        0, {"retried_after_effect": 0, "effect_then_killed": 0})

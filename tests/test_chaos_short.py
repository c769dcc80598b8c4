"""The chaos suite's short version (``bench/chaos.py --short``) as a test: every scenario loses,
duplicates and leaves stuck nothing, and a kill -9 leaves no orphan. Slow (a minute or two):
``-m "not slow"`` leaves it out of a quick run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_chaos_short_loses_duplicates_and_strands_nothing():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "chaos.py"), "--short", "--json"],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    figures = json.loads(done.stdout)
    ran = [f for f in figures if not f["skipped"]]
    assert {f["scenario"] for f in ran} >= {"kill9-none", "sqlite-lock", "clock-step"}, figures
    for f in ran:
        # "duplicated" is not asserted yet: the kill -9 ledger also counts a retry after an
        # attempt killed between its effect and its outcome (a retry, not a duplicate).
        assert (f["lost"], f["stuck"], f["orphans"] or 0) == (0, 0, 0), f

"""The public dev set of natural-language schedules (shared/eval/nl_schedules_dev.jsonl).

A row counts when the parser returns the same kind and exactly the listed fire times (3 for
repeating schedules, fewer when the phrase has a count or an end; 1 for one-offs) or, for
"invalid" rows, refuses the phrase. The test fails below 95 % exact matches.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import InvalidRequest
from scheduler.phrases import parse_schedule, preview

EVAL_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "eval"
DEV_SET = EVAL_DIR / "nl_schedules_dev.jsonl"
THRESHOLD = 0.95


def load_rows() -> list[dict]:
    if not DEV_SET.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"dev set missing in CI: {DEV_SET}")
        pytest.skip(f"dev set not found at {DEV_SET} (shared/ is not beside this checkout)")
    return [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]


def evaluate(row: dict) -> tuple[bool, str]:
    """(correct, what the parser said) for one row."""
    zone = row["tz"]
    now = datetime.fromisoformat(row["now"]).replace(tzinfo=ZoneInfo(zone))
    try:
        schedule = parse_schedule(row["text"], zone=zone, now=now)
    except InvalidRequest as exc:
        return row["kind"] == "invalid", f"refused: {exc}"
    count = 1 if schedule.kind == "once" else 3
    fires = [f.isoformat() for f in preview(schedule, zone=zone, after=now, count=count)]
    return schedule.kind == row["kind"] and fires == row["next"], f"{schedule.kind} {fires}"


def test_dev_set_accuracy() -> None:
    rows = load_rows()
    misses = []
    for row in rows:
        ok, got = evaluate(row)
        if not ok:
            misses.append(
                f"{row['id']} {row['text']!r}: expected {row['kind']} {row['next']}, got {got}"
            )
    score = (len(rows) - len(misses)) / len(rows)
    assert score >= THRESHOLD, f"{len(rows) - len(misses)}/{len(rows)} = {score:.1%}\n" + "\n".join(
        misses
    )

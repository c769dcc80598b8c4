"""Time phrases: cronpilot's parser against dateparser (one-offs) and recurrent (repetitions).

    .venv/bin/python bench/when.py [--json] [--repeat 50] [--dev PATH]

Accuracy is measured on the public dev set (shared/eval/nl_schedules_dev.jsonl), each parser on
what it can express: a row counts when the kind and every listed fire time match exactly
(invalid rows: when the parser refuses). Speed is the time of one parse call after start-up
(every phrase parsed once before timing), as p50/p95 over all rows x repeats.

How the others are read: dateparser.parse(text) with the row's zone and "now" (RELATIVE_BASE,
PREFER_DATES_FROM=future) gives a one-off, None a refusal; recurrent's RecurringEvent(now).parse
gives an RRULE (evaluated with dateutil from "now", HOURLY/MINUTELY/SECONDLY counted as interval),
a datetime (one-off) or None (refusal). Neither knows cronpilot's conventions (09:00 default,
bare 1-6 as afternoon, elapsed hours across DST), which is part of what the table shows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.errors import InvalidRequest
from scheduler.phrases import parse_schedule, preview
from scheduler.triggers import localtime

DEFAULT_DEV = ROOT / ".." / "shared" / "eval" / "nl_schedules_dev.jsonl"

Result = tuple[str, list[str]]  # (kind, next fire times as ISO 8601)


def _now(row: dict) -> datetime:
    return datetime.fromisoformat(row["now"]).replace(tzinfo=ZoneInfo(row["tz"]))


def run_cronpilot(row: dict) -> Result:
    now = _now(row)
    try:
        schedule = parse_schedule(row["text"], zone=row["tz"], now=now)
    except InvalidRequest:
        return "invalid", []
    count = 1 if schedule.kind == "once" else 3
    return schedule.kind, [
        f.isoformat() for f in preview(schedule, zone=row["tz"], after=now, count=count)
    ]


def parse_cronpilot(row: dict) -> object:
    try:
        return parse_schedule(row["text"], zone=row["tz"], now=_now(row))
    except InvalidRequest:
        return None


def _dateparser_settings(row: dict) -> dict:
    return {
        "RELATIVE_BASE": datetime.fromisoformat(row["now"]),
        "TIMEZONE": row["tz"],
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
    }


def parse_dateparser(row: dict) -> object:
    import dateparser

    lang = row.get("lang", "en")
    return dateparser.parse(row["text"], languages=[lang], settings=_dateparser_settings(row))


def run_dateparser(row: dict) -> Result:
    got = parse_dateparser(row)
    if got is None:
        return "invalid", []
    assert isinstance(got, datetime)
    zone = ZoneInfo(row["tz"])
    return "once", [got.astimezone(zone).isoformat()]


def parse_recurrent(row: dict) -> object:
    from recurrent.event_parser import RecurringEvent

    return RecurringEvent(now_date=datetime.fromisoformat(row["now"])).parse(row["text"])


def run_recurrent(row: dict) -> Result:
    from dateutil.rrule import rrulestr

    got = parse_recurrent(row)
    zone = ZoneInfo(row["tz"])
    now = _now(row)
    if got is None:
        return "invalid", []
    if isinstance(got, datetime):
        return "once", [
            localtime.resolve(got.replace(tzinfo=None), zone).astimezone(zone).isoformat()
        ]
    text = str(got)
    kind = (
        "interval"
        if any(f"FREQ={f}" in text for f in ("HOURLY", "MINUTELY", "SECONDLY"))
        else "recurring"
    )
    if "INTERVAL=0;" in text + ";":
        return kind, []  # "every 0 minutes": a rule dateutil would step through forever
    try:
        rule = rrulestr(text, dtstart=now.replace(tzinfo=None))
    except (ValueError, TypeError):
        return "invalid", []
    fires: list[str] = []
    wall = now.replace(tzinfo=None)
    for _ in range(100):
        found = rule.after(wall)
        if found is None or len(fires) == 3:
            break
        wall = found
        instant = localtime.resolve(wall, zone)
        if instant > now.astimezone(UTC):
            fires.append(instant.astimezone(zone).isoformat())
    return kind, fires


PARSERS: dict[str, tuple[Callable[[dict], Result], Callable[[dict], object], set[str]]] = {
    "cronpilot": (run_cronpilot, parse_cronpilot, {"once", "recurring", "interval", "invalid"}),
    "dateparser": (run_dateparser, parse_dateparser, {"once", "invalid"}),
    "recurrent": (run_recurrent, parse_recurrent, {"once", "recurring", "interval", "invalid"}),
}


def accuracy(run: Callable[[dict], Result], rows: list[dict]) -> tuple[int, list[str]]:
    correct, misses = 0, []
    for row in rows:
        try:
            kind, fires = run(row)
        except Exception as exc:
            kind, fires = "error", [type(exc).__name__]
        if kind == row["kind"] and (row["kind"] == "invalid" or fires == row["next"]):
            correct += 1
        else:
            misses.append(row["id"])
    return correct, misses


def _quietly(parse: Callable[[dict], object], row: dict) -> None:
    """Time a competitor's call even when it raises on a phrase (that is its answer)."""
    with contextlib.suppress(Exception):
        parse(row)


def timing(parse: Callable[[dict], object], rows: list[dict], repeat: int) -> tuple[float, float]:
    for row in rows:  # start-up: imports, caches, first-call costs
        _quietly(parse, row)
    samples = []
    for _ in range(repeat):
        for row in rows:
            start = time.perf_counter()
            _quietly(parse, row)
            samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--repeat", type=int, default=30, help="timing passes over the dev set")
    ap.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="dev set (JSON lines)")
    ap.add_argument("--groups", action="store_true",
                    help="score by the rows' 'group' field (bench/data/nl_schedules_round2*.jsonl)")
    ap.add_argument("--by", default="group", help="with --groups: the row field to group by (group, lang)")
    ap.add_argument("--misses", action="store_true", help="with --groups: list cronpilot's misses")
    args = ap.parse_args(argv)
    rows = [json.loads(line) for line in args.dev.read_text().splitlines() if line.strip()]
    warnings.filterwarnings("ignore")
    if args.groups:
        return _by_group(rows, args.by, show_misses=args.misses)
    results: list[dict[str, Any]] = []
    for name, (run, parse, scope) in PARSERS.items():
        subset = [r for r in rows if r["kind"] in scope]
        correct, misses = accuracy(run, subset)
        p50, p95 = timing(parse, subset, args.repeat)
        by_kind = {}
        for kind in ("once", "recurring", "interval", "invalid"):
            part = [r for r in subset if r["kind"] == kind]
            if part:
                by_kind[kind] = f"{accuracy(run, part)[0]}/{len(part)}"
        results.append({
            "parser": name, "scope": "+".join(sorted(scope)), "rows": len(subset), "correct": correct,
            "accuracy": round(correct / len(subset), 4) if subset else 0.0, "by_kind": by_kind,
            "p50_ms": round(p50, 3), "p95_ms": round(p95, 3), "misses": misses,
        })  # fmt: skip
    if args.json:
        print(
            json.dumps(
                {"dev_set": str(args.dev.resolve()), "rows": len(rows), "results": results},
                indent=2,
            )
        )
        return 0
    print(f"dev set: {len(rows)} rows; timing: {args.repeat} passes, one parse call each\n")
    print(
        "| parser | rows in scope | exact | once | recurring | interval | invalid | p50 ms | p95 ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        kinds = [r["by_kind"].get(k, "n/a") for k in ("once", "recurring", "interval", "invalid")]
        print(f"| {r['parser']} | {r['rows']} | {r['correct']} ({r['accuracy']:.1%}) | " + " | ".join(kinds)
              + f" | {r['p50_ms']:.3f} | {r['p95_ms']:.3f} |")  # fmt: skip
    return 0


def _by_group(rows: list[dict], field: str = "group", *, show_misses: bool = False) -> int:
    """Each parser's exact matches per group on every row (a parser that can't express a kind
    scores 0 on it: the table says what a person would get)."""
    groups = list(dict.fromkeys(r.get(field, "en") for r in rows))
    print(f"{len(rows)} rows; a row counts when kind and every fire time match (refusal for invalid)\n")
    print("| parser | all | " + " | ".join(groups) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in groups) + " |")
    for name, (run, _parse, _scope) in PARSERS.items():
        cells = []
        for g in groups:
            part = [r for r in rows if r.get(field, "en") == g]
            cells.append(f"{accuracy(run, part)[0]}/{len(part)}")
        total = accuracy(run, rows)[0]
        print(f"| {name} | {total}/{len(rows)} ({total / len(rows):.1%}) | " + " | ".join(cells) + " |")
    if show_misses:
        for row in rows:
            if row["id"] in accuracy(run_cronpilot, [row])[1]:
                print(f"{row['id']} [{row.get(field)}] {row['text']!r}: want {row['kind']} {row['next']}, "
                      f"got {_safe(run_cronpilot, row)}")
    return 0


def _safe(run: Callable[[dict], Result], row: dict) -> object:
    try:
        return run(row)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


if __name__ == "__main__":
    sys.exit(main())

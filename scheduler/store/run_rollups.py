"""Figures of closed hours, kept: the stats page's counts, durations and lateness per UTC hour of
creation, so a month of a million runs is ~720 rows read instead of every run of the month.

An hour is *closed* once it ended more than ``GRACE`` ago and no run created in it is pending or
running. From then on nothing in it changes: an ended run never changes status again, and a run
is inserted with the present time as its ``created_at`` (``GRACE`` covers a commit that lands
after its timestamp and engines whose clocks differ by less). The first reader that needs a
closed hour counts it from the runs and stores it (``INSERT ... ON CONFLICT DO NOTHING``: readers
racing write one row); everything else of a period — its partial first hour, the open hours, an
hour with a live run — is read from the runs, live, by the caller. Nothing on the engine's path
writes here.

Durations are kept exactly as a sum (the mean stays exact) and as a histogram with
``PER_OCTAVE`` logarithmic buckets per doubling: a p95 read from it is the bucket's geometric
middle, within 2.2 % of the exact pick.

A run written with a ``created_at`` in an hour already stored (an import of old runs, a clock
more than ``GRACE`` behind) is not in that hour's figures; ``forget_hours`` drops stored hours so
they are counted again."""

from __future__ import annotations

import json
import math
import operator
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..models import RunStatus
from . import dialect
from .base import Database
from .tables import LIVE_RUNS, run_hour_failures, run_hours, runs

GRACE = timedelta(minutes=5)
PER_OCTAVE = 16
BUCKETS = 1 + 48 * PER_OCTAVE  # up to 2**48 µs (8.9 years); longer runs share the last bucket
HOUR = timedelta(hours=1)
_ENDED_OUTCOMES = (RunStatus.COMPLETED.value, RunStatus.FAILED.value, RunStatus.SKIPPED.value)
_LIVE = (RunStatus.PENDING.value, RunStatus.RUNNING.value)
_TIMED = (RunStatus.COMPLETED.value, RunStatus.FAILED.value)
# The columns of a run that the figures are made of (read for the hours counted live).
RUN_FIGURE_COLUMNS = (runs.c.task_id, runs.c.status, runs.c.created_at, runs.c.due_at, runs.c.started_at,
                      runs.c.finished_at)


@dataclass
class Figures:
    """Ended runs of one hour (or of several, added up): what ``run_hours`` holds."""

    runs: int = 0
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    timed: int = 0
    duration_us: int = 0
    started: int = 0
    late_seconds: float = 0.0
    durations: Histogram = field(default_factory=lambda: Histogram())

    def add_run(self, status: str, due_at: datetime, started_at: datetime | None,
                finished_at: datetime | None) -> int | None:
        """Count one ended run; its duration in µs when it is timed (else None)."""
        self.runs += 1
        us = None
        if status == RunStatus.COMPLETED.value:
            self.completed += 1
        elif status == RunStatus.FAILED.value:
            self.failed += 1
        elif status == RunStatus.SKIPPED.value:
            self.skipped += 1
        if status in _TIMED and started_at is not None and finished_at is not None:
            us = (finished_at - started_at) // timedelta(microseconds=1)
            self.timed += 1
            self.duration_us += us
            self.durations.count(us)
        if status in _ENDED_OUTCOMES and started_at is not None:
            self.started += 1
            # a run started early (run now, before its due time) counts as on time
            self.late_seconds += max(0.0, (started_at - due_at).total_seconds())
        return us

    def add(self, other: Figures) -> None:
        self.runs += other.runs
        self.completed += other.completed
        self.failed += other.failed
        self.skipped += other.skipped
        self.timed += other.timed
        self.duration_us += other.duration_us
        self.started += other.started
        self.late_seconds += other.late_seconds
        self.durations.add(other.durations)

    def p95_us(self) -> int | None:
        """The nearest-rank p95 (index ``round(0.95 * (timed - 1))``) read from the histogram:
        the middle of the bucket it falls in."""
        return self.durations.pick(round(0.95 * (self.timed - 1))) if self.timed else None


class Histogram:
    """Runs per duration bucket (``bucket_of``), from bucket ``first`` on."""

    __slots__ = ("counts", "first")

    def __init__(self, first: int = 0, counts: list[int] | None = None) -> None:
        self.first, self.counts = first, counts if counts is not None else []

    def count(self, us: int) -> None:
        bucket = bucket_of(us)
        self._cover(bucket, bucket)
        self.counts[bucket - self.first] += 1

    def add(self, other: Histogram) -> None:
        if not other.counts:
            return
        self._cover(other.first, other.first + len(other.counts) - 1)
        at, end = other.first - self.first, other.first - self.first + len(other.counts)
        self.counts[at:end] = map(operator.add, self.counts[at:end], other.counts)

    def pick(self, rank: int) -> int:
        """The duration (µs) the ``rank``-th smallest (from 0) stands for."""
        seen = 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen > rank:
                return middle_of(self.first + index)
        raise ValueError(f"no rank {rank} among {seen} durations")

    def packed(self) -> str:
        """JSON ``[first bucket, count, ...]`` without empty ends (``[]``: empty)."""
        used = [i for i, n in enumerate(self.counts) if n]
        if not used:
            return "[]"
        return json.dumps([self.first + used[0], *self.counts[used[0]:used[-1] + 1]], separators=(",", ":"))

    @classmethod
    def unpacked(cls, text: str) -> Histogram:
        packed = json.loads(text)
        return cls(packed[0], packed[1:]) if packed else cls()

    def _cover(self, low: int, high: int) -> None:
        if not self.counts:
            self.first, self.counts = low, [0] * (high - low + 1)
            return
        if low < self.first:
            self.counts[:0] = [0] * (self.first - low)
            self.first = low
        last = self.first + len(self.counts) - 1
        if high > last:
            self.counts.extend([0] * (high - last))


def bucket_of(us: int) -> int:
    """The histogram bucket of a duration in µs: 0 for none (or a negative clock step), else
    ``1 + floor(log2(us) * PER_OCTAVE)``."""
    return 0 if us < 1 else min(BUCKETS - 1, 1 + math.floor(math.log2(us) * PER_OCTAVE))


def middle_of(bucket: int) -> int:
    """The duration (µs) a bucket stands for: the geometric middle of its bounds."""
    return 0 if bucket < 1 else round(2 ** ((bucket - 0.5) / PER_OCTAVE))


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_after(at: datetime) -> datetime:
    """The first whole hour at or after ``at``."""
    floor = hour_of(at)
    return floor if floor == at else floor + HOUR


@dataclass
class Rolled:
    """A period seen through the stored hours: the hours' figures, and the ranges of creation
    times (``[from, until)``, ``until`` None: open-ended) whose runs are still to be counted live."""

    hours: dict[datetime, Figures]
    live: list[tuple[datetime, datetime | None]]

    def covered(self) -> list[tuple[datetime, datetime]]:
        """The stored hours as contiguous ``[from, until)`` ranges."""
        return _spans(sorted(self.hours))


class RunRollups:
    """The stored hours: found, counted where missing, and the live remainder of a period. The
    closed hours once read are kept here too (they never change): a reader then asks the
    database only for hours it has not seen, and whether those hold a live run."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._seen: dict[datetime, Figures] = {}  # shared, read only: callers never change them
        # Sums over runs of stored hours, as the last requests asked for them: a page asked
        # again within the hour adds nothing up again.
        self._sums: dict[tuple[datetime, datetime], Figures] = {}
        self._failed: dict[tuple[datetime, datetime], tuple[list[tuple[int, int]], dict[int, int]]] = {}
        self._lock = threading.Lock()  # screens are served from several threads

    def period(self, *, since: datetime | None, now: datetime) -> Rolled:
        """Every closed hour from ``since`` (None: the first run) to ``now`` with its figures
        (counted and stored first where missing), and the creation-time ranges of the period the
        stored hours don't cover. ``since``'s partial hour is always live."""
        missing: list[datetime] = []
        with self.db.read() as conn:
            if since is None:
                first_at = conn.execute(sa.select(sa.func.min(runs.c.created_at))).scalar()
                if first_at is None:
                    return Rolled(hours={}, live=[])
                since = hour_of(first_at)
            first, end = hour_after(since), hour_of(now - GRACE)
            wanted = list(_hours(first, end))
            seen = self._seen
            hours = {h: seen[h] for h in wanted if h in seen}
            unseen = [h for h in wanted if h not in hours]
            if unseen:
                for row in conn.execute(run_hours.select().where(run_hours.c.hour_at >= unseen[0],
                                                                 run_hours.c.hour_at <= unseen[-1])):
                    hours.setdefault(row.hour_at, _figures_of(row))
                open_hours = {hour_of(at) for (at,) in conn.execute(
                    sa.select(runs.c.created_at).where(LIVE_RUNS, runs.c.created_at < end))}
                missing = [h for h in unseen if h not in hours and h not in open_hours]
        for start, until in _spans(missing):
            hours.update(self._roll_up(start, until))
        with self._lock:
            self._seen.update(hours)
        return Rolled(hours=hours, live=_gaps(since, sorted(hours)))

    def forget_hours(self, *, since: datetime | None = None) -> int:
        """Drop the stored hours from ``since`` (None: all): the next reader counts them again
        (this store at once; another store, such as another process's, keeps the hours it has
        already read until it is opened again)."""
        with self._lock:
            self._seen = {} if since is None else {h: f for h, f in self._seen.items() if h < hour_of(since)}
            self._sums.clear()
            self._failed.clear()
        with self.db.write() as conn:
            where = [] if since is None else [run_hours.c.hour_at >= hour_of(since)]
            conn.execute(run_hour_failures.delete().where(
                *([] if since is None else [run_hour_failures.c.hour_at >= hour_of(since)])))
            return int(conn.execute(run_hours.delete().where(*where)).rowcount)

    def total(self, rolled: Rolled) -> Figures:
        """The stored hours of ``rolled`` added up (a new ``Figures``: the caller's to change)."""
        total = Figures()
        for start, until in rolled.covered():
            span = self._sums.get((start, until))
            if span is None:
                span = Figures()
                for hour in _hours(start, until):
                    span.add(rolled.hours[hour])
                with self._lock:
                    _remember(self._sums, (start, until), span)
            total.add(span)
        return total

    def failures(self, conn: sa.Connection, spans: list[tuple[datetime, datetime]], *, top: int,
                 also: Iterable[int] = ()) -> dict[int, int]:
        """Failed runs per task in the stored hours ``spans``: the ``top`` tasks with the most
        (ties by task id) and the tasks ``also``."""
        if not spans:
            return {}
        key = (spans[0][0], spans[-1][1]) if len(spans) == 1 else None
        found = self._failed.get(key) if key is not None else None
        if found is None:
            within = sa.or_(*(sa.and_(run_hour_failures.c.hour_at >= a, run_hour_failures.c.hour_at < b)
                              for a, b in spans))
            counts = {int(t): int(n) for t, n in conn.execute(
                sa.select(run_hour_failures.c.task_id, sa.func.sum(run_hour_failures.c.failed))
                .where(within).group_by(run_hour_failures.c.task_id))}
            found = (sorted(counts.items(), key=lambda item: (-item[1], item[0])), counts)
            if key is not None:
                with self._lock:
                    _remember(self._failed, key, found)
        ranked, counts = found
        picked = dict(ranked[:top])
        picked.update({t: counts[t] for t in also if t in counts})
        return picked

    def _roll_up(self, start: datetime, until: datetime) -> dict[datetime, Figures]:
        """Count the closed hours ``[start, until)`` from the runs and store them (a day at a
        time: short write transactions)."""
        counted: dict[datetime, Figures] = {}
        for chunk_start in _hours(start, until, step=timedelta(days=1)):
            chunk_end = min(until, chunk_start + timedelta(days=1))
            figures = {h: Figures() for h in _hours(chunk_start, chunk_end)}
            failures: dict[tuple[datetime, int], int] = {}
            with self.db.read() as conn:
                for task_id, status, created_at, due_at, started_at, finished_at in conn.execute(
                        sa.select(*RUN_FIGURE_COLUMNS).where(runs.c.created_at >= chunk_start,
                                                             runs.c.created_at < chunk_end,
                                                             runs.c.status.notin_(_LIVE))):
                    hour = hour_of(created_at)
                    figures[hour].add_run(status, due_at, started_at, finished_at)
                    if status == RunStatus.FAILED.value:
                        failures[(hour, task_id)] = failures.get((hour, task_id), 0) + 1
            with self.db.write() as conn:
                conn.execute(dialect.insert(self.db.engine, run_hours).on_conflict_do_nothing(),
                             [_row_of(h, f) for h, f in figures.items()])
                if failures:
                    conn.execute(dialect.insert(self.db.engine, run_hour_failures).on_conflict_do_nothing(),
                                 [{"hour_at": h, "task_id": t, "failed": n} for (h, t), n in failures.items()])
            counted.update(figures)
        return counted


def _remember(memo: dict[Any, Any], key: Any, value: Any, *, keep: int = 16) -> None:
    """Keep ``value`` under ``key``, and only the ``keep`` newest entries."""
    memo[key] = value
    while len(memo) > keep:
        del memo[next(iter(memo))]


def _hours(start: datetime, until: datetime, *, step: timedelta = HOUR) -> Iterator[datetime]:
    at = start
    while at < until:
        yield at
        at += step


def _spans(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Sorted hours as contiguous ``[from, until)`` ranges."""
    spans: list[tuple[datetime, datetime]] = []
    for hour in hours:
        if spans and spans[-1][1] == hour:
            spans[-1] = (spans[-1][0], hour + HOUR)
        else:
            spans.append((hour, hour + HOUR))
    return spans


def _gaps(since: datetime, stored: list[datetime]) -> list[tuple[datetime, datetime | None]]:
    """``[since, ∞)`` less the stored (sorted) hours."""
    gaps: list[tuple[datetime, datetime | None]] = []
    at = since
    for start, until in _spans(stored):
        if at < start:
            gaps.append((at, start))
        at = max(at, until)
    gaps.append((at, None))
    return gaps


def _figures_of(row: Any) -> Figures:
    return Figures(runs=row.runs, completed=row.completed, failed=row.failed, skipped=row.skipped,
                   timed=row.timed, duration_us=int(row.duration_us), started=row.started,
                   late_seconds=float(row.late_seconds), durations=Histogram.unpacked(row.durations))


def _row_of(hour: datetime, f: Figures) -> dict[str, Any]:
    """A ``run_hours`` row; the histogram as ``[first bucket, count, count, ...]`` (dense)."""
    return {"hour_at": hour, "runs": f.runs, "completed": f.completed, "failed": f.failed, "skipped": f.skipped,
            "timed": f.timed, "duration_us": f.duration_us, "started": f.started, "late_seconds": f.late_seconds,
            "durations": f.durations.packed()}

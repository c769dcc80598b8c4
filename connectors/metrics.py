"""``/metrics`` in Prometheus' text format, fed by the engine through its observer port.

The engine fires up to 10,000 tasks a second, so nothing here runs per fire in the engine's own
code: the engine hands over each pass as it already has it (``EnginePass``) and ``Metrics``
counts into plain dicts and bucket lists. prometheus-client reads them only when scraped,
through a custom collector, so the hot path never takes the client's locks. Queue depth is
asked of the database at scrape time.

    cronpilot_fires_total                          fires recorded (running, pending or skipped)
    cronpilot_runs_total{status, kind}             runs that ended, by status and action kind
    cronpilot_run_lateness_seconds                 start minus the scheduled instant (schedule runs)
    cronpilot_run_duration_seconds                 finish minus start
    cronpilot_engine_pass_seconds                  wall time of one engine pass
    cronpilot_deliveries_total{platform, result}   notices delivered or failed, per platform
    cronpilot_queue_depth                          due pending runs no engine has claimed
    cronpilot_runs_running                         runs running now (any engine)
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from scheduler.models import RunReason, RunStatus
from scheduler.ports import EnginePass

LATENESS_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
DURATION_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600)
PASS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
_ON_TIME = frozenset({RunReason.SCHEDULE})  # catch-up runs are late on purpose


class Histogram:
    """Bucket counts kept as a plain list; cumulative only when read."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(bounds)
        self.counts = [0] * (len(self.bounds) + 1)  # the last one: above every bound (+Inf)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def family(self, name: str, documentation: str) -> HistogramMetricFamily:
        cumulative, running = [], 0
        for bound, count in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            running += count
            cumulative.append((bound, running))
        return HistogramMetricFamily(name, documentation, buckets=cumulative, sum_value=self.total)


class Metrics:
    """The engine's observer and the delivery router's, and the collector ``/metrics`` reads."""

    def __init__(self, *, backlog: Callable[[], tuple[int, int]] | None = None) -> None:
        self.backlog = backlog  # () -> (due pending runs, running runs), read when scraped
        self.fires = 0
        self.runs: Counter[tuple[RunStatus, str]] = Counter()  # (status, action kind)
        self.deliveries: Counter[tuple[str, str]] = Counter()
        self.lateness = Histogram(LATENESS_BUCKETS)
        self.duration = Histogram(DURATION_BUCKETS)
        self.passes = Histogram(PASS_BUCKETS)
        self._lock = threading.Lock()  # the loop writes, a scrape (a worker thread) reads

    # --- fed by the engine and the delivery router (the event loop) ----------------------------

    def engine_pass(self, report: EnginePass) -> None:
        with self._lock:
            self.passes.observe(report.seconds)
            if report.fires:
                self._count_fires(report)
            if report.outcomes:
                self._count_outcomes(report)

    def _count_fires(self, report: EnginePass) -> None:
        self.fires += len(report.fires)
        skipped = RunStatus.SKIPPED
        for run in report.fires:
            if run.status is skipped:  # recorded ended: there will be no outcome for it
                self.runs[(skipped, report.kind_of(run.task_id))] += 1

    def _count_outcomes(self, report: EnginePass) -> None:
        # Inlined on purpose: this runs for every run the engine finishes (10,000/s at full load).
        runs, kind_of, on_time = self.runs, report.kind_of, _ON_TIME
        duration, lateness = self.duration, self.lateness
        dur_bounds, dur_counts = duration.bounds, duration.counts
        late_bounds, late_counts = lateness.bounds, lateness.counts
        dur_total = late_total = 0.0
        for outcome in report.outcomes:
            runs[(outcome.status, kind_of(outcome.task_id))] += 1
            started = outcome.started_at
            if started is None:
                continue
            took = (outcome.finished_at - started).total_seconds()
            dur_counts[bisect.bisect_left(dur_bounds, took)] += 1
            dur_total += took
            if outcome.reason in on_time and outcome.attempt == 1 and outcome.scheduled_for is not None:
                late = max(0.0, (started - outcome.scheduled_for).total_seconds())
                late_counts[bisect.bisect_left(late_bounds, late)] += 1
                late_total += late
        duration.total += dur_total
        lateness.total += late_total

    def delivery(self, platform: str, result: str) -> None:
        with self._lock:
            self.deliveries[(platform or "terminal", result)] += 1

    # --- read by prometheus-client when scraped ---------------------------------------------

    def collect(self) -> Iterator[Any]:
        with self._lock:
            fires = CounterMetricFamily("cronpilot_fires", "Fires recorded by this engine.")
            fires.add_metric([], self.fires)
            runs = CounterMetricFamily("cronpilot_runs", "Runs that ended, by status and action kind.",
                                       labels=["status", "kind"])
            for status, kind, count in sorted((s.value, k, c) for (s, k), c in self.runs.items()):
                runs.add_metric([status, kind], count)
            deliveries = CounterMetricFamily("cronpilot_deliveries", "Notices delivered or failed.",
                                             labels=["platform", "result"])
            for (platform, result), count in sorted(self.deliveries.items()):
                deliveries.add_metric([platform, result], count)
            families = [
                fires, runs, deliveries,
                self.lateness.family("cronpilot_run_lateness_seconds",
                                     "How late scheduled runs started (start minus scheduled instant)."),
                self.duration.family("cronpilot_run_duration_seconds", "How long runs took."),
                self.passes.family("cronpilot_engine_pass_seconds", "Wall time of one engine pass."),
            ]
        yield from families
        if self.backlog is not None:
            due, running = self.backlog()
            yield GaugeMetricFamily("cronpilot_queue_depth", "Due pending runs no engine has claimed yet.",
                                    value=due)
            yield GaugeMetricFamily("cronpilot_runs_running", "Runs running now, on any engine.", value=running)

    def registry(self) -> CollectorRegistry:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        return registry


def metrics_router(metrics: Metrics) -> APIRouter:
    router = APIRouter()
    registry = metrics.registry()

    @router.get("/metrics", include_in_schema=False)
    def scrape() -> Response:  # a plain def: FastAPI runs it in a thread (the backlog query)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router

"""Health and metrics on serve's HTTP port: /healthz, /readyz (503 with the reason when the
database, the engine's heartbeat or a connector is down) and /metrics (Prometheus text)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fakes.notifier import RecordingNotifier
from prometheus_client.parser import text_string_to_metric_families

from connectors.delivery import DeliveryFailed, DeliveryRouter
from connectors.health import Readiness, health_router
from connectors.metrics import Metrics, metrics_router
from connectors.runtime import ConnectorStatus
from connectors.web import HttpServer, build_api
from scheduler.actions.base import ActionConfig
from scheduler.clock import FakeClock
from scheduler.engine import Engine
from scheduler.ports import Notification
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.fixture
async def serve_api() -> AsyncIterator[Callable[..., object]]:
    servers: list[HttpServer] = []

    async def start(*routers: object) -> httpx.AsyncClient:
        server = HttpServer(build_api(list(routers)), host="127.0.0.1", port=0)
        await server.start()
        servers.append(server)
        return httpx.AsyncClient(base_url=server.url)

    yield start
    for server in servers:
        await server.stop()


def _readiness(store: Store, *, beat: datetime | None = NOW, statuses: list[ConnectorStatus] | None = None) -> Readiness:
    return Readiness(ping=store.ping, last_heartbeat=lambda: beat, now=lambda: NOW,
                     stale_after=timedelta(seconds=30), connectors=lambda: statuses or [])


async def test_readyz_503_with_the_reason_when_the_database_is_unreachable(serve_api):
    store = Store(UNREACHABLE, migrate=False)  # a real psycopg connection that is refused
    try:
        async with await serve_api(health_router(_readiness(store))) as client:
            alive = await client.get("/healthz")
            ready = await client.get("/readyz")
    finally:
        store.close()
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable" and body["checks"]["engine"] == "ok"
    assert body["checks"]["database"].startswith("the database at postgresql+psycopg://nobody@127.0.0.1:1/none is unavailable")
    assert body["reasons"] == [f"database: {body['checks']['database']}"]


async def test_readyz_200_then_503_for_a_stale_heartbeat_or_a_failed_connector(serve_api, tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    slack_off = ConnectorStatus("slack", False, "auth.test failed: invalid_auth")
    telegram_unset = ConnectorStatus("telegram", False, "TELEGRAM_BOT_TOKEN not set", configured=False)
    try:
        ok = await serve_api(health_router(_readiness(store, statuses=[telegram_unset])))
        stale = await serve_api(health_router(_readiness(store, beat=NOW - timedelta(seconds=45))))
        down = await serve_api(health_router(_readiness(store, statuses=[slack_off])))
        async with ok, stale, down:
            ready, late, broken = await ok.get("/readyz"), await stale.get("/readyz"), await down.get("/readyz")
    finally:
        store.close()
    assert ready.status_code == 200 and ready.json() == {
        "status": "ready", "checks": {"database": "ok", "engine": "ok", "connectors": "ok"}}
    assert late.status_code == 503
    assert late.json()["reasons"] == ["engine: the engine's last heartbeat was 45 s ago"]
    assert broken.status_code == 503
    assert broken.json()["reasons"] == ["connectors: slack: off (auth.test failed: invalid_auth)"]


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_counters_move_after_a_run(serve_api, tmp_path: Path):
    clock = FakeClock(NOW)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    service = Service(store, clock=clock, default_timezone="UTC")
    metrics = Metrics(backlog=lambda: (store.run_backlog(now=clock.now()).due, 0))
    engine = Engine(store, config=ActionConfig(data_dir=tmp_path / "data"), clock=clock,
                    notifier=RecordingNotifier(), observer=metrics)
    spec = service.build_spec({"name": "tick", "triggers": [{"kind": "interval", "every": "PT10S"}],
                               "action": {"kind": "noop"}})
    service.create_task(spec, actor=Actor("me", Role.ADMIN))
    try:
        await engine.start()
        async with await serve_api(metrics_router(metrics)) as client:
            before = _samples((await client.get("/metrics")).text)
            clock.advance(timedelta(seconds=10))
            await engine.run_until_idle()
            response = await client.get("/metrics")
        await engine.shutdown()
    finally:
        store.close()
    assert response.headers["content-type"].startswith("text/plain; version=")
    after = _samples(response.text)
    completed = ("cronpilot_runs_total", (("kind", "noop"), ("status", "completed")))
    assert completed not in before and after[completed] == 1
    assert before[("cronpilot_fires_total", ())] == 0 and after[("cronpilot_fires_total", ())] == 1
    assert after[("cronpilot_run_lateness_seconds_count", ())] == 1
    assert after[("cronpilot_run_duration_seconds_count", ())] == 1
    assert after[("cronpilot_engine_pass_seconds_count", ())] > before[("cronpilot_engine_pass_seconds_count", ())]
    assert after[("cronpilot_queue_depth", ())] == 0


async def test_metrics_count_deliveries_by_platform_and_result():
    metrics = Metrics()
    router = DeliveryRouter(default=RecordingNotifier(), observe=metrics.delivery)
    await router.notify(Notification(owner="me", text="hi", destination={"platform": "cli"}))
    with pytest.raises(DeliveryFailed):
        await router.notify(Notification(owner="me", text="hi", destination={"platform": "slack", "channel": "C1"}))
    samples = {tuple(s.labels.values()): s.value for f in metrics.collect() for s in f.samples
               if s.name == "cronpilot_deliveries_total"}
    assert samples == {("slack", "failed"): 1, ("terminal", "delivered"): 1}


@pytest.mark.slow  # starts cronpilot serve
def test_serve_answers_readyz_and_metrics(tmp_path: Path):
    env = {**os.environ, "CRONPILOT_DATA_DIR": str(tmp_path / "data"), "CRONPILOT_TIMEZONE": "UTC",
           "CRONPILOT_HTTP_PORT": "0"}
    command = [sys.executable, "-m", "cronpilot"]
    subprocess.run([*command, "task", "add", "--name", "ping", "--noop"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([*command, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = None
        for _ in range(10):
            line = server.stdout.readline()
            found = re.search(r"http: on \((http://[\d.]+:\d+);.*/metrics.*/readyz", line)
            if found:
                url = found.group(1)
                break
        assert url, "serve did not report its HTTP server"
        assert httpx.get(f"{url}/readyz", timeout=10).json()["status"] == "ready"
        done = subprocess.run([*command, "run", "ping", "--wait"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        text = httpx.get(f"{url}/metrics", timeout=10).text
        assert 'cronpilot_runs_total{kind="noop",status="completed"} 1.0' in text
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()

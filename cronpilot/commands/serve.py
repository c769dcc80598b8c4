"""``cronpilot serve``: the engine, the chat connectors whose settings are present and the HTTP
server, in the foreground; Ctrl-C stops them cleanly."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import typer

from scheduler.supabase import connection_kind
from scheduler.wording import count_text

from .. import render
from .context import current_app

if TYPE_CHECKING:
    from fastapi import APIRouter

    from connectors.dashboard import LiveFeed
    from connectors.log_archive import LogArchiver
    from connectors.runtime import Connectors
    from connectors.web import HttpServer
    from cronpilot.wiring import App


def serve(
    grace: int = typer.Option(30, "--grace", help="Seconds to let running tasks finish on stop."),
) -> None:
    """Run the engine, the chat connectors and the HTTP server until Ctrl-C.

    The engine fires every task; each chat connector whose settings are present (Slack,
    Telegram, email) starts too, and the HTTP server (CRONPILOT_HTTP_HOST:CRONPILOT_HTTP_PORT)
    carries webhooks, the API (/api/v1), /healthz, /readyz and /metrics. One status line per part says whether it
    is on and why. A second Ctrl-C stops at once."""
    from scheduler.engine import tune_gc_for_serving

    tune_gc_for_serving()
    asyncio.run(_serve(timedelta(seconds=grace)))


async def _serve(grace: timedelta) -> None:
    app = current_app()
    # The engine starts first and says so: its start ends a dead engine's runs (a restart after
    # kill -9, issue 14), so the HTTP side (FastAPI, the dashboard, Prometheus: a third of the
    # start-up's imports) is imported after that. The observers join before the first pass.
    engine = app.engine()
    await engine.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set():  # second signal: leave now; leases let the next start recover
            raise SystemExit(130)
        render.console.print("stopping: letting running tasks finish (Ctrl-C again to stop at once)…")
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    render.console.print(
        f"cronpilot engine running: {count_text(len(engine.task_ids()), 'task')}, database "
        f"{render.escape(app.database_label)}. Ctrl-C to stop."
    )
    from connectors.dashboard import LiveFeed
    from connectors.health import Readiness, health_router
    from connectors.log_archive import Observers
    from connectors.metrics import Metrics, metrics_router
    from scheduler.approvals import ApprovalWatch

    metrics = Metrics(backlog=lambda: _backlog(app))
    archiver = _log_archiver(app)
    engine.observer = metrics if archiver is None else Observers([metrics, archiver])
    kind = connection_kind(app.settings.effective_database_url)
    if not kind.listen:  # Supabase's transaction pooler: say it once, here, where it matters
        _say(render.escape(f"database: {kind.kind}: {kind.advice}"))
    connectors = app.connectors
    http: HttpServer | None = None
    feed = LiveFeed(app.service)
    # Admins hear of each task waiting for their approval, wherever it was made (scheduler/approvals.py).
    approvals = ApprovalWatch(app.service, connectors.notifier)
    watching = asyncio.create_task(approvals.run(stop))
    try:
        # One line per connector, after the engine's line (scripts read that one first).
        connectors.notifier.observe = metrics.delivery
        statuses = await connectors.start()
        for status in statuses:
            _say(render.escape(status.line()))
        http = await _start_http(app, connectors, [
            health_router(Readiness(ping=app.store.ping, last_heartbeat=lambda: engine.last_heartbeat_at,
                                    now=app.clock.now, stale_after=3 * app.settings.heartbeat_interval,
                                    connectors=lambda: statuses)),
            metrics_router(metrics),
        ], feed)
        _say("terminal: on (notices with no chat address print here)")
        if connectors.chat_enabled and app.service.people.needs_admin():
            code = app.service.people.issue_claim_code()
            _say(
                f"No admin yet: send [bold]claim {code}[/bold] to the bot in a direct message to "
                "become the admin (single use, valid 24 h; a new code replaces it at each start)."
            )
        await engine.run_forever(stop)
    finally:
        stop.set()
        await watching
        await feed.close()  # open dashboards' streams end, so the HTTP server stops at once
        if http is not None:
            await http.stop()
        await connectors.stop()
        await engine.shutdown(grace=grace)
        if archiver is not None:
            await archiver.stop()  # a log not moved yet stays in its file; the next start moves it
        render.console.print("stopped cleanly")


async def _start_http(
    app: App, connectors: Connectors, operations: list[APIRouter], feed: LiveFeed
) -> HttpServer | None:
    """The HTTP server every inbound route shares; a taken port is reported, not fatal."""
    from connectors.api import ApiLimits, api_router
    from connectors.dashboard import dashboard_router
    from connectors.web import HttpServer, build_api
    from connectors.webhooks import webhook_router

    s = app.settings
    api = api_router(app.service, ApiLimits(rate=s.api_rate_limit, max_body=s.api_max_body))
    routers = [*connectors.routers(), webhook_router(app.service), api, *operations,
               dashboard_router(app.service, feed=feed)]
    server = HttpServer(build_api(routers), host=s.http_host, port=s.http_port)
    try:
        await server.start()
    except OSError as exc:
        _say(render.escape(f"http: off (can't listen on {s.http_host}:{s.http_port}: {exc})"))
        return None
    paths = ", ".join(sorted(p for r in routers for p in _paths(r))) or "only /healthz"
    _say(render.escape(f"http: on ({server.url}; {paths})"))
    return server


def _log_archiver(app: App) -> LogArchiver | None:
    """Moves big logs of ended runs to Supabase Storage when it is configured (docs/supabase.md)."""
    from connectors.log_archive import LogArchiver

    archive = app.log_archive
    if archive is None:
        return None
    try:
        archive.prepare()
    except Exception as exc:  # Storage unreachable: logs stay in files, said once here
        _say(render.escape(f"log archive: off (Supabase Storage: {exc}); logs stay in files"))
        return None
    archiver = LogArchiver(app.service, min_bytes=app.settings.log_archive_bytes)
    archiver.start()
    _say(render.escape(f"log archive: on (Supabase Storage bucket {app.settings.log_bucket}, "
                       f"logs of {app.settings.log_archive_bytes} bytes or more)"))
    return archiver


def _backlog(app: App) -> tuple[int, int]:
    backlog = app.store.run_backlog(now=app.clock.now())
    return backlog.due, backlog.running


def _say(line: str) -> None:
    # One status per line, never wrapped: people grep these and scripts read them.
    render.console.print(line, soft_wrap=True)


def _paths(router: Any) -> list[str]:
    if getattr(router, "prefix", "") == "/dashboard":  # its pages are one place to people
        return ["/dashboard/"]
    return [str(getattr(route, "path", "")) for route in router.routes]

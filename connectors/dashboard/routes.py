"""The dashboard's routes under ``/dashboard``: sign-in, pages, actions and the live stream.

Pages are rendered on the server (Jinja2) from the service, called with the signed-in person's
``Actor``: what they may see and do is the service's decision, the same as in chat or the CLI, so
a hand-made request for something the page didn't offer is refused there too. Plain ``def``
handlers: FastAPI runs them in its thread pool, as the service's calls are synchronous.

Security, in one place:
- the session token lives only in an HttpOnly, SameSite=Lax cookie (Secure over https); its
  hash is stored, and the person behind it is re-read on every request (``Service.web``);
- every change is a POST carrying the session's CSRF token (form field or ``X-CSRF-Token``);
- anything without a session is sent to the sign-in page (pages) or refused with 401
  (the stream, actions): never data;
- a strict Content-Security-Policy (scripts and styles from ``/dashboard/static`` only) and no
  Referer, so a sign-in link in the address bar goes nowhere else.
"""

from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from jinja2 import Environment, FileSystemLoader, select_autoescape

from scheduler.access import Role
from scheduler.dag import workflow_status
from scheduler.errors import CronpilotError
from scheduler.models import Run, RunStatus, Task, TaskStatus
from scheduler.service import Service, TaskStats, parse_since
from scheduler.service_views import Period
from scheduler.web_access import WebSession
from scheduler.wording import (
    action_text,
    count_text,
    elapsed_text,
    provenance,
    run_outcome,
    run_reason,
    schedule_text,
    time_text,
)

from .display import transcript_entries
from .graph import NODE_H, NODE_W, layout
from .guard import (
    COOKIE,
    SECURITY_HEADERS,
    _csrf_refusal,
    _form,
    _https,
    _refuse,
    _status,
    _wants_json,
)
from .live import LiveFeed
from .pages import add_access_pages
from .shared_renders import SHARED_VIEWS, SharedRenders, live_part

HERE = Path(__file__).parent
PAGE = 50
STATIC = {"app.js": "text/javascript", "style.css": "text/css", "LICENSE.txt": "text/plain"}
KINDS = ("reminder", "shell", "http", "sql", "email", "ai", "noop", "workflow")
ACTIONS = ("run", "pause", "resume", "delete")


class NotSignedIn(Exception):
    pass


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(NODE_W=NODE_W, NODE_H=NODE_H)
    return env


def dashboard_router(service: Service, *, feed: LiveFeed | None = None,
                     keepalive: float = 15.0) -> APIRouter:
    """The ``/dashboard`` routes over ``service``; ``feed`` carries live updates (one is made
    when not given)."""
    env = _environment()
    live = feed or LiveFeed(service)
    # Live refreshes of the busy views: one render per change for every viewer alike.
    shared = SharedRenders(ttl=1.0)
    router = APIRouter(prefix="/dashboard")

    def render(request: Request, name: str, session: WebSession | None, status_code: int = 200,
               **context: Any) -> HTMLResponse:
        now = service.clock.now()
        # Times read in the viewer's own zone (set with /tz in chat), the task's zone beside them.
        zone = (session.zone if session else None) or service.default_timezone
        html = env.get_template(name).render(
            session=session, can_change=_can_change(session), csrf=session.csrf if session else "",
            zone=zone, now=now, path=request.url.path, **_helpers(service, now, zone), **context,
        )
        return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)

    def signed_in(request: Request) -> WebSession:
        session = service.web.session(request.cookies.get(COOKIE))
        if session is None:
            raise NotSignedIn
        return session

    def page(handler: Callable[..., Response]) -> Callable[..., Response]:
        """A page: signed-in people only (others go to the sign-in page), and the service's
        refusals as a page with the reason rather than a traceback."""

        def wrapped(request: Request, *args: Any, **kwargs: Any) -> Response:
            try:
                session = signed_in(request)
            except NotSignedIn:
                return RedirectResponse("/dashboard/signin", status_code=303, headers=SECURITY_HEADERS)
            key, version = None, live.version  # the version before the read: never newer than it
            if request.headers.get("x-live") == "1" and version is not None and request.url.path in SHARED_VIEWS:
                actor = session.actor
                key = (request.url.path, request.url.query, actor.role,
                       None if actor.role == Role.ADMIN else actor.user, session.zone)
                kept = shared.get(key, version, session.csrf)
                if kept is not None:
                    return HTMLResponse(kept, headers=SECURITY_HEADERS)
            try:
                response = handler(request, session, *args, **kwargs)
            except CronpilotError as exc:
                return render(request, "error.html", session, status_code=_status(exc), message=str(exc))
            if key is not None and response.status_code == 200 and isinstance(response, HTMLResponse):
                part = live_part(bytes(response.body).decode())
                if part is not None:
                    shared.put(key, version, part, session.csrf)
                    return HTMLResponse(part, headers=SECURITY_HEADERS)
            return response

        # FastAPI reads the parameters it fills from the signature: the handler's, minus the
        # session this wrapper supplies.
        signature = inspect.signature(handler)
        wrapped.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[p for p in signature.parameters.values() if p.name != "session"])
        wrapped.__name__ = handler.__name__
        return wrapped

    # --- sign-in ---------------------------------------------------------------------------

    @router.get("/signin", response_class=HTMLResponse)
    def signin_page(request: Request, token: str = "") -> HTMLResponse:
        # The link only shows a button: a chat app fetching the link for a preview must not
        # use it up. The page's script presses the button for people.
        return render(request, "signin.html", None, token=token[:200], failed=False)

    @router.post("/signin")
    async def signin(request: Request) -> Response:
        token = (await _form(request)).get("token", "")
        done = await asyncio.to_thread(service.web.sign_in, token)
        if done is None:
            return render(request, "signin.html", None, status_code=401, token="", failed=True)
        session_token, _session = done
        response = RedirectResponse("/dashboard/", status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(COOKIE, session_token, httponly=True, samesite="lax", path="/dashboard",
                            secure=_https(request), max_age=int(service.web.session_ttl.total_seconds()))
        return response

    @router.post("/signout")
    async def signout(request: Request) -> Response:
        session = await asyncio.to_thread(service.web.session, request.cookies.get(COOKIE))
        if session is not None:
            refused = await _csrf_refusal(request, session)
            if refused is not None:
                return refused
            await asyncio.to_thread(service.web.sign_out, request.cookies.get(COOKIE) or "")
        response = RedirectResponse("/dashboard/signin", status_code=303, headers=SECURITY_HEADERS)
        response.delete_cookie(COOKIE, path="/dashboard")
        return response

    # --- pages -----------------------------------------------------------------------------

    @router.get("/", response_class=HTMLResponse)
    @page
    def tasks_page(request: Request, session: WebSession, q: str = "", status: str = "", kind: str = "",
                   owner: str = "", page: int = 1) -> Response:
        page = max(1, page)
        task_status = TaskStatus(status) if status in {s.value for s in TaskStatus} else None
        result = service.task_page(actor=session.actor, status=task_status, kind=kind if kind in KINDS else None,
                                   owner=owner or None, search=q.strip() or None, offset=(page - 1) * PAGE,
                                   limit=PAGE)
        pages = max(1, math.ceil(result.total / PAGE))
        query = {k: v for k, v in {"q": q, "status": status, "kind": kind, "owner": owner}.items() if v}
        return render(request, "tasks.html", session, page_title="Tasks", result=result, q=q, status=status,
                      kind=kind, owner=owner, kinds=KINDS, statuses=[s.value for s in TaskStatus], page=page,
                      pages=pages, query=query, urlencode=urlencode, watch="all")

    @router.get("/tasks/{task_id}", response_class=HTMLResponse)
    @page
    def task_page(request: Request, session: WebSession, task_id: int) -> Response:
        task = service.get_task(task_id, actor=session.actor)
        runs = service.list_runs(actor=session.actor, task=str(task.task_id), limit=PAGE)
        deps = service.dependencies_of(str(task.task_id), actor=session.actor)
        fires, dst_ahead = service.fires_with_notes(task, count=10)
        overall, _ = service.stats(actor=session.actor, task=str(task.task_id),
                                   since=service.clock.now() - timedelta(days=30))
        return render(request, "task.html", session, page_title=task.name, task=task, runs=runs, deps=deps,
                      fires=fires, dst_ahead=dst_ahead, stats=overall, chart=_chart(runs), watch=str(task.task_id))

    @router.get("/runs", response_class=HTMLResponse)
    @page
    def runs_page(request: Request, session: WebSession, status: str = "", task: str = "",
                  before: int | None = None) -> Response:
        statuses = [RunStatus(status)] if status in {s.value for s in RunStatus} else None
        runs = service.list_runs(actor=session.actor, task=task or None, statuses=statuses, limit=PAGE,
                                 before_run_id=before)
        older = runs[-1].run_id if len(runs) == PAGE else None
        query = {k: v for k, v in {"status": status, "task": task}.items() if v}
        return render(request, "runs.html", session, page_title="Runs", runs=runs, status=status, task=task,
                      statuses=[s.value for s in RunStatus], older=older, query=query, urlencode=urlencode,
                      watch="all")

    @router.get("/runs/{run_id}", response_class=HTMLResponse)
    @page
    def run_page(request: Request, session: WebSession, run_id: int) -> Response:
        run = service.get_run(run_id, actor=session.actor)
        history = service.run_history(run_id, actor=session.actor)
        log = service.read_log(run_id, actor=session.actor, tail_bytes=256 * 1024)
        result = run.result or {}
        return render(request, "run.html", session, page_title=f"Run {run.run_id}", run=run, history=history,
                      log=log, transcript=transcript_entries(result.get("transcript")),
                      tokens=result.get("tokens_used"), model_calls=result.get("model_calls"),
                      streaming=not run.status.is_terminal, watch=str(run.task_id))

    @router.get("/workflows", response_class=HTMLResponse)
    @page
    def workflows_page(request: Request, session: WebSession) -> Response:
        # A page of workflows by kind (indexed), not every task read and filtered.
        workflows = service.task_page(actor=session.actor, kind="workflow", limit=200).tasks
        return render(request, "workflows.html", session, page_title="Workflows", workflows=workflows,
                      watch="all")

    @router.get("/workflows/{task_id}", response_class=HTMLResponse)
    @page
    def workflow_page(request: Request, session: WebSession, task_id: int) -> Response:
        workflow = service.get_workflow(str(task_id), actor=session.actor)
        runs = service.workflow_runs(str(task_id), actor=session.actor, limit=20)
        latest = runs[0] if runs else None
        status = {s: r.status.value for s, r in (latest.steps.items() if latest else [])}
        notes = {s: run_reason(r, width=80) for s, r in (latest.steps.items() if latest else [])}
        links = {s: f"/dashboard/tasks/{t.task_id}" for s, t in workflow.steps.items()}
        drawing = layout(workflow.graph, status=status, notes=notes, links=links)
        watched = ",".join(str(i) for i in [workflow.head.task_id, *(t.task_id for t in workflow.steps.values())])
        return render(request, "workflow.html", session, page_title=workflow.name, workflow=workflow, runs=runs,
                      latest=latest, drawing=drawing, watch=watched, workflow_status=workflow_status)

    @router.get("/stats", response_class=HTMLResponse)
    @page
    def stats_page(request: Request, session: WebSession, since: str = "24h", page: int = 1) -> Response:
        if since not in ("24h", "7d", "30d"):
            since = "24h"
        now = service.clock.now()
        # The per-task table a page at a time: 10,000 rows were 3 MB of HTML (160 ms to render).
        page = max(1, page)
        overall, per_task, total, failing = service.stats_page(
            actor=session.actor, since=parse_since(since, now=now), offset=(page - 1) * PAGE, limit=PAGE)
        zone = session.zone or service.default_timezone
        by = "hour" if since == "24h" else "day"
        periods = service.activity(actor=session.actor, since=parse_since(since, now=now), zone=zone, by=by)
        return render(request, "stats.html", session, page_title="Stats", overall=overall, per_task=per_task,
                      failing=failing, since=since, watch="all", periods=periods, by=by,
                      timeline=_timeline(periods), page=page, total=total, pages=max(1, -(-total // PAGE)))

    # --- actions ----------------------------------------------------------------------------

    @router.post("/tasks/{task_id}/{action}")
    async def task_action(request: Request, task_id: int, action: str) -> Response:
        session = await asyncio.to_thread(service.web.session, request.cookies.get(COOKIE))
        if session is None:
            return _refuse(request, 401, "sign in first")
        refused = await _csrf_refusal(request, session)
        if refused is not None:
            return refused
        if action not in ACTIONS:
            return _refuse(request, 404, f"no action {action!r}")
        ref = str(task_id)
        try:
            if action == "run":
                run = await asyncio.to_thread(service.run_now, ref, actor=session.actor)
                message = f"run {run.run_id} of '{run.task_name}' started"
            elif action == "pause":
                task = await asyncio.to_thread(service.pause_task, ref, actor=session.actor)
                message = f"'{task.name}' paused"
            elif action == "resume":
                task = await asyncio.to_thread(service.resume_task, ref, actor=session.actor)
                message = f"'{task.name}' resumed"
            else:
                task = await asyncio.to_thread(service.delete_task, ref, actor=session.actor)
                message = f"'{task.name}' deleted"
        except CronpilotError as exc:
            return _refuse(request, _status(exc), str(exc))
        live.poke()
        if _wants_json(request):
            return JSONResponse({"ok": True, "message": message}, headers=SECURITY_HEADERS)
        back = "/dashboard/" if action == "delete" else f"/dashboard/tasks/{task_id}"
        return RedirectResponse(back, status_code=303, headers=SECURITY_HEADERS)

    # --- live -------------------------------------------------------------------------------

    @router.get("/events")
    async def events(request: Request) -> Response:
        session = await asyncio.to_thread(service.web.session, request.cookies.get(COOKIE))
        if session is None:
            return JSONResponse({"error": "sign in first"}, status_code=401, headers=SECURITY_HEADERS)
        cookie = request.cookies.get(COOKIE)
        sub = live.subscribe(session.actor)

        async def stream() -> AsyncIterator[bytes]:
            try:
                # retry: how soon the browser reconnects after the server went away (a restart).
                yield b"retry: 1000\n: connected\n\n"
                while True:
                    try:
                        message = await asyncio.wait_for(sub.queue.get(), keepalive)
                    except TimeoutError:
                        # A comment keeps proxies from closing an idle stream; and a session
                        # ended meanwhile (sign-out, demotion) ends the stream.
                        if await asyncio.to_thread(service.web.session, cookie) is None:
                            yield b"event: signedout\ndata: {}\n\n"
                            return
                        yield b": keepalive\n\n"
                        continue
                    if sub.closed:
                        return
                    yield message.frame  # encoded once by the feed for every page like this one
            finally:
                live.unsubscribe(sub)

        headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            return Response(status_code=404)
        return FileResponse(HERE / "static" / name, media_type=STATIC[name],
                            headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})

    add_access_pages(router, service, render=render, page=page, live=live)

    router.feed = live  # type: ignore[attr-defined]  # serve stops it; tests and benches read it
    return router


def _can_change(session: WebSession | None) -> bool:
    return session is not None and session.actor.role != Role.VIEWER


def _duration(run: Run) -> str:
    if run.started_at and run.finished_at:
        return elapsed_text(run.finished_at - run.started_at)
    return ""


def _chart(runs: list[Run]) -> list[dict[str, Any]]:
    """Bars for the task page's small chart: the last runs' durations, oldest left, by status."""
    ended = [r for r in reversed(runs) if r.started_at and r.finished_at][-30:]
    longest = max(((r.finished_at - r.started_at).total_seconds() for r in ended  # type: ignore[operator]
                   ), default=0.0) or 1.0
    bars = []
    for i, r in enumerate(ended):
        seconds = (r.finished_at - r.started_at).total_seconds()  # type: ignore[operator]
        height = max(2, round(40 * seconds / longest))
        bars.append({"x": i * 8, "y": 42 - height, "h": height, "status": r.status.value, "run_id": r.run_id,
                     "label": f"run {r.run_id}: {r.status.value}, {elapsed_text(timedelta(seconds=seconds))}"})
    return bars


def _timeline(periods: list[Period]) -> dict[str, Any]:
    """Stacked bars (completed, failed, skipped) per period, on a 0–40 scale of the busiest."""
    busiest = max((p.runs for p in periods), default=0) or 1
    width = max(4, min(24, 600 // max(1, len(periods))))
    bars = []
    for i, p in enumerate(periods):
        y = 42.0
        for status, count in (("completed", p.completed), ("failed", p.failed), ("skipped", p.skipped)):
            if not count:
                continue
            h = max(1.0, 40 * count / busiest)
            y -= h
            bars.append({"x": i * width, "y": round(y, 1), "w": width - 1, "h": round(h, 1), "status": status})
    return {"bars": bars, "width": max(1, len(periods)) * width, "busiest": busiest}


def _helpers(service: Service, now: datetime, zone: str) -> dict[str, Any]:

    def when(instant: datetime | None, task_zone: str | None = None, seconds: bool = True) -> str:
        """A time in the viewer's zone; a task's times also as the task's own wall clock when its
        zone differs ('Mon 12 Jan 17:00 (09:00 Europe/Berlin)')."""
        shown = time_text(instant, zone, now=now, seconds=seconds)
        if instant is None or not task_zone or task_zone == zone:
            return shown
        there = instant.astimezone(ZoneInfo(task_zone))
        clock = f"{there:%H:%M:%S}" if seconds else f"{there:%H:%M}"
        if there.date() != instant.astimezone(ZoneInfo(zone)).date():
            clock = f"{there:%a} {clock}"
        return f"{shown} ({clock} {task_zone})"

    def schedule(task: Task) -> str:
        return schedule_text(task.triggers, task.timezone, now=now)

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:.1f}%"

    def seconds(value: float | None) -> str:
        return "—" if value is None else elapsed_text(timedelta(seconds=value))

    def next_fire(task: Task) -> str:
        if task.status != TaskStatus.ACTIVE:
            return "—"
        fires = service.next_fires(task, count=1)
        return when(fires[0], task.timezone, seconds=False) if fires else "—"

    def stats_row(s: TaskStats) -> dict[str, Any]:
        return s.as_dict()

    return {
        "when": when, "schedule": schedule, "percent": percent, "seconds": seconds, "next_fire": next_fire,
        "outcome": run_outcome, "reason": lambda run, width=200: run_reason(run, width=width), "duration": _duration, "action_text": action_text,
        "provenance": lambda t, viewer=None: provenance(t, viewer=viewer, viewer_zone=zone, now=now),
        "count_text": count_text, "stats_row": stats_row,
    }

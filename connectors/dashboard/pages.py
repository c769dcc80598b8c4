"""The dashboard's access pages and the run log stream: approvals (approve / turn down), the
audit trail, people and their roles, and a running run's log as it grows.

Added to the router ``routes.dashboard_router`` makes, with its ``render`` and ``page``; the same
rules as every page there: the service decides what each person sees and may do (a button a page
leaves out is refused by the service when posted by hand: 404 for what they can't see, 403 for a
change they may not make), and every change is a POST carrying the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from scheduler.access import Role
from scheduler.errors import CronpilotError, InvalidRequest
from scheduler.service import Service
from scheduler.web_access import WebSession

from .display import action_lines, change_text
from .guard import COOKIE, SECURITY_HEADERS, _csrf_refusal, _form, _refuse, _status, _wants_json
from .live import LiveFeed

DECISIONS = ("approve", "reject")
ROLES = tuple(r.value for r in Role)


def add_access_pages(router: APIRouter, service: Service, *, render: Callable[..., HTMLResponse],
                     page: Callable[[Callable[..., Response]], Callable[..., Response]], live: LiveFeed) -> None:
    """Add the approvals, audit and people pages, their actions, and the run log stream."""

    async def signed_change(request: Request) -> WebSession | Response:
        """The session of a change request with its CSRF token, or the refusal to send."""
        session = await asyncio.to_thread(service.web.session, request.cookies.get(COOKIE))
        if session is None:
            return _refuse(request, 401, "sign in first")
        refused = await _csrf_refusal(request, session)
        return refused if refused is not None else session

    def done(request: Request, message: str, back: str) -> Response:
        live.poke()
        if _wants_json(request):
            return JSONResponse({"ok": True, "message": message}, headers=SECURITY_HEADERS)
        return RedirectResponse(back, status_code=303, headers=SECURITY_HEADERS)

    # --- approvals ---------------------------------------------------------------------------

    @router.get("/approvals", response_class=HTMLResponse)
    @page
    def approvals_page(request: Request, session: WebSession) -> Response:
        waiting = service.approvals(actor=session.actor)
        return render(request, "approvals.html", session, page_title="Approvals", waiting=waiting,
                      action_lines=action_lines, watch="all")

    @router.post("/approvals/{task_id}/{decision}")
    async def decide(request: Request, task_id: int, decision: str) -> Response:
        session = await signed_change(request)
        if isinstance(session, Response):
            return session
        if decision not in DECISIONS:
            return _refuse(request, 404, f"no action {decision!r}")
        try:
            if decision == "approve":
                task = await asyncio.to_thread(service.approve_task, str(task_id), actor=session.actor)
                message = f"'{task.name}' approved: it runs on its schedule from now"
            else:
                task = await asyncio.to_thread(service.reject_task, str(task_id), actor=session.actor)
                message = f"'{task.name}' turned down and deleted"
        except CronpilotError as exc:
            return _refuse(request, _status(exc), str(exc))
        return done(request, message, "/dashboard/approvals")

    # --- audit ---------------------------------------------------------------------------------

    @router.get("/audit", response_class=HTMLResponse)
    @page
    def audit_page(request: Request, session: WebSession, before: int | None = None, check: int = 0) -> Response:
        admin = session.actor.role == Role.ADMIN
        # The chain is walked when an admin asks (?check=1: it reads every entry); otherwise the
        # page shows the last walk's result.
        trail = service.audit_page(actor=session.actor, before_id=before, verify=bool(check), show_check=admin)
        return render(request, "audit.html", session, page_title="Audit", trail=trail, before=before,
                      admin=admin, change=change_text)

    # --- people --------------------------------------------------------------------------------

    @router.get("/people", response_class=HTMLResponse)
    @page
    def people_page(request: Request, session: WebSession) -> Response:
        # An admin's page, as the HTTP API's /people (refused and audited for anyone else).
        people = service.list_people(actor=session.actor, admins_only=True)
        groups = service.list_groups(actor=session.actor)
        return render(request, "people.html", session, page_title="People", people=people, groups=groups,
                      roles=ROLES)

    @router.post("/people/role")
    async def change_role(request: Request) -> Response:
        session = await signed_change(request)
        if isinstance(session, Response):
            return session
        form = await _form(request)
        user, role = form.get("user", "").strip(), form.get("role", "").strip()
        try:
            if not user or not role:
                raise InvalidRequest("say whose role to change and to what")
            before, after = await asyncio.to_thread(service.set_role, user, role, actor=session.actor)
        except CronpilotError as exc:
            return _refuse(request, _status(exc), str(exc))
        # Their open dashboard sessions end on their next request (``WebAccess.session`` re-reads
        # the role); an open live stream ends at its next keepalive.
        return done(request, f"{after.user_id} is now {after.role} (was {before.role})", "/dashboard/people")

    # --- a run's log, live ------------------------------------------------------------------------

    @router.get("/runs/{run_id}/log")
    async def run_log(request: Request, run_id: int, offset: int = 0) -> Response:
        cookie = request.cookies.get(COOKIE)
        session = await asyncio.to_thread(service.web.session, cookie)
        if session is None:
            return JSONResponse({"error": "sign in first"}, status_code=401, headers=SECURITY_HEADERS)
        try:
            first = await asyncio.to_thread(service.log_since, run_id, actor=session.actor, offset=offset)
        except CronpilotError as exc:
            return JSONResponse({"error": str(exc)}, status_code=_status(exc), headers=SECURITY_HEADERS)
        actor = session.actor

        async def stream() -> AsyncIterator[bytes]:
            chunk, since_check = first, 0.0
            yield b"retry: 1000\n\n"
            while True:
                if chunk.text:
                    data = {"text": chunk.text, "start": chunk.start, "offset": chunk.offset}
                    yield b"event: log\ndata: " + json.dumps(data).encode() + b"\n\n"
                if chunk.ended:
                    yield b"event: end\ndata: {}\n\n"
                    return
                # The engine appends to the file in another task or process: read what it added
                # (the browser only listens). Who may read it was asked on the first read; it is
                # asked again, with the session, every 15 s.
                await asyncio.sleep(live.interval)
                since_check += live.interval
                reader = None
                if since_check >= 15:
                    since_check, reader = 0.0, actor
                    if await asyncio.to_thread(service.web.session, cookie) is None:
                        yield b"event: signedout\ndata: {}\n\n"
                        return
                    yield b": keepalive\n\n"
                try:
                    chunk = await asyncio.to_thread(service.log_since, run_id, actor=reader, offset=chunk.offset)
                except CronpilotError:  # the run went (deleted), it is no longer theirs, or the database is away
                    return

        headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

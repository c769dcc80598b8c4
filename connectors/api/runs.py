"""``/api/v1/runs``: list (filters), show (with its status history), log, cancel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from scheduler.errors import InvalidRequest
from scheduler.models import RunStatus
from scheduler.service import parse_since

from .auth import Caller, TheService
from .shapes import event_json, run_json

router = APIRouter(prefix="/runs", tags=["runs"])


def _statuses(text: str | None) -> list[RunStatus] | None:
    if not text:
        return None
    known = {s.value for s in RunStatus}
    wanted = [s.strip() for s in text.split(",") if s.strip()]
    wrong = [s for s in wanted if s not in known]
    if wrong:
        raise InvalidRequest(f"status: unknown {wrong[0]!r}; use {', '.join(sorted(known))}")
    return [RunStatus(s) for s in wanted]


@router.get("", summary="Runs the caller may see, newest first")
def list_runs(
    actor: Caller, service: TheService,
    task: Annotated[str | None, Query(max_length=200, description="Task id or name")] = None,
    status: Annotated[str | None, Query(max_length=200, description="Comma-separated: failed,completed…")] = None,
    since: Annotated[str | None, Query(max_length=64, description="24h, 7d or an ISO time with offset")] = None,
    until: Annotated[str | None, Query(max_length=64, description="ISO time with offset, or 1h (ago)")] = None,
    search: Annotated[str | None, Query(max_length=200, description="Text in the output or error")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    now = service.clock.now()
    runs = service.list_runs(
        actor=actor, task=task, statuses=_statuses(status),
        since=parse_since(since, now=now) if since else None,
        until=parse_since(until, now=now) if until else None, search=search, limit=limit,
    )
    return {"runs": [run_json(r, full=False) for r in runs]}


@router.get("/{run_id}", summary="One run with its output and status history")
def show_run(run_id: int, actor: Caller, service: TheService) -> dict[str, Any]:
    run = service.get_run(run_id, actor=actor)
    data = run_json(run)
    data["history"] = [event_json(e) for e in service.run_history(run_id, actor=actor)]
    return data


@router.get("/{run_id}/log", response_class=PlainTextResponse, summary="A run's whole log (or its tail)")
def run_log(
    run_id: int, actor: Caller, service: TheService,
    tail_bytes: Annotated[int | None, Query(ge=1, le=16 * 1024 * 1024)] = None,
) -> PlainTextResponse:
    return PlainTextResponse(service.read_log(run_id, actor=actor, tail_bytes=tail_bytes))


@router.post("/{run_id}/cancel", summary="Ask a pending or running run to stop")
def cancel_run(run_id: int, actor: Caller, service: TheService) -> dict[str, Any]:
    return run_json(service.cancel_run(run_id, actor=actor))

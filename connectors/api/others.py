"""``/api/v1`` beyond tasks and runs: the caller (``/me``), workflows, the audit log, people."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from scheduler.dag import render_mermaid
from scheduler.service import parse_since

from .auth import Caller, TheService
from .shapes import run_json, task_json

router = APIRouter()


@router.get("/me", tags=["people"], summary="Who the token acts as, with their role now")
def me(actor: Caller, service: TheService) -> dict[str, Any]:
    person = service.people.find(actor.user)
    name, zone = (person.display_name, person.timezone) if person else (None, None)
    return {"user": actor.user, "role": actor.role.value, "display_name": name, "timezone": zone,
            "token_id": (actor.origin or {}).get("token_id")}


@router.get("/people", tags=["people"], summary="Everyone with their role (admins)")
def people(actor: Caller, service: TheService) -> dict[str, Any]:
    listed = service.list_people(actor=actor, admins_only=True)
    zones = {p.user_id: p.timezone for p in map(service.people.find, [p.user_id for p in listed]) if p}
    return {"people": [{"user": p.user_id, "role": p.role, "display_name": p.display_name,
                        "timezone": zones.get(p.user_id), "email": p.email, "groups": list(p.groups)}
                       for p in listed]}


@router.get("/workflows", tags=["workflows"], summary="Workflows the caller may see")
def list_workflows(actor: Caller, service: TheService) -> dict[str, Any]:
    return {"workflows": [{"workflow_id": h.task_id, "name": h.name, "status": h.status.value,
                           "owner": h.owner} for h in service.list_workflows(actor=actor)]}


@router.get("/workflows/{ref}", tags=["workflows"], summary="A workflow: steps, arrows, recent runs")
def show_workflow(
    ref: str, actor: Caller, service: TheService,
    runs: Annotated[int, Query(ge=0, le=100, description="How many recent runs")] = 5,
) -> dict[str, Any]:
    workflow = service.get_workflow(ref, actor=actor)
    recent = service.workflow_runs(str(workflow.head.task_id), actor=actor, limit=runs) if runs else []
    return {
        "workflow": task_json(service, workflow.head),
        "steps": [{"name": short, "task_id": t.task_id, "action": t.action.model_dump(mode="json"),
                   "after": workflow.graph.predecessors(short)} for short, t in workflow.steps.items()],
        "edges": [list(edge) for edge in workflow.graph.edges],
        "mermaid": render_mermaid(workflow.graph),
        "runs": [{"run": run_json(r.run, full=False), "status": r.status,
                  "steps": {k: run_json(v, full=False) for k, v in r.steps.items()}} for r in recent],
    }


@router.post("/workflows/{ref}/run", tags=["workflows"], status_code=202, summary="Run a workflow now")
def run_workflow(ref: str, actor: Caller, service: TheService) -> JSONResponse:
    workflow = service.get_workflow(ref, actor=actor)
    run = service.run_now(str(workflow.head.task_id), actor=actor)
    return JSONResponse(run_json(run), status_code=202)


@router.get("/audit", tags=["audit"],
            summary="Audit entries, newest first (admins: all; others: their own and their tasks')")
def audit(
    actor: Caller, service: TheService, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    task: Annotated[str | None, Query(max_length=200, description="A task's id or name")] = None,
    person: Annotated[str | None, Query(max_length=200, description="Who acted (user id or name)")] = None,
    since: Annotated[str | None, Query(max_length=64, description="24h, 7d or an ISO time")] = None,
    action: Annotated[list[str] | None, Query(description="Only these actions (repeatable)")] = None,
) -> dict[str, Any]:
    start = parse_since(since, now=service.clock.now()) if since else None
    entries = service.audit(actor=actor, task=task, person=person, since=start, actions=action or None,
                            limit=limit)
    return {"entries": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()}
                        for e in entries]}

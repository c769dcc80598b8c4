"""``/api/v1/tasks``: list, show, create, edit, pause, resume, delete, run now, approve, reject. Each route is one
service call (or two) as the calling person; the service decides who may."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from scheduler.errors import InvalidRequest
from scheduler.models import TaskSpec, TaskStatus
from scheduler.service import Actor, Service

from .auth import Caller, TheFires, TheService
from .shapes import READ_ONLY, TaskBody, create_fields, run_json, task_json, task_summary

router = APIRouter(prefix="/tasks", tags=["tasks"])

EDITABLE = frozenset(TaskSpec.model_fields) | {"status"}


@router.get("", summary="Tasks the caller may see, filtered and paged")
def list_tasks(
    actor: Caller, service: TheService, fires: TheFires,
    status: Annotated[TaskStatus | None, Query(description="active, paused or pending_approval")] = None,
    owner: Annotated[str | None, Query(max_length=200, description="Only this person's tasks")] = None,
    name: Annotated[str | None, Query(max_length=200, description="Name contains this text")] = None,
    kind: Annotated[str | None, Query(max_length=32, description="Action kind: reminder, shell, http…")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    total, page = service.page_tasks(actor=actor, status=status, owner=owner, kind=kind, search=name,
                                     limit=limit, offset=offset)
    return {"total": total, "offset": offset, "limit": limit,
            "tasks": [task_summary(service, t, fires) for t in page]}


@router.get("/{ref}", summary="One task (by id or name) with its next fire times")
def show_task(
    ref: str, actor: Caller, service: TheService,
    fires: Annotated[int, Query(ge=0, le=50, description="How many next fire times")] = 5,
) -> dict[str, Any]:
    return task_json(service, service.get_task(ref, actor=actor), fires=fires)


@router.post("", status_code=201, summary="Create a task from the JSON `task show --json` prints")
def create_task(actor: Caller, service: TheService, body: Annotated[TaskBody, Body()]) -> JSONResponse:
    fields, status, deliver_to = create_fields(body.model_dump(exclude_unset=True))
    spec = service.build_spec(fields)
    task = service.create_task(spec, actor=actor, status=status, deliver_to=deliver_to)
    return JSONResponse(task_json(service, task), status_code=201)


@router.patch("/{ref}", summary="Change some of a task's fields (and pause or resume it with status)")
def edit_task(
    ref: str, actor: Caller, service: TheService,
    body: Annotated[dict[str, Any], Body(description="TaskSpec fields to change; status: active|paused")],
) -> dict[str, Any]:
    unknown = sorted(set(body) - EDITABLE)
    if unknown:
        fixed = [k for k in unknown if k in READ_ONLY]
        what = f"{fixed[0]} can't be changed" if fixed else f"unknown field {unknown[0]!r}"
        raise InvalidRequest(what)
    if not body:
        raise InvalidRequest("nothing to change: send at least one field")
    changes = {k: v for k, v in body.items() if k != "status"}
    task = service.get_task(ref, actor=actor)
    if changes:
        task = service.update_task(str(task.task_id), changes, actor=actor)
    wanted = body.get("status")
    if wanted is not None:
        if wanted not in (TaskStatus.ACTIVE, TaskStatus.PAUSED):
            raise InvalidRequest("status: use active or paused")
        if wanted == TaskStatus.PAUSED and task.status != TaskStatus.PAUSED:
            task = service.pause_task(str(task.task_id), actor=actor)
        elif wanted == TaskStatus.ACTIVE and task.status == TaskStatus.PAUSED:
            task = service.resume_task(str(task.task_id), actor=actor)
    return task_json(service, task)


@router.post("/{ref}/pause", summary="Pause a task")
def pause_task(ref: str, actor: Caller, service: TheService) -> dict[str, Any]:
    return task_json(service, service.pause_task(_id(service, ref, actor), actor=actor))


@router.post("/{ref}/resume", summary="Resume a paused task (from now: missed fires are not replayed)")
def resume_task(ref: str, actor: Caller, service: TheService) -> dict[str, Any]:
    return task_json(service, service.resume_task(_id(service, ref, actor), actor=actor))


@router.delete("/{ref}", summary="Delete a task")
def delete_task(ref: str, actor: Caller, service: TheService) -> dict[str, Any]:
    task = service.delete_task(_id(service, ref, actor), actor=actor)
    return {"task_id": task.task_id, "name": task.name, "deleted": True}


@router.post("/{ref}/run", status_code=202, summary="Run a task now (queued for the engine)")
def run_task(ref: str, actor: Caller, service: TheService) -> JSONResponse:
    run = service.run_now(_id(service, ref, actor), actor=actor)
    return JSONResponse(run_json(run), status_code=202)


@router.post("/{ref}/approve", summary="Approve a task waiting in pending_approval (it becomes active)",
             description="The same rule as `cronpilot approve` and chat: a task that runs code here "
                         "(shell, writing SQL, internal http) needs an admin; any other its owner or an "
                         "admin. A task the caller can't see is 404; one they see but may not approve "
                         "is 403; one not waiting for approval is 409.")
def approve_task(ref: str, actor: Caller, service: TheService) -> dict[str, Any]:
    return task_json(service, service.approve_task(_id(service, ref, actor), actor=actor))


@router.post("/{ref}/reject", summary="Turn down a task waiting in pending_approval (it is deleted)",
             description="Its owner or an admin, as `cronpilot reject` and chat. 404 before 403; a task "
                         "not waiting for approval is 409.")
def reject_task(ref: str, actor: Caller, service: TheService) -> dict[str, Any]:
    task = service.reject_task(_id(service, ref, actor), actor=actor)
    return {"task_id": task.task_id, "name": task.name, "rejected": True, "deleted": True}


def _id(service: Service, ref: str, actor: Actor) -> str:
    """The task's id, after the visibility check: names are resolved once, as the caller sees."""
    return str(service.get_task(ref, actor=actor).task_id)

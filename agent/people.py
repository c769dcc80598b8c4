"""Requests about people and access, understood without a model: "make @ana a viewer", "who
can see the backup task?", "who paused the backup?", "approve backup", "reject backup".

Only replies are built here; whether the person asking may do it is the service's decision
(``PermissionDenied`` becomes a "Sorry, …" reply like any other refusal).
"""

from __future__ import annotations

from scheduler.models import Task
from scheduler.wording import time_text
from tools.context import ToolContext

_ROLES = {"administrator": "admin", "read-only": "viewer", "readonly": "viewer"}
_PAST = {"paused": ("pause_task",), "resumed": ("resume_task",), "deleted": ("delete_task",),
         "removed": ("delete_task",), "changed": ("update_task", "set_delivery"), "edited": ("update_task",),
         "updated": ("update_task",), "renamed": ("update_task",), "moved": ("update_task",),
         "rescheduled": ("update_task",), "created": ("create_task",), "made": ("create_task",),
         "set up": ("create_task",), "approved": ("approve_task",), "rejected": ("reject_task",),
         "ran": ("run_now",), "started": ("run_now",), "triggered": ("run_now",), "shared": ("share_task",),
         "cancelled": ("cancel_run",), "canceled": ("cancel_run",), "stopped": ("pause_task",),
         "turned off": ("pause_task",)}


def set_role(ctx: ToolContext, ref: str, role: str) -> str:
    """Give a person another role (the service refuses anyone but an admin)."""
    role = _ROLES.get(role, role)
    before, after = ctx.service.set_role(ref, role, actor=ctx.actor)
    return (f"Done: {after.user_id} is now a{'n' if after.role[0] in 'aeiou' else ''} {after.role} "
            f"(was {before.role}). It applies from their next message.")


def on_task(ctx: ToolContext, kind: str, task: Task, value: str | None) -> str:
    """The reply to approve / reject / who can see / who did, on ``task``; refusals raise
    ``CronpilotError`` (the offline reader turns it into a "Sorry, …")."""
    if kind == "approve":
        approved = ctx.service.approve_task(str(task.task_id), actor=ctx.actor)
        return f"Approved '{approved.name}' (task #{approved.task_id}); it runs as scheduled."
    if kind == "reject":
        rejected = ctx.service.reject_task(str(task.task_id), actor=ctx.actor)
        return f"Turned down '{rejected.name}' (task #{rejected.task_id}); it is deleted."
    if kind == "who_sees":
        return _visibility(ctx, task)
    return _who_did(ctx, task, value or "changed")


def _visibility(ctx: ToolContext, task: Task) -> str:
    seen = ctx.service.who_can_see(str(task.task_id), actor=ctx.actor)
    parts = [f"'{seen.name}' (task #{seen.task_id}) belongs to {seen.owner}"]
    if seen.shares:
        groups = ", ".join(f"{g} ({'can change it' if a == 'manage' else 'read only'})" for g, a in seen.shares.items())
        parts.append(f"it is shared with {groups}")
        if seen.readers:
            parts.append(f"so {', '.join(seen.readers)} see it")
    else:
        parts.append("it isn't shared with any group")
    admins = [a for a in seen.admins if a != seen.owner]
    if admins:
        parts.append(f"admins ({', '.join(admins)}) see every task")
    return "; ".join(parts) + "."


def _who_did(ctx: ToolContext, task: Task, verb: str) -> str:
    actions = _PAST.get(verb, ("update_task",))
    entries = [e for e in ctx.service.audit(actor=ctx.actor, task=str(task.task_id), actions=actions, limit=5)
               if e["decision"] == "allowed"]
    if not entries:
        return f"Nobody has {verb} '{task.name}' as far as the audit trail says."
    last = entries[0]
    who = "you" if last["actor"] == ctx.actor.user else last["actor"]
    if last.get("ai_run_id"):
        who = f"an AI run (#{last['ai_run_id']}) for {last['actor']}"
    when = time_text(last["at"], ctx.timezone, now=ctx.now)
    via = f" via {last['via']}" if last.get("via") else ""
    more = f" ({len(entries) - 1} earlier time{'s' if len(entries) > 2 else ''} too)" if len(entries) > 1 else ""
    return f"{who[:1].upper()}{who[1:]} {verb} '{task.name}' on {when}{via}{more}."

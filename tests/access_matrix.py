"""The permission matrix: every service operation × role × whose task, in one table.

``tests/scheduler/test_access_matrix.py`` walks every cell through the service, and checks
that docs/access.md shows this very table (``render``). Outcomes:

    ok       allowed (a created task is active)
    pending  allowed, but the task waits in pending_approval for an admin
    denied   PermissionDenied (CLI exit 4, HTTP 403, a "Sorry, …" in chat)
    hidden   NotFound: the task is invisible to them (HTTP 404), nothing revealed

Columns of task operations: the actor's own task, another person's task shared with the
actor's group to read, shared to manage, and another person's task not shared.
"""

from __future__ import annotations

ROLES = ("admin", "operator", "member", "viewer")
WHOSE = ("own", "shared read", "shared manage", "other's")

_SEE = {"admin": ("ok", "ok", "ok", "ok"), "operator": ("ok", "ok", "ok", "hidden"),
        "member": ("ok", "ok", "ok", "hidden"), "viewer": ("ok", "ok", "ok", "hidden")}
_MANAGE = {"admin": ("ok", "ok", "ok", "ok"), "operator": ("ok", "denied", "ok", "hidden"),
           "member": ("ok", "denied", "ok", "hidden"), "viewer": ("denied", "denied", "denied", "hidden")}
_OWNER = {"admin": ("ok", "ok", "ok", "ok"), "operator": ("ok", "denied", "denied", "hidden"),
          "member": ("ok", "denied", "denied", "hidden"), "viewer": ("denied", "denied", "denied", "hidden")}
_APPROVE_RISKY = {"admin": ("ok", "ok", "ok", "ok"), "operator": ("denied", "denied", "denied", "hidden"),
                  "member": ("denied", "denied", "denied", "hidden"),
                  "viewer": ("denied", "denied", "denied", "hidden")}
_APPROVE_OTHER = {"admin": ("ok", "ok", "ok", "ok"), "operator": ("ok", "denied", "denied", "hidden"),
                  "member": ("ok", "denied", "denied", "hidden"),
                  "viewer": ("denied", "denied", "denied", "hidden")}

# operation -> role -> outcome per WHOSE
TASK_OPERATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "see a task (get_task)": _SEE,
    "find it in the task list (list_tasks)": _SEE,
    "read its runs and logs (list_runs, read_log)": _SEE,
    "ask who can see it (who_can_see)": _SEE,
    "read its audit entries (audit --task)": _SEE,
    "listen to its outcome (task.failed:<task>)": {**_SEE, "viewer": ("denied",) * 4},
    "edit it (update_task)": _MANAGE,
    "pause it": _MANAGE,
    "resume it": _MANAGE,
    "run it now": _MANAGE,
    "cancel its run": _MANAGE,
    "make it run after another task (add_dependency)": _MANAGE,
    "delete it": _OWNER,
    "share it with a group": _OWNER,
    "change where it delivers (set_delivery)": _OWNER,
    "approve it: runs code (shell, writing SQL, internal http)": _APPROVE_RISKY,
    "approve it: anything else (an AI-made check, content from fetched data)": _APPROVE_OTHER,
    "turn it down while it waits for approval (reject_task)": _OWNER,
}

# operation -> role -> outcome
OTHER_OPERATIONS: dict[str, dict[str, str]] = {
    "create a reminder, email, AI or public http task": {"admin": "ok", "operator": "ok", "member": "ok", "viewer": "denied"},
    "create a shell task": {"admin": "ok", "operator": "ok", "member": "pending", "viewer": "denied"},
    "create a writing SQL task": {"admin": "ok", "operator": "ok", "member": "pending", "viewer": "denied"},
    "create an http task to an internal host": {"admin": "ok", "operator": "ok", "member": "pending", "viewer": "denied"},
    "emit an event (fires their own and manage-shared listeners; an admin's: all)": {"admin": "ok", "operator": "ok", "member": "ok", "viewer": "denied"},
    "list people and groups": {"admin": "ok", "operator": "ok", "member": "ok", "viewer": "ok"},
    "add a person, change a role, remove a person": {"admin": "ok", "operator": "denied", "member": "denied", "viewer": "denied"},
    "make groups, add and take out members": {"admin": "ok", "operator": "denied", "member": "denied", "viewer": "denied"},
    "create, list, delete webhooks": {"admin": "ok", "operator": "denied", "member": "denied", "viewer": "denied"},
    "verify the audit trail's hash chain": {"admin": "ok", "operator": "denied", "member": "denied", "viewer": "denied"},
}


def render() -> str:
    """The matrix as the Markdown tables in docs/access.md."""
    lines = ["| operation | " + " | ".join(ROLES) + " |", "|---|" + "---|" * len(ROLES)]
    for operation, by_role in TASK_OPERATIONS.items():
        cells = [" / ".join(by_role[r]) for r in ROLES]
        lines.append(f"| {operation} | " + " | ".join(cells) + " |")
    lines += ["", "| operation | " + " | ".join(ROLES) + " |", "|---|" + "---|" * len(ROLES)]
    for operation, outcome in OTHER_OPERATIONS.items():
        lines.append(f"| {operation} | " + " | ".join(outcome[r] for r in ROLES) + " |")
    return "\n".join(lines)

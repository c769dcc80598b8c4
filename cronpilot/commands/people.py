"""``cronpilot user …``, ``group …``, ``approve``, ``reject`` and ``audit``: people, their roles,
groups, approvals and the audit trail. Every rule is in the service (``scheduler/service_team.py``);
these print what it answers."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from .. import render
from .context import current_app

user_app = typer.Typer(help="People and their roles: list, add, change a role, remove.", no_args_is_help=True)
group_app = typer.Typer(help="Groups of people that tasks are shared with.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail: who changed what, when, through what.",
                        invoke_without_command=True)

ROLE_HELP = "admin, operator (runs shell/writing SQL/internal http without approval), member or viewer."


@user_app.command("list")
def list_users(
    removed: bool = typer.Option(False, "--removed", help="Show removed people too."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Everyone cronpilot knows, with their role, identities and groups."""
    app = current_app()
    render.print_listing(
        app.service.list_people(actor=app.local_actor, removed=removed), as_json=json_output,
        to_json=lambda p: p.as_dict(), empty="nobody yet; add someone with: cronpilot user add NAME --role member",
        columns=("user", "role", "name", "identities", "groups"),
        row=lambda p: (render.escape(p.user_id), f"{p.role} (removed)" if p.removed else p.role,
                       render.escape(p.display_name or "-"), render.escape(", ".join(p.identities) or "-"),
                       render.escape(", ".join(p.groups) or "-")),
    )


@user_app.command("add")
def add_user(
    name: str = typer.Argument(..., help="Their cronpilot name, e.g. ana."),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    slack: str | None = typer.Option(None, "--slack", help="Their Slack member id (U…)."),
    telegram: str | None = typer.Option(None, "--telegram", help="Their Telegram user id (a number)."),
    email: str | None = typer.Option(None, "--email", help="Their email address."),
    display_name: str | None = typer.Option(None, "--display-name", help="How to show them."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Add a person with a role, linked to their Slack or Telegram account."""
    app = current_app()
    person = app.service.add_person(name, role=role, actor=app.local_actor, slack=slack, telegram=telegram,
                                    email=email, display_name=display_name)
    if json_output:
        render.print_json({"user": person.user_id, "role": person.role, "email": person.email})
        return
    render.console.print(f"added {person.user_id} as {person.role}", markup=False)


@user_app.command("role")
def set_role(
    name: str = typer.Argument(..., help="The person (name, @name, slack:U…, telegram:…)."),
    role: str = typer.Argument(..., help=ROLE_HELP),
) -> None:
    """Change a person's role; it takes effect on their next message, call or API request."""
    app = current_app()
    before, after = app.service.set_role(name, role, actor=app.local_actor)
    render.console.print(f"{after.user_id}: {before.role} → {after.role}", markup=False)


@user_app.command("remove")
def remove_user(name: str = typer.Argument(..., help="The person.")) -> None:
    """Remove a person: refused everywhere from now on; their tasks stay until deleted."""
    app = current_app()
    person = app.service.remove_person(name, actor=app.local_actor)
    render.console.print(f"removed {person.user_id}; their tasks stay (cronpilot task list shows them)",
                         markup=False)


@group_app.command("create")
def create_group(name: str = typer.Argument(..., help="The group's name, e.g. ops.")) -> None:
    """Make a group (then add people and share tasks with it)."""
    app = current_app()
    app.service.create_group(name, actor=app.local_actor)
    render.console.print(f"group {name} created; add people with: cronpilot group add {name} PERSON",
                         markup=False)


@group_app.command("add")
def add_member(group: str = typer.Argument(...), person: str = typer.Argument(...)) -> None:
    """Add a person to a group."""
    app = current_app()
    changed = app.service.set_group_member(group, person, member=True, actor=app.local_actor)
    render.console.print(f"{person} {'added to' if changed else 'was already in'} {group}", markup=False)


@group_app.command("remove")
def remove_member(group: str = typer.Argument(...), person: str = typer.Argument(...)) -> None:
    """Take a person out of a group."""
    app = current_app()
    changed = app.service.set_group_member(group, person, member=False, actor=app.local_actor)
    render.console.print(f"{person} {'taken out of' if changed else 'was not in'} {group}", markup=False)


@group_app.command("delete")
def delete_group(group: str = typer.Argument(...)) -> None:
    """Delete a group (tasks shared with it stop being shared)."""
    app = current_app()
    app.service.delete_group(group, actor=app.local_actor)
    render.console.print(f"group {group} deleted", markup=False)


@group_app.command("list")
def list_groups(json_output: bool = typer.Option(False, "--json")) -> None:
    """Groups and their members."""
    app = current_app()
    groups = app.service.list_groups(actor=app.local_actor)
    if json_output:
        render.print_json([{"group": g, "members": m} for g, m in groups.items()])
        return
    if not groups:
        render.console.print("no groups; make one with: cronpilot group create NAME")
        return
    for group, members in groups.items():
        render.console.print(f"{group}: {', '.join(members) or '(nobody)'}", markup=False)


def approve(task: str = typer.Argument(..., help="The task waiting for approval (id or name).")) -> None:
    """Approve a task waiting for approval (shell, writing SQL, internal http: admins)."""
    app = current_app()
    approved = app.service.approve_task(task, actor=app.local_actor)
    render.console.print(f"approved '{approved.name}' (task #{approved.task_id}); it runs as scheduled",
                         markup=False)


def reject(task: str = typer.Argument(..., help="The task waiting for approval (id or name).")) -> None:
    """Turn down a task waiting for approval: it is deleted."""
    app = current_app()
    rejected = app.service.reject_task(task, actor=app.local_actor)
    render.console.print(f"turned down '{rejected.name}' (task #{rejected.task_id}); it is deleted",
                         markup=False)


@audit_app.callback()
def audit(
    ctx: typer.Context,
    task: str | None = typer.Option(None, "--task", help="Entries about this task."),
    actor: str | None = typer.Option(None, "--actor", help="Entries by this person."),
    since: str | None = typer.Option(None, "--since", help="24h, 7d, or an ISO time."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """The audit trail, newest first: who did what, when, through what, before → after."""
    if ctx.invoked_subcommand is not None:
        return
    from scheduler.service import parse_since

    app = current_app()
    start = parse_since(since, now=app.clock.now()) if since else None
    entries = app.service.audit(actor=app.local_actor, task=task, person=actor, since=start, limit=limit)
    if json_output:
        render.print_json([_entry_json(e) for e in entries])
        return
    if not entries:
        render.console.print("no audit entries match")
        return
    table = Table("when (UTC)", "who", "via", "what", "on", "change")
    for e in entries:
        what = e["action"] if e["decision"] == "allowed" else f"{e['action']} REFUSED ({e['reason']})"
        table.add_row(e["at"].strftime("%Y-%m-%d %H:%M:%S"), render.escape(_who(e)), e["via"] or "-",
                      render.escape(what), render.escape(e["target"] or "-"), render.escape(_change(e)))
    render.console.print(table)


@audit_app.command("verify")
def verify() -> None:
    """Check the hash chain: each entry covers the one before; report the first broken link."""
    app = current_app()
    checked, broken = app.service.verify_audit(actor=app.local_actor)
    if broken is None:
        render.console.print(f"audit trail intact: {checked} entries, every link checks", markup=False)
        return
    render.err_console.print(f"audit trail BROKEN at entry {broken}: it or the one before it was changed "
                             f"or deleted ({checked} entries before it check)", markup=False)
    raise typer.Exit(1)


def _who(entry: dict[str, Any]) -> str:
    return f"ai-run {entry['ai_run_id']} for {entry['actor']}" if entry.get("ai_run_id") else entry["actor"]


def _change(entry: dict[str, Any]) -> str:
    before, after = entry.get("before") or {}, entry.get("after") or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in ("triggers",)]
    parts = [f"{k}: {before.get(k, '—')} → {after.get(k, '—')}" if k in before else f"{k}: {after.get(k)}"
             for k in keys]
    return "; ".join(parts)[:200] or "-"


def _entry_json(entry: dict[str, Any]) -> dict[str, Any]:
    return {"id": entry["audit_id"], "at": entry["at"].isoformat(), "actor": entry["actor"],
            "ai_run_id": entry["ai_run_id"], "via": entry["via"], "action": entry["action"],
            "target": entry["target"], "task_id": entry["task_id"], "decision": entry["decision"],
            "reason": entry["reason"], "before": entry["before"], "after": entry["after"], "hash": entry["hash"]}

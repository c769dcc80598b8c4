"""``cronpilot task ...``: add, edit, list, show, pause, resume, delete."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from scheduler.errors import InvalidRequest
from scheduler.models import Task, TaskStatus

from .. import render
from .confirm import confirm_or_refuse
from .context import current_app
from .task_options import (
    changes_from_options,
    default_name,
    delivery,
    predecessors,
    unchanged_removed,
    with_task_options,
)

if TYPE_CHECKING:  # the service and the wiring pull in the store and the engine
    from scheduler.service import Service

    from ..wiring import App

task_app = typer.Typer(help="Create and manage tasks.", no_args_is_help=True)
POS = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _warn_folder(task: Task) -> None:
    if task.action.kind != "shell":
        return
    from scheduler.actions.shell_workdir import workdir_problem

    problem = workdir_problem(current_app().action_config, task.action.cwd)
    if problem:
        render.err_console.print(f"note: the command won't find its folder: {problem}", markup=False,
                                 soft_wrap=True)


def _task_json(service: Service, task: Task) -> dict[str, Any]:
    data = task.model_dump(mode="json")
    data["next_fires"] = [f.isoformat() for f in service.next_fires(task, count=5)]
    return data


@with_task_options()
def add(**opts: Any) -> None:
    """Add a task: a schedule (--cron, --every, --at, --when) or a reaction (--on, --on-file,
    --when-true, --on-pg) and one action (--remind, --shell -- CMD, --sh, --http, --sql,
    --email, --ai, --template, --noop)."""
    app = current_app()
    service = app.service
    changes = changes_from_options(opts, now=app.clock.now(), default_zone=app.settings.default_timezone)
    if "action" not in changes:
        raise InvalidRequest("say what the task does: --remind, --shell -- CMD, --sh, --http, --sql --db, "
                             "--email --subject, --ai, --template or --noop")
    _keep_folder(changes, default=Path.cwd())
    changes.setdefault("name", _free_name(service, default_name(changes["action"]), owner=app.local_actor.user))
    spec = service.build_spec(changes)
    status = TaskStatus.PAUSED if opts.get("paused") else TaskStatus.ACTIVE
    after = predecessors(opts)
    if after:  # check them before creating anything
        for ref in after:
            service.get_task(ref, actor=app.local_actor)
    deliver_to = delivery(opts)
    task = service.create_task(spec, actor=app.local_actor, status=status, deliver_to=deliver_to or None)
    if after:
        try:
            service.set_dependencies(str(task.task_id), after, actor=app.local_actor,
                                     condition=opts.get("after_condition") or "success")
        except Exception:
            service.delete_task(str(task.task_id), actor=app.local_actor)  # nothing half-made
            raise
    _report(app, task, "added", opts)


@with_task_options(inspect.Parameter("ref", POS, default=typer.Argument(..., help="Task id or name."), annotation=str))
def edit(ref: str, **opts: Any) -> None:
    """Change a task; only the flags given change. A new schedule starts from now."""
    app = current_app()
    service = app.service
    current = service.get_task(ref, actor=app.local_actor)
    changes = changes_from_options(
        opts, now=app.clock.now(), default_zone=app.settings.default_timezone, current=current
    )
    _keep_folder(changes, default=None)
    paused = opts.get("paused")
    after = predecessors(opts)
    if not changes and paused is None and after is None and not opts.get("deliver_to"):
        raise InvalidRequest("nothing to change: give at least one flag (see cronpilot task edit --help)")
    if after is not None:
        service.set_dependencies(ref, after, actor=app.local_actor,
                                 condition=opts.get("after_condition") or "success")
    changes = unchanged_removed(changes, current)
    deliver_to = delivery(opts)
    if deliver_to is not False and deliver_to == (current.origin or {}).get("deliver_to"):
        deliver_to = False  # already delivers there
    pausing = paused is not None and paused != (current.status == TaskStatus.PAUSED)
    if not changes and not pausing and after is None and deliver_to is False:
        # Every flag asked for what the task already has: nothing to do, and that is no error.
        if opts.get("json_output"):
            render.print_json(_task_json(service, current))
        else:
            render.console.print(f"task {current.task_id} [bold]{render.escape(current.name)}[/bold]: "
                                 "nothing changed (it already is like that)")
        return
    task = service.update_task(ref, changes, actor=app.local_actor) if changes else current
    if deliver_to is not False:
        task = service.set_delivery(str(task.task_id), deliver_to or None, actor=app.local_actor)
    if paused is True and task.status != TaskStatus.PAUSED:
        task = service.pause_task(str(task.task_id), actor=app.local_actor)
    elif paused is False and task.status == TaskStatus.PAUSED:
        task = service.resume_task(str(task.task_id), actor=app.local_actor)
    _report(app, task, "updated", opts)


def _keep_folder(changes: dict[str, Any], *, default: Path | None) -> None:
    """A shell task runs where it was made: the current folder unless --cwd says otherwise
    (relative --cwd is from here)."""
    action = changes.get("action")
    if not action or action.get("kind") != "shell":
        return
    folder = action.get("cwd") or default
    if folder is not None:
        action["cwd"] = str(Path(folder).expanduser().resolve())


def _free_name(service: Service, name: str, *, owner: str) -> str:
    """``name``, or ``name (2)``… when the owner has it (names are unique per owner; another
    person's task of that name neither blocks it nor shows through a suffix)."""
    taken = {t.name for t in service.list_tasks(search=name[:60]) if t.owner == owner}
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def _report(app: App, task: Task, verb: str, opts: dict[str, Any]) -> None:
    service = app.service
    notice = service.not_running_notice() if verb == "added" else None
    if opts.get("json_output"):
        data = _task_json(service, task)
        if verb == "added":
            data["engine_running"] = notice is None
        render.print_json(data)
        _say_notice(notice)
        return
    fires = service.next_fires(task, count=1)
    nxt = f", next {render.when(fires[0], task.timezone, viewer_zone=app.settings.default_timezone)}" if fires else ""
    after = service.dependencies_of(str(task.task_id))["after"]
    if after:
        nxt += ", after " + ", ".join(f"{t.name} ({c})" for t, c in after)
    render.console.print(
        f"{verb} task {task.task_id} [bold]{render.escape(task.name)}[/bold]: "
        f"{render.escape(render.schedule_text(task, now=app.clock.now()))}{nxt}"
    )
    if task.status == TaskStatus.PAUSED:
        render.console.print("  (paused: it won't fire until you resume it)")
    if task.status == TaskStatus.PENDING_APPROVAL:
        why = (task.origin or {}).get("waits_for") or "approval"
        render.console.print(f"  (waits for {render.escape(str(why))}; an admin approves it with: "
                             f"cronpilot approve {task.task_id}, or says 'approve {task.task_id}' in chat)")
    destination = (task.origin or {}).get("deliver_to") or {}
    if destination.get("platform") == "email":
        render.console.print(f"  delivers to email {render.escape(str(destination.get('address')))}")
    _warn_folder(task)
    _say_notice(notice)


def _say_notice(notice: str | None) -> None:
    if notice:  # on stderr: stdout may be JSON for a script
        render.err_console.print(f"note: {notice}", markup=False, soft_wrap=True)


task_app.command("add")(add)
task_app.command("edit")(edit)


@task_app.command("list")
def list_tasks(
    status: TaskStatus | None = typer.Option(None, "--status", help="Only tasks in this state."),
    search: str | None = typer.Option(None, "--search", help="Only names containing this."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """List tasks with their next fire."""
    app = current_app()
    tasks = app.service.list_tasks(actor=app.local_actor, status=status, search=search)
    if json_output:
        render.print_json([_task_json(app.service, t) for t in tasks])
        return
    if not tasks:
        render.console.print("no tasks yet — add one with: cronpilot task add --every 1h --remind 'stretch'")
        return
    next_fire = {t.task_id: next(iter(app.service.next_fires(t, count=1)), None) for t in tasks}
    render.console.print(render.task_table(tasks, next_fire, viewer_zone=app.settings.default_timezone,
                                           now=app.clock.now()))


@task_app.command("show")
def show(
    ref: str = typer.Argument(..., help="Task id or name."),
    count: int = typer.Option(5, "-n", min=1, max=100, help="How many next fires."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Everything about a task, with its next fires and last runs."""
    app = current_app()
    task = app.service.get_task(ref, actor=app.local_actor)
    fires = app.service.next_fires(task, count=count)
    isolation = _isolation(app, task)
    folder = _folder(app, task)
    if json_output:
        data = _task_json(app.service, task)
        data["next_fires"] = [f.isoformat() for f in fires]
        data["isolation"] = isolation
        data["folder"] = folder
        deps = app.service.dependencies_of(str(task.task_id))
        data["after"] = [{"task": t.name, "condition": c} for t, c in deps["after"]]
        data["before"] = [{"task": t.name, "condition": c} for t, c in deps["before"]]
        render.print_json(data)
        return
    runs = app.service.list_runs(actor=app.local_actor, task=str(task.task_id), limit=5)
    deps = app.service.dependencies_of(str(task.task_id))
    render.task_detail(task, fires, runs, isolation, deps, viewer_zone=app.settings.default_timezone,
                       now=app.clock.now(), folder=folder)


def _folder(app: Any, task: Task) -> str | None:
    if task.action.kind != "shell":
        return None
    from scheduler.actions.shell_workdir import describe_workdir

    return describe_workdir(app.action_config, task.action.cwd)


def _isolation(app: Any, task: Task) -> str | None:
    if task.action.kind != "shell":
        return None
    from scheduler.actions.shell import describe_isolation

    return describe_isolation(app.action_config, task.action.limits)


@task_app.command("pause")
def pause(ref: str = typer.Argument(..., help="Task id or name.")) -> None:
    """Stop a task from firing until it is resumed."""
    app = current_app()
    task = app.service.pause_task(ref, actor=app.local_actor)
    render.console.print(f"paused task {task.task_id} [bold]{render.escape(task.name)}[/bold]")


@task_app.command("resume")
def resume(ref: str = typer.Argument(..., help="Task id or name.")) -> None:
    """Let a paused task fire again, from now on (fires missed while paused are not replayed)."""
    app = current_app()
    task = app.service.resume_task(ref, actor=app.local_actor)
    fires = app.service.next_fires(task, count=1)
    nxt = f"; next {render.when(fires[0], task.timezone, viewer_zone=app.settings.default_timezone)}" if fires else ""
    render.console.print(f"resumed task {task.task_id} [bold]{render.escape(task.name)}[/bold]{nxt}")


@task_app.command("delete")
def delete(
    ref: str = typer.Argument(..., help="Task id or name."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Don't ask for confirmation."),
) -> None:
    """Delete a task (its run history is kept)."""
    app = current_app()
    task = app.service.get_task(ref, actor=app.local_actor)
    confirm_or_refuse(f"Delete task {task.task_id} '{task.name}'?", name=task.name, yes=yes)
    app.service.delete_task(str(task.task_id), actor=app.local_actor)
    render.console.print(f"deleted task {task.task_id} [bold]{render.escape(task.name)}[/bold]")


@task_app.command("share")
def share(
    ref: str = typer.Argument(..., help="Task id or name."),
    group: str = typer.Argument(..., help="The group (cronpilot group list)."),
    read: bool = typer.Option(False, "--read", help="They see it, its runs and logs."),
    manage: bool = typer.Option(False, "--manage", help="They may also pause, resume, edit and run it."),
    stop: bool = typer.Option(False, "--stop", help="Stop sharing it with the group."),
) -> None:
    """Share a task with a group to read or to manage it (or --stop)."""
    if read + manage + stop != 1:
        raise InvalidRequest("say one of --read, --manage or --stop")
    app = current_app()
    access = None if stop else ("manage" if manage else "read")
    shares = app.service.share_task(ref, group, access, actor=app.local_actor)
    text = ", ".join(f"{g} ({a})" for g, a in shares.items()) or "nobody"
    render.console.print(f"task {render.escape(ref)} is now shared with: {render.escape(text)}")

"""Which commands ``cronpilot`` has and where each lives, so a module is imported only when its
command runs (or its own ``--help`` is asked for).

``cronpilot --help`` and shell completion of command names read the one-line help from here:
importing every command pulls in the service, the store and SQLAlchemy (most of a second), and
help must answer at once. A test keeps these lines equal to the commands' docstrings.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Entry:
    module: str  # under cronpilot.commands
    attr: str  # a typer.Typer (a group of commands) or a command function
    help: str  # the first line of the command's help


COMMANDS: dict[str, Entry] = {
    "task": Entry("tasks", "task_app", "Create and manage tasks."),
    "run": Entry("runs", "run", "Run a task now (its dependents follow as they are released)."),
    "runs": Entry("runs", "runs", "Run history, newest first."),
    "logs": Entry("runs", "logs", "A run's status history, error and whole log."),
    "stats": Entry("runs", "stats", "Runs, success rate, average and p95 duration, per task and overall."),
    "status": Entry("status", "status", "Whether an engine is running: engines, next fires, backlog."),
    "serve": Entry("serve", "serve", "Run the engine, the chat connectors and the HTTP server until Ctrl-C."),
    "chat": Entry("chat", "chat", "Chat with cronpilot: 'remind me every Monday at 9am to send the report', 'what failed today'."),
    "emit": Entry("runs", "emit", "Emit an event: every task listening to it fires."),
    "when": Entry("when", "when", "Show how a time phrase is read and its next fire times."),
    "workflow": Entry("workflows", "workflow_app", "Workflows: named graphs of steps with one set of triggers."),
    "hook": Entry("hooks", "hook_app", "Webhooks: outside systems fire an event with a signed POST /hooks/EVENT."),
    "pg": Entry("pg", "pg_app", "PostgreSQL helpers: pg_notify triggers, the read-only role."),
    "supabase": Entry("supabase", "supabase_app", "Supabase: row-level security, Realtime, linked Auth users, connection."),
    "secret": Entry("secrets", "secret_app", "Secrets for tasks: set, list and delete (values are never shown again)."),
    "token": Entry("tokens", "token_app", "API tokens for /api/v1: create (shown once), list, revoke."),
    "service": Entry("service", "service_app", "Run the engine as a service that starts with your login (systemd user unit)."),
    "dashboard": Entry("dashboard", "dashboard", "Print a one-time sign-in link to the web dashboard (served by `cronpilot serve`)."),
    "user": Entry("people", "user_app", "People and their roles: list, add, change a role, remove."),
    "group": Entry("people", "group_app", "Groups of people that tasks are shared with."),
    "approve": Entry("people", "approve", "Approve a task waiting for approval (shell, writing SQL, internal http: admins)."),
    "reject": Entry("people", "reject", "Turn down a task waiting for approval: it is deleted."),
    "audit": Entry("people", "audit_app", "The audit trail: who changed what, when, through what."),
    "doctor": Entry("doctor", "doctor", "Check this install (database, sandbox, connectors, disk) and say what to fix."),
}


def load(name: str) -> Any:
    """The command's Typer app or function; ImportError when its module can't be imported."""
    entry = COMMANDS[name]
    module = importlib.import_module(f"cronpilot.commands.{entry.module}")
    return getattr(module, entry.attr)


def build(name: str) -> TyperCommand | TyperGroup | None:
    """The click command for ``name``, built from its module (None if it isn't installed)."""
    try:
        target = load(name)
    except ImportError:  # e.g. the time-phrase parser ships separately
        return None
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    single = typer.Typer(add_completion=False)
    single.command(name)(target)
    command = typer.main.get_command(single)  # one command and no callback: the command itself
    return command  # type: ignore[return-value]


class LazyGroup(TyperGroup):
    """The root group: commands come from ``COMMANDS`` and are built when first needed. While
    help is formatted they are stand-ins that carry only their one-line help."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        if self._listing:
            text = COMMANDS[cmd_name].help
            return TyperCommand(name=cmd_name, help=text, short_help=text, callback=None)
        command = build(cmd_name)
        if command is not None:
            self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        if incomplete.startswith("-"):
            return super().shell_complete(ctx, incomplete)
        self._listing = True  # names and their help only: no command module imported
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False

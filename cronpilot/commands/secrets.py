"""``cronpilot secret set|list|delete``: values tasks use as ``{{ secrets.NAME }}``, kept
encrypted. A value is read from stdin or a hidden prompt, never from an argument (arguments end
up in shell history and in ``ps``)."""

from __future__ import annotations

import sys

import typer

from scheduler.errors import InvalidRequest

from .. import render
from .context import current_app

secret_app = typer.Typer(
    help="Secrets for tasks: set, list and delete (values are never shown again).",
    no_args_is_help=True,
)


def _read_value(name: str) -> str:
    if sys.stdin.isatty():
        value = typer.prompt(f"value of {name}", hide_input=True, confirmation_prompt=True)
    else:
        from ..inputs import MAX_SECRET_BYTES, read_stream

        value = read_stream(sys.stdin, limit=MAX_SECRET_BYTES, what="the secret value")
        # `echo token | cronpilot secret set X` adds a newline that isn't part of the token.
        value = value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")
    if not value:
        raise InvalidRequest("no value given: pipe it in (… | cronpilot secret set NAME) or type it")
    return value


@secret_app.command("set")
def set_secret(
    name: str = typer.Argument(..., help="Letters, digits and _, e.g. GITHUB_TOKEN."),
    shared: bool = typer.Option(False, "--shared", help="Usable by every task (admins only)."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Set or replace a secret; the value comes from stdin or a hidden prompt."""
    app = current_app()
    value = _read_value(name)
    info, created = app.service.set_secret(name, value, actor=app.local_actor, shared=shared)
    if json_output:
        render.print_json({**info.as_dict(), "created": created})
        return
    scope = "shared secret" if info.scope == "shared" else "secret"
    verb = "saved" if created else "replaced"
    render.console.print(f"{scope} {info.name} {verb}; use it in a task as {{{{ secrets.{info.name} }}}}",
                         markup=False)


@secret_app.command("list")
def list_secrets(json_output: bool = typer.Option(False, "--json")) -> None:
    """Names, scope, owner and times of the secrets you can use (never their values)."""
    app = current_app()
    render.print_listing(
        app.service.list_secrets(actor=app.local_actor), as_json=json_output,
        to_json=lambda s: s.as_dict(), empty="no secrets; add one with: cronpilot secret set NAME",
        columns=("name", "scope", "owner", "created (UTC)", "updated (UTC)"),
        row=lambda s: (render.escape(s.name), s.scope, render.escape(s.owner or "-"),
                       s.created_at.strftime("%Y-%m-%d %H:%M"), s.updated_at.strftime("%Y-%m-%d %H:%M")),
    )


@secret_app.command("delete")
def delete_secret(
    name: str = typer.Argument(..., help="The secret's name."),
    shared: bool = typer.Option(False, "--shared", help="The shared secret of that name (admins)."),
    owner: str | None = typer.Option(None, "--owner", help="Another person's secret (admins)."),
) -> None:
    """Delete a secret; tasks that use it fail until it is set again."""
    app = current_app()
    users = app.service.delete_secret(name, actor=app.local_actor, shared=shared, owner=owner)
    render.console.print(f"secret {name} deleted", markup=False)
    if users:
        names = ", ".join(t.name for t in users)
        render.console.print(f"these tasks use it and will fail until it is set again: {names}",
                             markup=False)

"""``cronpilot supabase``: share cronpilot's data with a team's Supabase project safely
(row-level security, Realtime, linking Supabase Auth users) and see how it is connected."""

from __future__ import annotations

import typer

from scheduler import supabase

from .. import render
from .context import current_app

supabase_app = typer.Typer(help="Supabase: row-level security, Realtime, linked Auth users, connection.",
                           no_args_is_help=True)


@supabase_app.command("status")
def status(json_output: bool = typer.Option(False, "--json")) -> None:
    """How the database is reached, whether LISTEN works, which tables have row-level security."""
    app = current_app()
    url = app.settings.effective_database_url
    kind = supabase.connection_kind(url)
    rls = supabase.rls_status(url) if url.startswith("postgresql") else {}
    archive = bool(app.settings.supabase_url and app.settings.supabase_service_key)
    if json_output:
        render.print_json({"connection": kind.kind, "listen": kind.listen, "advice": kind.advice,
                           "rls": rls, "log_archive": archive, "log_bucket": app.settings.log_bucket})
        return
    render.console.print(render.escape(f"database: {app.database_label} ({kind.kind})"))
    if kind.advice:
        render.console.print(render.escape(kind.advice))
    if rls:
        on = sorted(t for t, enabled in rls.items() if enabled)
        render.console.print(render.escape(
            f"row-level security: on for {len(on)} of {len(rls)} tables"
            + ("" if len(on) == len(rls) else " (cronpilot supabase rls turns it on)")))
    render.console.print(render.escape(
        f"big logs: Supabase Storage bucket {app.settings.log_bucket}" if archive
        else "big logs: files in the data folder (set SUPABASE_URL and SUPABASE_SERVICE_KEY for Storage)"))


@supabase_app.command("rls")
def rls() -> None:
    """Turn on row-level security: people signed in to the project read their own tasks and runs
    (admins all), anon nothing, nobody writes; cronpilot's own connection is unaffected."""
    tables = supabase.enable_rls(current_app().settings.effective_database_url)
    render.console.print(render.escape(
        f"row-level security on for {len(tables)} tables; tasks, runs and run_events readable by the "
        "signed-in person they belong to (link people with: cronpilot supabase link USER AUTH_UID)"))


@supabase_app.command("realtime")
def realtime() -> None:
    """Publish task and run changes (the supabase_realtime publication) for Supabase clients."""
    tables = supabase.publish_realtime(current_app().settings.effective_database_url)
    render.console.print(render.escape(
        f"published on {supabase.PUBLICATION}: {', '.join(tables)} (row-level security decides who sees what)"))


@supabase_app.command("link")
def link(
    user: str = typer.Argument(..., help="A cronpilot user id (see cronpilot user list), e.g. slack:U123."),
    auth_uid: str = typer.Argument(..., help="The person's Supabase Auth user id (auth.users.id, a UUID)."),
) -> None:
    """Link a cronpilot user to a Supabase Auth user, so row-level security shows them their tasks."""
    supabase.link_auth_user(current_app().settings.effective_database_url, user, auth_uid)
    render.console.print(render.escape(f"{user} is Supabase Auth user {auth_uid}"))

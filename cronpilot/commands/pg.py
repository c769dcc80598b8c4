"""``cronpilot pg watch-table``: make a PostgreSQL table's new rows an event (a NOTIFY)."""

from __future__ import annotations

import asyncio

import typer

from scheduler.errors import InvalidRequest
from scheduler.sources.pgnotify import install_notify_trigger

from .. import render
from .context import current_app

pg_app = typer.Typer(help="PostgreSQL helpers for pg_notify triggers.", no_args_is_help=True)


@pg_app.command("watch-table")
def watch_table(
    table: str = typer.Argument(..., help="Table, optionally schema.table (default schema: public)."),
    channel: str = typer.Option(..., "--channel", help="NOTIFY channel, e.g. new_tickets."),
    db: str | None = typer.Option(None, "--db", help="A database from sql_databases (default: cronpilot's own)."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Add (or replace) a trigger that sends each inserted row as JSON on CHANNEL."""
    app = current_app()
    settings = app.settings
    if db is None:
        url = settings.effective_database_url
    elif db in settings.sql_databases:
        url = settings.sql_databases[db]
    else:
        known = ", ".join(sorted(settings.sql_databases)) or "none configured (CRONPILOT_SQL_DATABASES)"
        raise InvalidRequest(f"unknown database {db!r}; known: {known}")
    schema, _, name = table.rpartition(".")
    installed = asyncio.run(install_notify_trigger(url, name, channel, schema=schema or "public"))
    trigger = {"kind": "pg_notify", "channel": channel, **({"database": db} if db else {})}
    if json_output:
        render.print_json({"schema": installed.schema, "table": installed.table, "channel": channel,
                           "function": installed.function, "trigger": installed.trigger,
                           "key_columns": list(installed.key_columns), "task_trigger": trigger})
        return
    render.console.print(render.escape(
        f"{installed.schema}.{installed.table}: each new row is sent on channel '{channel}' "
        f"(trigger {installed.trigger}, function {installed.function})."))
    keys = ", ".join(installed.key_columns) or "none: add a primary key"
    render.console.print(render.escape(f"Rows over 7,900 bytes as JSON are sent as table + key ({keys})."))
    render.console.print(f"Tasks react with the trigger {trigger}", markup=False)

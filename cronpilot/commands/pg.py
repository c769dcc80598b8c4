"""``cronpilot pg watch-table``: make a PostgreSQL table's new rows an event (a NOTIFY)."""

from __future__ import annotations

import asyncio

import typer
from sqlalchemy.engine import make_url

from scheduler.actions.sql import READER_ROLE, ensure_readonly_role
from scheduler.errors import InvalidRequest
from scheduler.secret_refs import fill_database_url
from scheduler.sources.pgnotify import install_notify_trigger

from .. import render
from .context import current_app

pg_app = typer.Typer(help="PostgreSQL helpers: pg_notify triggers, the read-only role.",
                     no_args_is_help=True)


def _database_url(name: str) -> str:
    app = current_app()
    databases = app.settings.sql_databases
    if name not in databases:
        known = ", ".join(sorted(databases)) or "none configured (CRONPILOT_SQL_DATABASES)"
        raise InvalidRequest(f"unknown database {name!r}; known: {known}")
    return fill_database_url(databases[name], app.service)


@pg_app.command("watch-table")
def watch_table(
    table: str = typer.Argument(..., help="Table, optionally schema.table (default schema: public)."),
    channel: str = typer.Option(..., "--channel", help="NOTIFY channel, e.g. new_tickets."),
    db: str | None = typer.Option(None, "--db", help="A database from sql_databases (default: cronpilot's own)."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Add (or replace) a trigger that sends each inserted row as JSON on CHANNEL."""
    url = current_app().settings.effective_database_url if db is None else _database_url(db)
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
    flags = f"--on-pg {channel}" + (f" --pg-db {db}" if db else "")
    render.console.print(f"Make a task react to it: cronpilot task add {flags} --remind 'new row' (or any action)",
                         markup=False)


@pg_app.command("reader")
def reader(
    db: str = typer.Argument(..., help="A database from sql_databases."),
    schema: list[str] = typer.Option([], "--schema", help="A schema whose tables it may read (repeat)."),
    grant_to: str | None = typer.Option(None, "--grant-to", help="The login that switches to it (default: the database's)."),
    admin_url: str | None = typer.Option(
        None, "--admin-url", help="Connect as a role that may create roles and grant (default: the database's URL). "
                                  "Put the password in PGPASSWORD or ~/.pgpass, not here."),
) -> None:
    """Set up the read-only role SQL tasks run as: it reads the tables of the given schemas,
    nothing else (not cronpilot's own tables, not pg_read_all_data)."""
    url = _database_url(db)
    login = grant_to or make_url(url.replace("postgres://", "postgresql://", 1)).username
    asyncio.run(ensure_readonly_role(admin_url or url, grant_to=login, schemas=schema))
    where = ", ".join(schema) if schema else "nothing yet (add --schema)"
    render.console.print(f"{READER_ROLE} in {db}: reads {where}; {login or 'the login'} may switch to it",
                         markup=False)

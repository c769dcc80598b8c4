"""The PostgreSQL role read-only SQL tasks run as: created NOLOGIN, given SELECT on the
schemas an admin names and nothing else (never ``pg_read_all_data``, never a schema holding
cronpilot's own tables), and granted to the login that switches to it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql as pg_sql

from .base import ActionFailed

SERVER_FILE_ROLES = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files")
_CRONPILOT_TABLES = ("tasks", "runs", "run_events", "task_events")  # together: cronpilot's schema


async def ensure_role(conn: psycopg.AsyncConnection[Any], role: str, *,
                      grant_to: str | None, schemas: Sequence[str] = ()) -> None:
    """Create ``role`` if missing (or refuse one with more than read access), take it out of
    ``pg_read_all_data``, grant it ``schemas`` and let ``grant_to`` (default: the session user,
    unless a superuser) switch to it. Raises ``ActionFailed``."""
    ident = pg_sql.Identifier(role)
    try:
        cur = await conn.execute(
            "SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolcanlogin"
            " OR EXISTS (SELECT 1 FROM pg_roles p WHERE p.rolname::text = ANY(%s)"
            "            AND pg_has_role(r.oid, p.oid, 'MEMBER'))"
            " FROM pg_roles r WHERE rolname = %s",
            ([*list(SERVER_FILE_ROLES), "pg_write_all_data"], role))
        found = await cur.fetchone()
        if found is None:
            # Another process may create it at the same moment.
            with suppress(pg_errors.DuplicateObject, pg_errors.UniqueViolation):
                await conn.execute(pg_sql.SQL("CREATE ROLE {} NOLOGIN NOSUPERUSER NOBYPASSRLS "
                                              "NOCREATEDB NOCREATEROLE").format(ident))
        elif found[0]:
            raise ActionFailed(f"the role {role} already exists with more than read access "
                               "(login, superuser, CREATEROLE, server files or writes); fix it")
        if await reads_everything(conn, role):
            await conn.execute(pg_sql.SQL("REVOKE pg_read_all_data FROM {}").format(ident))
        for schema in schemas:
            await _grant_schema(conn, role, schema)
        if grant_to is None:
            cur = await conn.execute("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = "
                                     "session_user")
            user, superuser = await cur.fetchone() or (None, True)
            grant_to = None if superuser else user
        if grant_to:
            await _grant_once(conn, role, grant_to)
    except pg_errors.InsufficientPrivilege as exc:
        raise ActionFailed(f"could not set up the read-only role {role}: "
                           f"{exc.diag.message_primary}; ask a database administrator") from None


async def reads_everything(conn: psycopg.AsyncConnection[Any], role: str) -> bool:
    """Is ``role`` in ``pg_read_all_data`` (PostgreSQL 14+), directly or through another role?"""
    cur = await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_all_data')"
        " AND pg_has_role(%s::name, 'pg_read_all_data', 'USAGE')", (role,))
    row = await cur.fetchone()
    return bool(row and row[0])


async def _grant_schema(conn: psycopg.AsyncConnection[Any], role: str, schema: str) -> None:
    cur = await conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s"
        " AND table_name = ANY(%s)", (schema, list(_CRONPILOT_TABLES)))
    row = await cur.fetchone()
    if row and row[0] == len(_CRONPILOT_TABLES):
        raise ActionFailed(f"schema {schema} holds cronpilot's own tables (tasks, runs, secrets); "
                           "keep them in a schema of their own and grant the reader the others")
    names = {"schema": pg_sql.Identifier(schema), "role": pg_sql.Identifier(role)}
    await conn.execute(pg_sql.SQL("GRANT USAGE ON SCHEMA {schema} TO {role}").format(**names))
    await conn.execute(pg_sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
                       .format(**names))


async def _grant_once(conn: psycopg.AsyncConnection[Any], role: str, member: str) -> None:
    cur = await conn.execute("SELECT pg_has_role(%s::name, %s::name, 'MEMBER')", (member, role))
    row = await cur.fetchone()
    if not (row and row[0]):
        await conn.execute(pg_sql.SQL("GRANT {} TO {}").format(pg_sql.Identifier(role),
                                                              pg_sql.Identifier(member)))

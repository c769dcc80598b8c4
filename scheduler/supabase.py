"""cronpilot's database as a Supabase project sees it (docs/supabase.md).

Supabase is PostgreSQL: cronpilot connects with ``DATABASE_URL`` like to any other. What this
module adds is what a team's own Supabase clients need to share cronpilot's data safely:

- ``connection_kind``: which of Supabase's three ways in a URL uses (direct, session pooler,
  transaction pooler) and what that means (``LISTEN`` needs a session);
- ``enable_rls``: row-level security on every cronpilot table, with policies so that a person
  signed in to the project (``auth.uid()``, linked to a cronpilot user by ``link_auth_user``) reads
  through Supabase's APIs and Realtime exactly the tasks and runs cronpilot would show them —
  their own, those shared with a group they are in, or all for an admin; a removed person
  nothing — ``anon`` reads nothing, nobody writes, and cronpilot's own connection (the tables'
  owner) is unaffected;
- ``publish_realtime``: tasks, runs and their history in the ``supabase_realtime`` publication.

Each takes a database URL and uses psycopg directly, like ``pg watch-table``: these are set-up
steps an admin runs (``cronpilot supabase …``), not part of the store's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from .errors import InvalidRequest

if TYPE_CHECKING:  # psycopg is imported by the set-up steps only: serve's start reads URLs
    import psycopg

# The tables cronpilot owns (scheduler/store/tables.py); every one gets RLS, three get policies.
TABLES = ("tasks", "runs", "run_events", "counters", "dependencies", "task_events", "webhook_deliveries",
          "condition_state", "workers", "audit", "users", "identities", "processed_events",
          "admin_claims", "secrets", "conversations", "groups", "group_members", "task_shares",
          "api_tokens", "signin_links", "web_sessions", "outbox", "engine_shares", "run_hours",
          "run_hour_failures")
PUBLISHED = ("tasks", "runs", "run_events")
PUBLICATION = "supabase_realtime"
AUTH_PLATFORM = "supabase"  # identities.platform of a Supabase Auth user (platform_user_id: auth.uid())


@dataclass(frozen=True)
class ConnectionKind:
    kind: str  # "direct" | "session pooler" | "transaction pooler" | "not supabase"
    listen: bool  # LISTEN/NOTIFY works (pg_notify triggers, instant wake-ups)
    advice: str


def connection_kind(url: str) -> ConnectionKind:
    """How ``url`` reaches a Supabase project: by host and port, as Supabase documents them
    (db.REF.supabase.co: direct; *.pooler.supabase.com: Supavisor, 5432 session, 6543 transaction)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    host, port = (parsed.host or "").lower(), parsed.port or 5432
    if host.endswith(".pooler.supabase.com"):
        if port == 6543:
            return ConnectionKind(
                "transaction pooler", False,
                "LISTEN needs a session: pg_notify triggers and instant wake-ups don't work through the "
                "transaction pooler (port 6543); use the session pooler (port 5432 on the same host) "
                "or the direct connection for serve.")
        return ConnectionKind("session pooler", True, "fine for serve (one session per connection).")
    if host.endswith(".supabase.co"):
        return ConnectionKind("direct", True, "fine for serve (IPv6 only unless the IPv4 add-on is on).")
    return ConnectionKind("not supabase", True, "")


def _connect(url: str) -> psycopg.Connection:
    import psycopg

    plain = make_url(url.replace("postgres://", "postgresql://", 1))
    if not plain.drivername.startswith("postgresql"):
        raise InvalidRequest("this needs cronpilot's database on PostgreSQL (a Supabase project's)")
    return psycopg.connect(plain.set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True)


def _schema(conn: psycopg.Connection) -> str:
    row = conn.execute("select current_schema()").fetchone()
    if row is None or row[0] is None:
        raise InvalidRequest("the database has no current schema")
    return str(row[0])


def _has_auth_uid(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
        "where n.nspname = 'auth' and p.proname = 'uid'"
    ).fetchone()
    return row is not None


def _roles(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute("select rolname from pg_roles where rolname in ('anon', 'authenticated')")
    return {r[0] for r in rows}


def enable_rls(url: str) -> list[str]:
    """Row-level security on cronpilot's tables in the URL's schema, with read policies for
    ``authenticated``; idempotent. The tables it turned on. Raises ``InvalidRequest`` where the
    database isn't a Supabase one (no ``auth.uid()``, no ``anon``/``authenticated`` roles)."""
    from psycopg import sql

    with _connect(url) as conn:
        if not _has_auth_uid(conn) or _roles(conn) != {"anon", "authenticated"}:
            raise InvalidRequest(
                "this database has no auth.uid() or no anon/authenticated roles: it isn't a Supabase "
                "project's, and row-level security here would only lock people out")
        schema = sql.Identifier(_schema(conn))
        present = {r[0] for r in conn.execute(
            "select tablename from pg_tables where schemaname = current_schema()")}
        tables = [t for t in TABLES if t in present]
        with conn.transaction():
            conn.execute(sql.SQL(_HELPERS).format(schema=schema, platform=sql.Literal(AUTH_PLATFORM)))
            for table in tables:
                name = sql.Identifier(table)
                conn.execute(sql.SQL("alter table {}.{} enable row level security").format(schema, name))
                conn.execute(sql.SQL("revoke all on {}.{} from anon, authenticated").format(schema, name))
                conn.execute(sql.SQL("drop policy if exists cronpilot_read on {}.{}").format(schema, name))
            for table, rule in _POLICIES.items():
                if table in present:
                    name = sql.Identifier(table)
                    conn.execute(sql.SQL("grant select on {}.{} to authenticated").format(schema, name))
                    conn.execute(sql.SQL("create policy cronpilot_read on {s}.{t} for select to authenticated "
                                         "using (" + rule + ")").format(s=schema, t=name))
        return tables


# Who the signed-in person is, as cronpilot knows them (a removed person is nobody). SECURITY
# DEFINER: they read users, identities, groups and shares, which the person can't; the
# search_path is pinned so nothing can stand in for them.
_HELPERS = """
create or replace function {schema}.cronpilot_auth_user() returns text
language sql stable security definer set search_path = pg_catalog, pg_temp as $$
  select i.user_id from {schema}.identities i join {schema}.users u on u.user_id = i.user_id
  where i.platform = {platform} and i.platform_user_id = (select auth.uid())::text and u.removed_at is null
$$;
create or replace function {schema}.cronpilot_auth_is_admin() returns boolean
language sql stable security definer set search_path = pg_catalog, pg_temp as $$
  select exists (
    select 1 from {schema}.identities i join {schema}.users u on u.user_id = i.user_id
    where i.platform = {platform} and i.platform_user_id = (select auth.uid())::text
      and u.role = 'admin' and u.removed_at is null)
$$;
create or replace function {schema}.cronpilot_auth_can_see(task integer, task_owner text) returns boolean
language sql stable security definer set search_path = pg_catalog, pg_temp as $$
  select exists (
    select 1 from {schema}.identities i join {schema}.users u on u.user_id = i.user_id
    where i.platform = {platform} and i.platform_user_id = (select auth.uid())::text and u.removed_at is null
      and (u.role = 'admin' or u.user_id = task_owner or exists (
        select 1 from {schema}.task_shares s join {schema}.group_members m on m.group_id = s.group_id
        where s.task_id = task and m.user_id = u.user_id)))
$$;
revoke all on function {schema}.cronpilot_auth_user() from public;
revoke all on function {schema}.cronpilot_auth_is_admin() from public;
revoke all on function {schema}.cronpilot_auth_can_see(integer, text) from public;
grant usage on schema {schema} to authenticated;
grant execute on function {schema}.cronpilot_auth_user() to authenticated;
grant execute on function {schema}.cronpilot_auth_is_admin() to authenticated;
grant execute on function {schema}.cronpilot_auth_can_see(integer, text) to authenticated;
"""

# The service's rule for reading (scheduler/service_rules.py ``access_to``): your own tasks, the
# tasks shared with a group you are in (read or manage: both read), and their runs; an admin
# every task. Nobody writes through Supabase: there are no insert, update or delete policies.
_VISIBLE = "{s}.cronpilot_auth_can_see(t.task_id, t.owner)"
_POLICIES = {
    "tasks": "{s}.cronpilot_auth_can_see(task_id, owner)",
    "runs": "exists (select 1 from {s}.tasks t where t.task_id = runs.task_id and " + _VISIBLE + ")",
    "run_events": ("exists (select 1 from {s}.runs r join {s}.tasks t on t.task_id = r.task_id "
                   "where r.run_id = run_events.run_id and " + _VISIBLE + ")"),
}


def rls_status(url: str) -> dict[str, bool]:
    """Each cronpilot table present in the URL's schema and whether RLS is on for it."""
    with _connect(url) as conn:
        rows = conn.execute(
            "select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = current_schema() and c.relkind = 'r'")
        return {name: bool(on) for name, on in rows if name in TABLES}


def publish_realtime(url: str) -> list[str]:
    """Add tasks, runs and run_events to the ``supabase_realtime`` publication (created when
    missing, as on a plain PostgreSQL); idempotent. The tables published."""
    from psycopg import sql

    with _connect(url) as conn:
        schema = _schema(conn)
        exists = conn.execute("select 1 from pg_publication where pubname = %s", (PUBLICATION,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("create publication {}").format(sql.Identifier(PUBLICATION)))
        published = {r[0] for r in conn.execute(
            "select tablename from pg_publication_tables where pubname = %s and schemaname = %s",
            (PUBLICATION, schema))}
        for table in PUBLISHED:
            if table not in published:
                conn.execute(sql.SQL("alter publication {} add table {}.{}").format(
                    sql.Identifier(PUBLICATION), sql.Identifier(schema), sql.Identifier(table)))
        return list(PUBLISHED)


def link_auth_user(url: str, user_id: str, auth_uid: str) -> None:
    """Link a cronpilot user to a Supabase Auth user (``auth.users.id``), so RLS shows them
    their tasks. Raises ``InvalidRequest`` for an unknown user or a malformed id."""
    import uuid
    from datetime import UTC, datetime

    try:
        uid = str(uuid.UUID(auth_uid))
    except ValueError:
        raise InvalidRequest(f"{auth_uid!r} is not a Supabase Auth user id (a UUID)") from None
    with _connect(url) as conn:
        if conn.execute("select 1 from users where user_id = %s", (user_id,)).fetchone() is None:
            raise InvalidRequest(f"no cronpilot user {user_id!r} (see cronpilot user list)")
        conn.execute(
            "insert into identities (platform, platform_user_id, user_id, created_at) values (%s, %s, %s, %s) "
            "on conflict (platform, platform_user_id) do update set user_id = excluded.user_id",
            (AUTH_PLATFORM, uid, user_id, datetime.now(UTC)))

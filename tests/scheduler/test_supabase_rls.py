"""Row-level security for a team's Supabase clients, in real PostgreSQL with the roles and the
``auth.uid()`` Supabase has (built from ``request.jwt.claims`` as Supabase builds it): a signed-in
person reads exactly what cronpilot would show them, ``anon`` nothing, nobody writes, and
cronpilot's own connection is unaffected. Also Realtime's publication and the URL kinds."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from conftest import PG_URL

from scheduler import supabase
from scheduler.access import Actor, Role
from scheduler.errors import InvalidRequest
from scheduler.service import Service
from scheduler.store import Store

ALICE_UID, CAROL_UID = str(uuid.uuid4()), str(uuid.uuid4())
RAW = PG_URL.replace("+psycopg", "")

# Supabase's own definitions (roles, and auth.uid() reading the request's JWT claims).
_SUPABASE_BASICS = [
    "do $$ begin create role anon nologin noinherit; exception when duplicate_object or unique_violation then null; end $$",
    "do $$ begin create role authenticated nologin noinherit; exception when duplicate_object or unique_violation then null; end $$",
    "do $$ begin create schema if not exists auth; exception when duplicate_object or unique_violation then null; end $$",
    """do $$ begin
       create or replace function auth.uid() returns uuid language sql stable as $f$
         select nullif(coalesce(current_setting('request.jwt.claim.sub', true),
                                (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')), '')::uuid
       $f$;
       exception when unique_violation or duplicate_function then null; end $$""",
    "grant usage on schema auth to anon, authenticated",
]


def _supabase_basics() -> None:
    with psycopg.connect(RAW, autocommit=True) as conn:
        for statement in _SUPABASE_BASICS:
            conn.execute(statement)


@pytest.fixture
def project(pg_schema_url: str, clock) -> Iterator[tuple[str, Service]]:
    """A migrated cronpilot schema with alice's and bob's tasks (a run each) and an admin, carol."""
    _supabase_basics()
    store = Store(pg_schema_url)
    service = Service(store, clock=clock)
    for user, role in (("alice", "member"), ("bob", "member"), ("carol", "admin")):
        store.add_identity("slack", user.upper(), role=role, now=clock.now())
    for owner in ("slack:ALICE", "slack:BOB"):
        actor = Actor(user=owner, role=Role.MEMBER)
        task = service.create_task(service.build_spec(
            {"name": f"job of {owner}", "triggers": [{"kind": "interval", "every": "PT1H"}],
             "action": {"kind": "noop"}}), actor=actor)
        service.run_now(str(task.task_id), actor=actor)
    supabase.link_auth_user(pg_schema_url, "slack:ALICE", ALICE_UID)
    supabase.link_auth_user(pg_schema_url, "slack:CAROL", CAROL_UID)
    try:
        yield pg_schema_url, service
    finally:
        store.close()


def _as(url: str, role: str, sub: str | None, query: str) -> list[tuple]:
    schema = url.rsplit("%3D", 1)[1]
    with psycopg.connect(RAW) as conn:
        conn.execute(f'set search_path = "{schema}"')
        conn.execute(f"set local role {role}")
        if sub is not None:
            conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": sub, "role": role}),))
        return list(conn.execute(query))


def test_people_read_through_supabase_what_cronpilot_shows_them(project):
    url, service = project
    assert set(supabase.enable_rls(url)) >= {"tasks", "runs", "run_events", "secrets", "users"}
    assert all(supabase.rls_status(url).values())

    assert _as(url, "authenticated", ALICE_UID, "select owner from tasks") == [("slack:ALICE",)]
    assert {r[0] for r in _as(url, "authenticated", ALICE_UID,
                              "select t.owner from runs r join tasks t using (task_id)")} == {"slack:ALICE"}
    assert len(_as(url, "authenticated", ALICE_UID, "select * from run_events")) >= 1
    assert {r[0] for r in _as(url, "authenticated", CAROL_UID, "select owner from tasks")} == {"slack:ALICE", "slack:BOB"}
    assert _as(url, "authenticated", str(uuid.uuid4()), "select * from tasks") == []  # not linked
    assert _as(url, "authenticated", None, "select * from runs") == []  # no JWT
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _as(url, "authenticated", ALICE_UID, "select * from secrets")
    schema = url.rsplit("%3D", 1)[1]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # not even the schema
        _as(url, "anon", None, f'select * from "{schema}".tasks')
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _as(url, "authenticated", ALICE_UID, "update tasks set name = 'mine'")

    # cronpilot's own connection (the tables' owner) is unaffected, and enabling twice is harmless
    assert len(service.list_tasks()) == 2
    service.run_now("job of slack:BOB", actor=Actor(user="slack:BOB", role=Role.MEMBER))
    assert len(service.list_runs()) == 3
    supabase.enable_rls(url)
    assert _as(url, "authenticated", ALICE_UID, "select owner from tasks") == [("slack:ALICE",)]


def test_realtime_publication_holds_tasks_and_runs(project):
    url, _ = project
    schema = url.rsplit("%3D", 1)[1]
    assert supabase.publish_realtime(url) == ["tasks", "runs", "run_events"]
    supabase.publish_realtime(url)  # idempotent
    with psycopg.connect(RAW) as conn:
        rows = conn.execute("select tablename from pg_publication_tables where pubname = 'supabase_realtime' "
                            "and schemaname = %s", (schema,))
        assert {r[0] for r in rows} == {"tasks", "runs", "run_events"}


def test_linking_needs_a_known_user_and_a_uuid(project):
    url, _ = project
    with pytest.raises(InvalidRequest, match="no cronpilot user"):
        supabase.link_auth_user(url, "slack:NOBODY", str(uuid.uuid4()))
    with pytest.raises(InvalidRequest, match="UUID"):
        supabase.link_auth_user(url, "slack:ALICE", "alice")


def test_rls_refused_where_the_database_is_not_a_supabase_one(tmp_path):
    with pytest.raises(InvalidRequest, match="PostgreSQL"):
        supabase.enable_rls(f"sqlite:///{tmp_path / 'x.db'}")


@pytest.mark.parametrize(("url", "kind", "listen"), [
    ("postgresql://postgres.abcd:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres", "transaction pooler", False),
    ("postgresql://postgres.abcd:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres", "session pooler", True),
    ("postgresql://postgres:pw@db.abcd.supabase.co:5432/postgres", "direct", True),
    ("postgresql://postgres@127.0.0.1:5432/test", "not supabase", True),
])
def test_connection_kind_by_host_and_port(url, kind, listen):
    found = supabase.connection_kind(url)
    assert (found.kind, found.listen) == (kind, listen)


def test_a_task_shared_with_a_group_is_seen_by_its_members_through_supabase(project):
    """Group sharing (docs/access.md) holds through Supabase too: bob shares his task with ops;
    alice, in ops, reads it and its runs; dave, in no group, doesn't; unshared or removed, gone."""
    url, service = project
    root = Actor("root", Role.ADMIN)
    dave_uid = str(uuid.uuid4())
    service.store.add_identity("slack", "DAVE", role="member", now=service.clock.now())
    supabase.link_auth_user(url, "slack:DAVE", dave_uid)
    service.create_group("ops", actor=root)
    service.set_group_member("ops", "slack:ALICE", member=True, actor=root)
    bobs = service.get_task("job of slack:BOB")
    supabase.enable_rls(url)
    assert _as(url, "authenticated", ALICE_UID, "select owner from tasks") == [("slack:ALICE",)]
    service.share_task(str(bobs.task_id), "ops", "read", actor=Actor("slack:BOB", Role.MEMBER))

    def seen(uid: str) -> tuple[set[str], set[str], int]:
        tasks = {r[0] for r in _as(url, "authenticated", uid, "select owner from tasks")}
        runs = {r[0] for r in _as(url, "authenticated", uid, "select t.owner from runs r join tasks t using (task_id)")}
        events = _as(url, "authenticated", uid,
                     f"select count(*) from run_events e join runs r using (run_id) where r.task_id = {bobs.task_id}")
        return tasks, runs, events[0][0]

    tasks, runs, events = seen(ALICE_UID)
    assert tasks == runs == {"slack:ALICE", "slack:BOB"} and events >= 1
    assert seen(dave_uid) == (set(), set(), 0)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # seeing is not changing
        _as(url, "authenticated", ALICE_UID, f"update tasks set name = 'x' where task_id = {bobs.task_id}")
    service.share_task(str(bobs.task_id), "ops", None, actor=Actor("slack:BOB", Role.MEMBER))
    assert seen(ALICE_UID)[0] == {"slack:ALICE"}
    service.share_task(str(bobs.task_id), "ops", "manage", actor=Actor("slack:BOB", Role.MEMBER))
    assert seen(ALICE_UID)[0] == {"slack:ALICE", "slack:BOB"}
    service.remove_person("slack:ALICE", actor=root)  # removed: nothing, not even their own
    assert seen(ALICE_UID) == (set(), set(), 0)

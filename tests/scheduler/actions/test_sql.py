"""The sql action against real SQLite files and the real PostgreSQL (database ``test``)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from scheduler.actions import sql
from scheduler.actions.base import ActionConfig, ActionContext, ActionFailed, OutputCapture
from scheduler.models import SqlAction
from scheduler.store import Store

ADMIN_URL = os.environ.get("CRONPILOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def make_ctx(tmp_path: Path, databases: dict[str, str], *, timeout: float = 10.0,
             max_rows: int = 1000) -> ActionContext:
    config = ActionConfig(data_dir=tmp_path, sql_databases=databases,
                          sql_statement_timeout=timedelta(seconds=timeout), sql_max_rows=max_rows)
    return ActionContext(run_id=1, task_id=1, task_name="t", owner="alice", attempt=1,
                         timeout=timedelta(seconds=30), config=config,
                         output=OutputCapture(tmp_path / "logs" / "run.log"))


# --- SQLite -------------------------------------------------------------------------------


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "db"
    folder.mkdir()
    path = folder / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB)")
        conn.executemany("INSERT INTO t (name, data) VALUES (?, ?)",
                         [("ada", b"\x00\x01"), ("bob", None), ("cy\nd", b"")])
    yield path


def lite_rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM t ORDER BY id").fetchall()


async def run_lite(tmp_path: Path, path: Path, statement: str, **kwargs: object):
    ctx = make_ctx(tmp_path, {"app": f"sqlite:///{path}"}, **kwargs)  # type: ignore[arg-type]
    return await sql.run(SqlAction(database="app", statement=statement), ctx), ctx


async def test_sql_sqlite_returns_rows_as_table_and_data(tmp_path: Path, lite: Path) -> None:
    result, ctx = await run_lite(tmp_path, lite, "SELECT id, name, data FROM t ORDER BY id")
    assert result.ok and result.summary == "3 rows"
    assert result.data["columns"] == ["id", "name", "data"]
    assert result.data["rows"] == [[1, "ada", "\\x0001"], [2, "bob", None], [3, "cy\nd", "\\x"]]
    assert result.data["row_count"] == 3 and result.data["truncated"] is False
    text = ctx.output.text("stdout")
    assert text is not None
    assert [h.strip() for h in text.splitlines()[0].split(" | ")] == ["id", "name", "data"]
    assert "cy\\nd" in text and "NULL" in text  # one line per row, NULL shown


async def test_sql_sqlite_caps_rows_and_cells(tmp_path: Path, lite: Path) -> None:
    statement = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LIMIT 50)"
                 " SELECT n, printf('%.500c', 'x') AS wide FROM r")
    result, ctx = await run_lite(tmp_path, lite, statement, max_rows=10)
    assert result.summary == "10+ rows" and result.data["truncated"] is True
    assert len(result.data["rows"]) == 10 and len(result.data["rows"][0][1]) == sql.CELL_LIMIT
    assert all(len(line) < 250 for line in (ctx.output.text("stdout") or "").splitlines())


def test_render_table_stops_at_the_text_limit() -> None:
    text, cut = sql.render_table(["v"], [("x" * 150,)] * 1000, limit=4096)
    assert cut and len(text.encode()) <= 4096 + 100 and "more rows not shown" in text


async def test_sql_unknown_database_lists_configured_names(tmp_path: Path, lite: Path) -> None:
    ctx = make_ctx(tmp_path, {"app": f"sqlite:///{lite}", "reports": f"sqlite:///{lite}"})
    with pytest.raises(ActionFailed, match="unknown database 'nope'.*app, reports"):
        await sql.run(SqlAction(database="nope", statement="SELECT 1"), ctx)


SQLITE_ATTACKS = {
    "insert": "INSERT INTO t (name) VALUES ('mallory')",
    "delete": "DELETE FROM t",
    "attach": "ATTACH '{dir}/other.db' AS o",
    "vacuum_into": "VACUUM INTO '{dir}/copy.db'",
    "query_only_off": "PRAGMA query_only=0",
    "writable_schema": "PRAGMA writable_schema=1",
    "temp_table": "CREATE TEMP TABLE z(a)",
    "load_extension": "SELECT load_extension('{dir}/evil')",
    "huge_blob": "SELECT length(randomblob(1000000000))",
    "huge_zeroblob": "SELECT zeroblob(1000000000)",
    "multi_statement": "SELECT 1; DELETE FROM t",
    "multi_statement_comment": "SELECT 1 /* x */ ; -- y\n DELETE FROM t",
}


@pytest.mark.parametrize("statement", SQLITE_ATTACKS.values(), ids=SQLITE_ATTACKS.keys())
async def test_sql_sqlite_refuses_attack_when_read_only(
    tmp_path: Path, lite: Path, statement: str
) -> None:
    before_files, before_rows = sorted(os.listdir(lite.parent)), lite_rows(lite)
    with pytest.raises(ActionFailed) as failure:
        await run_lite(tmp_path, lite, statement.format(dir=lite.parent))
    assert str(failure.value).startswith(("refused", "the database reported an error"))
    assert sorted(os.listdir(lite.parent)) == before_files  # no file created, not even empty
    assert lite_rows(lite) == before_rows


async def test_sql_sqlite_multi_statement_message_is_clear(tmp_path: Path, lite: Path) -> None:
    with pytest.raises(ActionFailed, match="only one statement"):
        await run_lite(tmp_path, lite, "SELECT 1; DELETE FROM t")


async def test_sql_sqlite_stops_runaway_recursive_query(tmp_path: Path, lite: Path) -> None:
    runaway = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)"
               " SELECT count(*) FROM r")
    with pytest.raises(ActionFailed, match=r"longer than 0.5 s"):
        await run_lite(tmp_path, lite, runaway, timeout=0.5)


async def test_sql_sqlite_writes_when_allowed(tmp_path: Path, lite: Path) -> None:
    ctx = make_ctx(tmp_path, {"app": f"sqlite:///{lite}"})
    action = SqlAction(database="app", statement="UPDATE t SET name = upper(name) WHERE id < 3",
                       allow_writes=True)
    result = await sql.run(action, ctx)
    assert result.summary == "UPDATE 2" and result.data["row_count"] == 2
    assert [r[1] for r in lite_rows(lite)] == ["ADA", "BOB", "cy\nd"]


async def test_sql_sqlite_keeps_writes_inside_the_file(tmp_path: Path, lite: Path) -> None:
    ctx = make_ctx(tmp_path, {"app": f"sqlite:///{lite}"})
    statement = f"VACUUM INTO '{lite.parent}/copy.db'"
    with pytest.raises(ActionFailed, match="refused"):
        await sql.run(SqlAction(database="app", statement=statement, allow_writes=True), ctx)
    assert not (lite.parent / "copy.db").exists()


async def test_sql_sqlite_missing_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    for writes in (False, True):
        ctx = make_ctx(tmp_path, {"app": f"sqlite:///{missing}"})
        with pytest.raises(ActionFailed, match="could not open database 'app'"):
            await sql.run(SqlAction(database="app", statement="SELECT 1", allow_writes=writes), ctx)
    assert not missing.exists()


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_available() -> str | None:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@pytest.fixture(scope="module")
def pg_env() -> Iterator[dict[str, str]]:
    """A schema with table ``items`` and a non-superuser login that may switch to a reader role
    granted that schema. Names (the reader role's too: roles are cluster-wide, and other runs
    use theirs) are unique per run so parallel runs don't collide; all are dropped afterwards."""
    problem = _pg_available()
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL at {ADMIN_URL} is unreachable in CI: {problem}")
        pytest.skip(f"PostgreSQL at {ADMIN_URL} is unreachable: {problem}")
    suffix = uuid.uuid4().hex[:10]
    schema, app, stranger = f"cp_sql_{suffix}", f"cp_app_{suffix}", f"cp_stranger_{suffix}"
    reader, shared_reader = f"cp_reader_{suffix}", sql.READER_ROLE
    sql.READER_ROLE = reader
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        admin.execute(f"CREATE TABLE {schema}.items (id int PRIMARY KEY, name text, price numeric)")
        admin.execute(f"INSERT INTO {schema}.items VALUES (1, 'ada', 1.50), (2, 'bob', 2), "
                      "(3, 'cyd', NULL)")
        admin.execute(f"CREATE TABLE {schema}.ledger (id int, note text)")
        admin.execute(f"CREATE SEQUENCE {schema}.seq")
        for role in (app, stranger):
            admin.execute(f"CREATE ROLE {role} LOGIN")
            admin.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
            admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
                          f"{schema} TO {role}")
            admin.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    asyncio.run(sql.ensure_readonly_role(ADMIN_URL, grant_to=app, schemas=[schema]))
    base = ADMIN_URL.rsplit("@", 1)[1]
    try:
        yield {"schema": schema, "app_url": f"postgresql://{app}@{base}", "reader": reader,
               "stranger_url": f"postgresql://{stranger}@{base}", "admin_url": ADMIN_URL}
    finally:
        sql.READER_ROLE = shared_reader
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
            for role in (app, stranger, reader):
                admin.execute(f"DROP OWNED BY {role}")
                admin.execute(f"DROP ROLE {role}")


def pg_rows(env: dict[str, str]) -> list[tuple[object, ...]]:
    with psycopg.connect(ADMIN_URL) as conn:
        return conn.execute(f"SELECT * FROM {env['schema']}.items ORDER BY id").fetchall()


async def run_pg(tmp_path: Path, env: dict[str, str], statement: str, *, writes: bool = False,
                 url_key: str = "app_url", timeout: float = 10.0):
    ctx = make_ctx(tmp_path, {"warehouse": env[url_key]}, timeout=timeout)
    action = SqlAction(database="warehouse", statement=statement.format(s=env["schema"]),
                       allow_writes=writes)
    return await sql.run(action, ctx), ctx


async def test_sql_pg_select_returns_rows(tmp_path: Path, pg_env: dict[str, str]) -> None:
    statement = "SELECT id, name, price FROM {s}.items WHERE name LIKE '%' ORDER BY id"
    result, ctx = await run_pg(tmp_path, pg_env, statement)
    assert result.ok and result.summary == "3 rows"
    assert result.data["columns"] == ["id", "name", "price"]
    assert result.data["rows"] == [[1, "ada", "1.50"], [2, "bob", "2"], [3, "cyd", None]]
    assert "ada" in (ctx.output.text("stdout") or "")


async def test_sql_pg_runs_as_the_reader_role(tmp_path: Path, pg_env: dict[str, str]) -> None:
    result, _ = await run_pg(tmp_path, pg_env, "SELECT current_user, "
                             "current_setting('transaction_read_only')")
    assert result.data["rows"] == [[sql.READER_ROLE, "on"]]


PG_ATTACKS = {
    "insert": "INSERT INTO {s}.items VALUES (9, 'mallory', 0)",
    "update": "UPDATE {s}.items SET price = 0",
    "delete": "DELETE FROM {s}.items",
    "writable_cte": "WITH d AS (DELETE FROM {s}.items RETURNING *) SELECT count(*) FROM d",
    "copy_to_program": "COPY {s}.items TO PROGRAM 'touch /tmp/cronpilot_pwned'",
    "read_server_file": "SELECT pg_read_file('/etc/hostname')",
    "lo_export": "SELECT lo_export(0, '/tmp/cronpilot_pwned')",
    "read_write_in_statement": "SELECT set_config('transaction_read_only', 'off', true)",
    "nextval_side_effect": "SELECT nextval('{s}.seq')",
    "select_for_update": "SELECT * FROM {s}.items FOR UPDATE",
    "multi_statement": "SELECT 1; DELETE FROM {s}.items",
    "commit_then_delete": "COMMIT; DELETE FROM {s}.items",
    "do_block": "DO $$ BEGIN DELETE FROM {s}.items; END $$",
    "create_table": "CREATE TABLE {s}.evil (x int)",
}


@pytest.mark.parametrize("statement", PG_ATTACKS.values(), ids=PG_ATTACKS.keys())
async def test_sql_pg_refuses_attack_when_read_only(
    tmp_path: Path, pg_env: dict[str, str], statement: str
) -> None:
    before = pg_rows(pg_env)
    with pytest.raises(ActionFailed) as failure:
        await run_pg(tmp_path, pg_env, statement)
    assert str(failure.value).startswith(("refused", "the database reported an error"))
    assert pg_rows(pg_env) == before
    assert not Path("/tmp/cronpilot_pwned").exists()


async def test_sql_pg_session_read_write_does_not_carry_over(
    tmp_path: Path, pg_env: dict[str, str]
) -> None:
    before = pg_rows(pg_env)
    result, _ = await run_pg(tmp_path, pg_env,
                             "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
    assert result.summary == "SET"
    with pytest.raises(ActionFailed, match="refused: the query is read-only"):
        await run_pg(tmp_path, pg_env, "INSERT INTO {s}.items VALUES (9, 'mallory', 0)")
    assert pg_rows(pg_env) == before


async def test_sql_pg_stops_sleep_at_statement_timeout(
    tmp_path: Path, pg_env: dict[str, str]
) -> None:
    with pytest.raises(ActionFailed, match=r"longer than 0.5 s"):
        await run_pg(tmp_path, pg_env, "SELECT pg_sleep(10)", timeout=0.5)


async def test_sql_pg_refuses_superuser_login(tmp_path: Path, pg_env: dict[str, str]) -> None:
    # A superuser session can leave the reader role inside the statement itself, e.g.
    # SELECT set_config('role', 'postgres', true), query_to_xml('SELECT pg_read_file(…)', …).
    with pytest.raises(ActionFailed, match="superuser"):
        await run_pg(tmp_path, pg_env, "SELECT 1", url_key="admin_url")


async def test_sql_pg_refuses_login_without_reader_role(
    tmp_path: Path, pg_env: dict[str, str]
) -> None:
    expected = f"may not switch to the read-only role {sql.READER_ROLE}"
    with pytest.raises(ActionFailed, match=expected):
        await run_pg(tmp_path, pg_env, "SELECT 1", url_key="stranger_url")


async def test_sql_pg_writes_when_allowed(tmp_path: Path, pg_env: dict[str, str]) -> None:
    inserted, _ = await run_pg(tmp_path, pg_env, "INSERT INTO {s}.ledger VALUES (1, 'a'), (2, 'b')",
                               writes=True)
    updated, _ = await run_pg(tmp_path, pg_env, "UPDATE {s}.ledger SET note = 'z' WHERE id = 2",
                              writes=True)
    assert inserted.summary == "INSERT 0 2" and updated.summary == "UPDATE 1"
    assert updated.data["row_count"] == 1
    with psycopg.connect(ADMIN_URL) as conn:
        rows = conn.execute(f"SELECT * FROM {pg_env['schema']}.ledger ORDER BY id").fetchall()
    assert rows == [(1, "a"), (2, "z")]


async def test_sql_pg_refuses_multi_statement_with_writes(
    tmp_path: Path, pg_env: dict[str, str]
) -> None:
    before = pg_rows(pg_env)
    with pytest.raises(ActionFailed, match="only one statement"):
        await run_pg(tmp_path, pg_env, "SELECT 1; DELETE FROM {s}.items", writes=True)
    assert pg_rows(pg_env) == before


async def test_ensure_readonly_role_is_idempotent(pg_env: dict[str, str]) -> None:
    await sql.ensure_readonly_role(ADMIN_URL, pg_env["reader"], schemas=[pg_env["schema"]])
    await sql.ensure_readonly_role(ADMIN_URL, pg_env["reader"], schemas=[pg_env["schema"]])
    with psycopg.connect(ADMIN_URL) as conn:
        row = conn.execute("SELECT rolcanlogin, rolsuper, pg_has_role(oid, 'pg_read_all_data',"
                           " 'MEMBER') FROM pg_roles WHERE rolname = %s",
                           (pg_env["reader"],)).fetchone()
    assert row == (False, False, False)


async def test_sql_pg_creates_missing_reader_role_or_says_why(
    tmp_path: Path, pg_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    suffix = uuid.uuid4().hex[:10]
    reader, creator = f"cp_reader_{suffix}", f"cp_creator_{suffix}"
    monkeypatch.setattr(sql, "READER_ROLE", reader)  # a role that does not exist yet
    base = ADMIN_URL.rsplit("@", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {creator} LOGIN CREATEROLE")
    try:
        # Without CREATEROLE the run fails with a reason instead of running as the login.
        with pytest.raises(ActionFailed, match=f"could not set up the read-only role {reader}"):
            await run_pg(tmp_path, pg_env, "SELECT 1")
        # A login that may create roles sets it up once and then runs as it.
        ctx = make_ctx(tmp_path, {"w": f"postgresql://{creator}@{base}"})
        result = await sql.run(SqlAction(database="w", statement="SELECT current_user"), ctx)
        assert result.data["rows"] == [[reader]]
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP ROLE IF EXISTS {reader}")
            admin.execute(f"DROP ROLE {creator}")


# --- boundaries: cronpilot's own database, the reader's grants, NOTIFY --------------------


def own_ctx(tmp_path: Path, databases: dict[str, str], own: str, *, allow: frozenset[str] = frozenset()
            ) -> ActionContext:
    ctx = make_ctx(tmp_path, databases)
    ctx.config = dataclasses.replace(ctx.config, sql_own_database_url=own, sql_allow_own_database=allow)
    return ctx


def test_sql_sqlite_refuses_cronpilots_own_file_under_another_spelling(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'cronpilot.db'}")
    store.close()
    (tmp_path / "alias.db").symlink_to(data / "cronpilot.db")
    own = f"sqlite:///{data / 'cronpilot.db'}"
    spellings = {"relative": "sqlite:///data/../data/cronpilot.db", "symlink": f"sqlite:///{tmp_path}/alias.db",
                 "driver": f"sqlite+pysqlite:///{data}/cronpilot.db?mode=ro"}
    for name, url in spellings.items():
        ctx = own_ctx(tmp_path, {name: url}, own)
        with pytest.raises(ActionFailed, match="cronpilot's own database"):
            asyncio.run(sql.run(SqlAction(database=name, statement="SELECT * FROM secrets"), ctx))
    allowed = own_ctx(tmp_path, {"ops": own}, own, allow=frozenset({"ops"}))
    result = asyncio.run(sql.run(SqlAction(database="ops", statement="SELECT count(*) FROM tasks"), allowed))
    assert result.ok and result.data["rows"] == [[0]]


async def test_sql_pg_refuses_cronpilots_own_database_and_schema(
    tmp_path: Path, pg_env: dict[str, str], pg_schema_url: str
) -> None:
    Store(pg_schema_url).close()  # cronpilot's tables in their own schema
    cp_schema = pg_schema_url.rsplit("%3D", 1)[1]
    login = pg_env["app_url"].split("//", 1)[1].split("@", 1)[0]
    own_spelled_otherwise = f"postgres://{login}@127.0.0.1/test?options=-csearch_path%3D{cp_schema}"
    ctx = own_ctx(tmp_path, {"mine": own_spelled_otherwise}, pg_schema_url)
    with pytest.raises(ActionFailed, match="cronpilot's own database .*same PostgreSQL database"):
        await sql.run(SqlAction(database="mine", statement="SELECT 1"), ctx)
    # The same server and database, another schema (the reports): allowed.
    ctx = own_ctx(tmp_path, {"reports": pg_env["app_url"]}, pg_schema_url)
    statement = f"SELECT count(*) FROM {pg_env['schema']}.items"
    assert (await sql.run(SqlAction(database="reports", statement=statement), ctx)).data["rows"] == [[3]]


async def test_sql_pg_reader_cannot_read_cronpilots_tables(
    tmp_path: Path, pg_env: dict[str, str], pg_schema_url: str
) -> None:
    Store(pg_schema_url).close()
    cp_schema = pg_schema_url.rsplit("%3D", 1)[1]
    ctx = own_ctx(tmp_path, {"reports": pg_env["app_url"]}, pg_schema_url)
    for table in ("secrets", "tasks", "runs"):
        with pytest.raises(ActionFailed, match="refused: permission denied"):
            await sql.run(SqlAction(database="reports", statement=f"SELECT * FROM {cp_schema}.{table}"), ctx)
    with pytest.raises(ActionFailed, match="holds cronpilot's own tables"):
        await sql.ensure_readonly_role(ADMIN_URL, pg_env["reader"], schemas=[cp_schema])


async def test_sql_pg_read_only_task_cannot_fire_a_notify(tmp_path: Path, pg_env: dict[str, str]) -> None:
    channel = f"cp_chan_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as listener:
        listener.execute(f"LISTEN {channel}")
        ctx = make_ctx(tmp_path, {"warehouse": pg_env["app_url"]})
        # Refused outright would be fine too; what matters is that nothing is delivered.
        with contextlib.suppress(ActionFailed):
            await sql.run(SqlAction(database="warehouse", statement=f"SELECT pg_notify('{channel}', 'task')"), ctx)
        with psycopg.connect(ADMIN_URL, autocommit=True) as other:
            other.execute(f"NOTIFY {channel}, 'marker'")
        # Delivered in commit order: had the task's NOTIFY been committed, it would come first.
        first = next(listener.notifies())
    assert first.payload == "marker"


async def test_sql_pg_refuses_a_reader_that_reads_everything(tmp_path: Path, pg_env: dict[str, str]) -> None:
    if psycopg.connect(ADMIN_URL).info.server_version < 140000:
        pytest.skip("pg_read_all_data exists from PostgreSQL 14")
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"GRANT pg_read_all_data TO {pg_env['reader']}")
    try:
        with pytest.raises(ActionFailed, match="pg_read_all_data"):
            await run_pg(tmp_path, pg_env, "SELECT 1")
    finally:
        await sql.ensure_readonly_role(ADMIN_URL, pg_env["reader"])  # takes it away again
    assert (await run_pg(tmp_path, pg_env, "SELECT 1"))[0].ok

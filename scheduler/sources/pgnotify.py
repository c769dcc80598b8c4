"""PostgreSQL NOTIFY triggers: one listening connection per (database, channel), reconnecting
with backoff, and ``install_notify_trigger`` which makes "a new row in a table" a NOTIFY.

Notifications sent while the connection is down are lost (PostgreSQL keeps none for absent
listeners); the reconnect is logged, so a gap can be told.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest, NotFound, PermissionDenied
from ..lazy import lazy_module
from ..models import RunReason
from ..triggers import PgNotifyTrigger
from .payloads import notify_payload
from .subscription import Fire, Subscription, bounded_event_name

if TYPE_CHECKING:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg import sql
else:  # PostgreSQL only: not imported on SQLite
    psycopg = lazy_module("psycopg")
    pg_errors = lazy_module("psycopg.errors")
    sql = lazy_module("psycopg.sql")

log = logging.getLogger(__name__)

RETRY_FIRST = 1.0  # seconds before reconnecting; doubles up to RETRY_MAX
RETRY_MAX = 60.0
NOTIFY_LIMIT = 7900  # bytes; PostgreSQL refuses a payload of 8000 or more
# A listener only waits (and the leadership connection mostly idles): TCP keepalives are how it
# learns that a silent server or a dead network is gone — after 30 s idle, 3 probes 10 s apart,
# so within about a minute instead of the OS default of two hours and more. ``tcp_user_timeout``
# (ms) covers the other case, a query sent into a dead network: unacknowledged data gives up after
# 60 s instead of retransmitting for ~15 minutes. libpq parameters (libpq 12 or newer).
KEEPALIVES: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                              "keepalives_count": 3, "tcp_user_timeout": 60_000}
# The same on the server's side of a session, so the server drops a client whose network died
# (and, for the leadership connection, frees its advisory lock) within about a minute. Plain
# SETs after connecting, not startup ``options``, which some session poolers refuse.
SERVER_KEEPALIVES = ("SET tcp_keepalives_idle = 30", "SET tcp_keepalives_interval = 10",
                     "SET tcp_keepalives_count = 3")
CHANNEL = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as libpq reads it; raises ``InvalidRequest``
    for one that is not PostgreSQL."""
    if not re.match(r"^postgres(ql)?(\+\w+)?://", url):
        raise InvalidRequest("pg_notify needs a PostgreSQL database (postgresql://…)")
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


@dataclass
class _Listener:
    conninfo: str
    channel: str
    label: str  # the database as the owner named it, for logs and event names
    job: asyncio.Task[None] | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)  # LISTEN done, or first failure
    listening: asyncio.Event = field(default_factory=asyncio.Event)  # LISTEN done, connection up
    dropped: asyncio.Event = field(default_factory=asyncio.Event)  # lost since it last listened


class NotifyListeners:
    """The pg_notify source: ``reconcile`` with the wanted triggers and where each database is
    (``urls``: trigger database name, None for the store's own → libpq URL), ``stop`` at the end."""

    def __init__(self, fire: Fire) -> None:
        self._fire = fire
        self._subs: dict[tuple[str, str], dict[Subscription, PgNotifyTrigger]] = {}
        self._listeners: dict[tuple[str, str], _Listener] = {}

    async def reconcile(self, wanted: dict[Subscription, PgNotifyTrigger], urls: dict[str | None, str]) -> None:
        grouped: dict[tuple[str, str], dict[Subscription, PgNotifyTrigger]] = {}
        labels: dict[tuple[str, str], str] = {}
        for sub, trigger in wanted.items():
            conninfo = urls.get(trigger.database)
            if conninfo is None:
                continue  # the caller logged why
            key = (conninfo, trigger.channel)
            grouped.setdefault(key, {})[sub] = trigger
            labels[key] = trigger.database or "store"
        self._subs = grouped
        gone = [self._listeners.pop(key) for key in set(self._listeners) - set(grouped)]
        await _stop(gone)
        for key in sorted(set(grouped) - set(self._listeners)):
            listener = _Listener(conninfo=key[0], channel=key[1], label=labels[key])
            listener.job = asyncio.ensure_future(self._listen(listener))
            self._listeners[key] = listener

    async def ready(self) -> None:
        """Wait until every listener has run LISTEN (or failed its first connection)."""
        for listener in list(self._listeners.values()):
            await listener.started.wait()

    async def stop(self) -> None:
        listeners, self._listeners = list(self._listeners.values()), {}
        await _stop(listeners)

    async def _listen(self, listener: _Listener) -> None:
        delay = RETRY_FIRST
        where = {"channel": listener.channel, "database": listener.label}
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    listener.conninfo, autocommit=True, connect_timeout=10, **KEEPALIVES)
            except psycopg.Error as exc:
                log.warning("pg_notify: can't connect to %s for %s (%s); retrying in %.0f s",
                            listener.label, listener.channel, _first_line(exc), delay, extra=where)
                listener.started.set()
                await asyncio.sleep(delay)  # real time: the database's outage is real
                delay = min(delay * 2, RETRY_MAX)
                continue
            try:
                async with conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(listener.channel)))
                    listener.dropped.clear()
                    listener.listening.set()
                    listener.started.set()
                    if delay > RETRY_FIRST:
                        log.warning("pg_notify: listening again on %s (notifications sent meanwhile "
                                    "are lost)", listener.channel, extra=where)
                    delay = RETRY_FIRST
                    async for note in conn.notifies():
                        await self._dispatch((listener.conninfo, listener.channel), note.channel,
                                             note.payload, listener.label)
            except psycopg.Error as exc:
                listener.listening.clear()
                listener.dropped.set()
                log.warning("pg_notify: the connection for %s dropped (%s); reconnecting in %.0f s",
                            listener.channel, _first_line(exc), delay, extra=where)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)

    async def _dispatch(self, key: tuple[str, str], channel: str, text: str, label: str) -> None:
        payload = notify_payload(channel, text)
        for sub, trigger in list(self._subs.get(key, {}).items()):
            event = bounded_event_name("pg", f"{trigger.database}/{channel}" if trigger.database else channel)
            try:
                await self._fire(sub.task_id, reason=RunReason.EVENT, event=event, payload=payload,
                                 debounce=trigger.debounce)
            except Exception:
                log.warning("pg_notify: could not fire task %s for %s", sub.task_id, channel,
                            extra={"task_id": sub.task_id, "channel": channel, "database": label},
                            exc_info=True)


async def _stop(listeners: list[_Listener]) -> None:
    """Cancel the listeners (closing their connections) and wait for them, together."""
    jobs = [listener.job for listener in listeners if listener.job is not None]
    for job in jobs:
        job.cancel()
    if jobs:
        await asyncio.gather(*jobs, return_exceptions=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- a table's inserts as notifications ----------------------------------------------------


@dataclass(frozen=True)
class NotifyTriggerInstalled:
    schema: str
    table: str
    channel: str
    function: str
    trigger: str
    key_columns: tuple[str, ...]  # what a too-large row is reduced to


def _name(prefix: str, *parts: str) -> str:
    """A PostgreSQL identifier (at most 63 bytes): readable, with a hash when cut."""
    name = "_".join((prefix, *parts))
    if len(name.encode()) <= 63:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return name.encode()[: 63 - 9].decode("utf-8", "ignore") + "_" + digest


async def install_notify_trigger(
    url: str, table: str, channel: str, *, schema: str = "public"
) -> NotifyTriggerInstalled:
    """Make every row inserted into ``schema.table`` a ``NOTIFY channel`` whose payload is the
    row as JSON (``row_to_json(NEW)``). A row whose JSON is over 7,900 bytes (NOTIFY's limit is
    8,000) is sent as ``{"table", "schema", <primary key columns>, "truncated": true}`` so the
    task can read the rest itself. Idempotent: running it again replaces the function and the
    trigger. Needs the right to create functions in ``schema`` and triggers on the table (the
    table's owner). Raises ``NotFound`` for a missing table, ``InvalidRequest`` for a bad
    channel or a database that is not PostgreSQL, ``PermissionDenied`` when not allowed."""
    if not CHANNEL.match(channel):
        raise InvalidRequest("a channel is lowercase letters, digits and _ (at most 63), e.g. new_tickets")
    try:
        async with await psycopg.AsyncConnection.connect(libpq_url(url), connect_timeout=10) as conn:
            keys = await _key_columns(conn, schema, table)
            function = _name("cronpilot_notify", table, channel)
            trigger = _name("cronpilot_notify", channel)
            await conn.execute(_function_sql(schema, function, channel, keys))
            target = sql.Identifier(schema, table)
            await conn.execute(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(trigger), target))
            await conn.execute(sql.SQL(
                "CREATE TRIGGER {} AFTER INSERT ON {} FOR EACH ROW EXECUTE FUNCTION {}()"
            ).format(sql.Identifier(trigger), target, sql.Identifier(schema, function)))
    except pg_errors.InsufficientPrivilege as exc:
        raise PermissionDenied(f"not allowed to add a trigger to {schema}.{table}: "
                               f"{exc.diag.message_primary}; use the table owner's login") from None
    except psycopg.OperationalError as exc:
        raise InvalidRequest(f"can't reach the database: {_first_line(exc)}") from None
    return NotifyTriggerInstalled(schema, table, channel, function, trigger, keys)


async def _key_columns(conn: psycopg.AsyncConnection[tuple[object, ...]], schema: str, table: str) -> tuple[str, ...]:
    cur = await conn.execute(
        "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')", (schema, table))
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"no table {schema}.{table}")
    cur = await conn.execute(
        "SELECT a.attname FROM pg_index i"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
        " WHERE i.indrelid = %s AND i.indisprimary"
        " ORDER BY array_position(i.indkey::int2[], a.attnum)", (row[0],))
    return tuple(str(r[0]) for r in await cur.fetchall())


def _function_sql(schema: str, function: str, channel: str, keys: tuple[str, ...]) -> sql.Composed:
    small = sql.SQL("").join(
        sql.SQL(", {}, NEW.{}").format(sql.Literal(k), sql.Identifier(k)) for k in keys)
    return sql.SQL(
        "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $cronpilot$\n"
        "DECLARE\n"
        "  body text := row_to_json(NEW)::text;\n"
        "BEGIN\n"
        "  IF octet_length(body) > {limit} THEN\n"
        "    body := json_build_object('table', TG_TABLE_NAME, 'schema', TG_TABLE_SCHEMA{small},\n"
        "                              'truncated', true)::text;\n"
        "  END IF;\n"
        "  PERFORM pg_notify({channel}, body);\n"
        "  RETURN NEW;\n"
        "END\n"
        "$cronpilot$"
    ).format(function=sql.Identifier(schema, function), limit=sql.Literal(NOTIFY_LIMIT),
             small=small, channel=sql.Literal(channel))

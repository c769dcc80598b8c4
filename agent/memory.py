"""Conversation memory: a LangGraph checkpointer in the same database as the tasks.

SQLite stores keep checkpoints in the same file (their own tables; WAL lets both write);
PostgreSQL stores use the same database and search path. The thread id is the connector's
``conversation_id``. Only async savers: the agent runs with ``ainvoke`` (a sync call on an async
saver raises ``InvalidStateError``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy.engine import make_url


def checkpoint_target(database_url: str) -> tuple[str, str]:
    """('sqlite', path) | ('postgres', libpq conninfo) | ('memory', '') for a store URL."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database or ""
        return ("sqlite", path) if path and path != ":memory:" else ("memory", "")
    if backend == "postgresql":
        return "postgres", url.set(drivername="postgresql").render_as_string(hide_password=False)
    return "memory", ""


@asynccontextmanager
async def open_checkpointer(database_url: str | None) -> AsyncIterator[BaseCheckpointSaver[str]]:
    kind, target = checkpoint_target(database_url) if database_url else ("memory", "")
    if kind == "sqlite":
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        async with AsyncSqliteSaver.from_conn_string(target) as saver:
            yield saver
    elif kind == "postgres":
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async with AsyncPostgresSaver.from_conn_string(target) as saver:
            await saver.setup()
            yield saver
    else:
        yield InMemorySaver()

"""Reactive sources the engine runs for tasks with file, pg_notify and condition triggers.

The engine builds ``Sources`` from what they use (no back-reference to the engine): ``fire`` (its
``trigger``), ``store_call`` (a store call on its store thread), the condition state store,
``now`` (its clock), the action config, the store's URL and the secrets source. It calls ``reconcile`` with its live
tasks whenever they change, ``check_conditions`` on every tick (so condition checks follow the
injected clock), ``next_check_at`` to know when to wake, and ``stop`` on shutdown.

    files.py       watchfiles, one watcher per distinct path
    pgnotify.py    LISTEN, one connection per (database, channel); install_notify_trigger
    conditions.py  checks on the engine's clock, fired on a false → true edge

Every source works in this process only: two engines on the same tasks would both fire (the
trigger's ``debounce`` narrows that for files and NOTIFY).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ..actions.base import ActionConfig
from ..errors import CronpilotError, InvalidRequest
from ..models import RunReason, Task
from ..ports import SecretSource
from ..secret_refs import fill_database_url
from ..store_ports import ConditionStore
from ..triggers import ConditionTrigger, FileTrigger, PgNotifyTrigger
from .conditions import ConditionChecks, StoreCall
from .files import FileWatchers
from .pgnotify import NotifyListeners, libpq_url
from .subscription import Fire, Subscription

log = logging.getLogger(__name__)


class Sources:
    def __init__(
        self, *, fire: Fire, store_call: StoreCall, state: ConditionStore, now: Callable[[], datetime],
        config: ActionConfig, store_url: str, secrets: SecretSource | None = None,
    ) -> None:
        self.fire = fire  # every source fires through here (one place to watch them from)
        self.config = config
        self.store_url = store_url
        self.files = FileWatchers(self._fire)
        self.listeners = NotifyListeners(self._fire)
        self.secrets = secrets
        self.conditions = ConditionChecks(self._fire, store=state, store_call=store_call, config=config,
                                          now=now, secrets=secrets)
        self._stopped = False
        self._unresolved: set[str | None] = set()  # databases already reported as unusable

    async def reconcile(self, tasks: dict[int, Task]) -> None:
        """Start watchers for new reactive triggers, stop those of changed or deleted tasks."""
        if self._stopped:
            return
        files: dict[Subscription, FileTrigger] = {}
        notifies: dict[Subscription, PgNotifyTrigger] = {}
        conditions: dict[Subscription, tuple[Task, ConditionTrigger]] = {}
        for task in tasks.values():
            if not task.is_schedulable:
                continue
            for index, trigger in enumerate(task.triggers):
                if not isinstance(trigger, FileTrigger | PgNotifyTrigger | ConditionTrigger):
                    continue
                sub = Subscription(task.task_id, index, trigger.model_dump_json())
                if isinstance(trigger, FileTrigger):
                    files[sub] = trigger
                elif isinstance(trigger, PgNotifyTrigger):
                    notifies[sub] = trigger
                else:
                    conditions[sub] = (task, trigger)
        await self.files.reconcile(files)
        urls = await self._database_urls({t.database for t in notifies.values()})
        await self.listeners.reconcile(notifies, urls)
        await self.conditions.reconcile(conditions)

    async def check_conditions(self, now: datetime) -> None:
        """Start the condition checks that are due at ``now``; each fires its task on a
        false → true edge when it completes (in the background: see ``settle``)."""
        if not self._stopped:
            self.conditions.launch_due(now)

    def next_check_at(self) -> datetime | None:
        return self.conditions.next_check_at()

    async def ready(self) -> None:
        """Wait until every file watcher and NOTIFY listener is listening (or has reported
        why it can't yet)."""
        await self.files.ready()
        await self.listeners.ready()

    async def settle(self) -> None:
        """Wait for condition checks in flight to finish and fire."""
        await self.conditions.settle()

    async def stop(self) -> None:
        """Stop every watcher and listener."""
        self._stopped = True
        await self.files.stop()
        await self.listeners.stop()
        await self.conditions.stop()

    async def _fire(
        self, task_id: int, *, reason: RunReason, event: str, payload: dict[str, Any],
        debounce: timedelta | None,
    ) -> int | None:
        return await self.fire(task_id, reason=reason, event=event, payload=payload, debounce=debounce)

    async def _filled(self, url: str) -> str:
        """``{{ secrets.X }}`` in a database URL, read when its listener starts."""
        if "secrets" not in url:
            return url
        return await asyncio.to_thread(fill_database_url, url, self.secrets)

    async def _database_urls(self, names: set[str | None]) -> dict[str | None, str]:
        """Trigger database name (None: the store's own) → libpq URL, for the usable ones."""
        urls: dict[str | None, str] = {}
        for name in names:
            problem = None
            if name is None:
                try:
                    urls[name] = libpq_url(self.store_url)
                except InvalidRequest:
                    problem = "pg_notify needs PostgreSQL, and the task store is SQLite: name a " \
                              "PostgreSQL database from settings (sql_databases) in the trigger"
            elif name not in self.config.sql_databases:
                problem = f"pg_notify: unknown database {name!r} (not in sql_databases)"
            else:
                try:
                    urls[name] = libpq_url(await self._filled(self.config.sql_databases[name]))
                except CronpilotError as exc:  # not PostgreSQL, or a secret that can't be read
                    problem = f"pg_notify: database {name!r}: {exc}"
            if problem and name not in self._unresolved:
                self._unresolved.add(name)
                log.error(problem, extra={"database": name})
            elif not problem:
                self._unresolved.discard(name)
        return urls


__all__ = ["Sources", "Subscription"]

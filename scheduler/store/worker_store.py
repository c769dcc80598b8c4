"""Engines announce themselves, so a CLI can tell whether one is running to pick up its work."""

from __future__ import annotations

import os
import socket
from datetime import datetime

import sqlalchemy as sa

from .base import StoreBase
from .tables import workers


class WorkerStoreMixin(StoreBase):
    def register_worker(self, worker_id: str, *, now: datetime) -> None:
        with self._write() as conn:
            conn.execute(workers.delete().where(workers.c.worker_id == worker_id))
            conn.execute(
                workers.insert().values(
                    worker_id=worker_id, hostname=socket.gethostname(), pid=os.getpid(),
                    started_at=now, heartbeat_at=now,
                )
            )

    def heartbeat_worker(self, worker_id: str, *, now: datetime) -> None:
        with self._write() as conn:
            conn.execute(workers.update().where(workers.c.worker_id == worker_id).values(heartbeat_at=now))

    def unregister_worker(self, worker_id: str) -> None:
        with self._write() as conn:
            conn.execute(workers.delete().where(workers.c.worker_id == worker_id))

    def live_workers(self, *, since: datetime) -> list[str]:
        with self._read() as conn:
            return list(
                conn.execute(sa.select(workers.c.worker_id).where(workers.c.heartbeat_at >= since)).scalars()
            )

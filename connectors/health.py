"""``/healthz`` (the process answers) and ``/readyz`` (it can do its job): the database answers,
this process's engine has sent a heartbeat recently, and every configured connector started.

``/readyz`` answers 200 with each check's state, or 503 with the reasons, so an orchestrator
(Docker, Kubernetes, a load balancer) stops sending work to an engine that can't serve it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .runtime import ConnectorStatus

DATABASE_TIMEOUT = 5.0  # seconds: a database slower than this is not ready either


@dataclass
class Readiness:
    """What ``/readyz`` asks; each a cheap call. ``ping`` raises when the database is away."""

    ping: Callable[[], None]
    last_heartbeat: Callable[[], datetime | None]  # this process's engine
    now: Callable[[], datetime]
    stale_after: timedelta
    connectors: Callable[[], Sequence[ConnectorStatus]] = tuple

    async def check(self) -> dict[str, str]:
        """Each check's state: "ok", or the reason it isn't."""
        states = {"database": await self._database(), "engine": self._engine()}
        down = [s for s in self.connectors() if s.configured and not s.on]
        states["connectors"] = "; ".join(s.line() for s in down) if down else "ok"
        return states

    async def _database(self) -> str:
        try:
            await asyncio.wait_for(asyncio.to_thread(self.ping), DATABASE_TIMEOUT)
        except TimeoutError:
            return f"the database did not answer within {DATABASE_TIMEOUT:g} s"
        except Exception as exc:
            return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return "ok"

    def _engine(self) -> str:
        beat = self.last_heartbeat()
        if beat is None:
            return "the engine has not started"
        age = self.now() - beat
        if age > self.stale_after:
            return f"the engine's last heartbeat was {age.total_seconds():.0f} s ago"
        return "ok"


def health_router(readiness: Readiness) -> APIRouter:
    router = APIRouter()

    @router.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        states = await readiness.check()
        reasons = [f"{name}: {state}" for name, state in states.items() if state != "ok"]
        body: dict[str, Any] = {"status": "unavailable" if reasons else "ready", "checks": states}
        if reasons:
            body["reasons"] = reasons
        return JSONResponse(body, status_code=503 if reasons else 200)

    return router

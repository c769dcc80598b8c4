"""Work started now and finished later: kept referenced (asyncio holds tasks only weakly), and
awaited on shutdown or in tests."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class BackgroundJobs:
    def __init__(self) -> None:
        self._jobs: set[asyncio.Future[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        job = asyncio.ensure_future(work)
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    async def drain(self) -> None:
        """Wait until every job started so far, and any they start, has ended."""
        while self._jobs:
            await asyncio.gather(*list(self._jobs), return_exceptions=True)

    def __len__(self) -> int:
        return len(self._jobs)

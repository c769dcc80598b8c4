"""Outgoing delivery: the ``Notifier`` the engine calls, routing each notice to the place it
belongs (``Notification.destination["platform"]``), in pieces the platform accepts, with retries.

Destinations are conversation addresses kept in ``Task.origin``:

    {"platform": "slack", "team": "T1", "channel": "C1", "thread": "5.0"}
    {"platform": "telegram", "chat": "42"}            (+ "thread" for a forum topic)
    {"platform": "email", "address": "me@example.com"}
    {"platform": "terminal"} or {}                    the console where ``serve`` runs

A notice without a destination (the engine's failure notices) is sent where its task was asked
from, looked up by ``task_id`` (``Task.destination``, the one rule for where a task's messages
go). A task may name another place with ``origin["deliver_to"]``.

Each piece is retried on its own (a 429 waits what the platform asks, capped), so a retry never
repeats the pieces already delivered; after the last try ``DeliveryFailed`` says where it failed,
and the reminder's run records that.

The outbox (R16): a notice with a ``key`` (a run's message, the same across the run's retries)
has each delivered piece remembered in the database through the ``DeliveryLedger`` (the
service), so a later retry of the run, or the run again after a restart, sends only the pieces
not yet delivered. The record is written right after the platform accepts a piece: a crash in
between can still repeat that one piece (no platform here takes an idempotency key).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scheduler.ports import Notification, Notifier

log = logging.getLogger(__name__)

LOCAL_PLATFORMS = frozenset({"", "terminal", "cli", "console"})


class DeliveryFailed(Exception):
    """A notice could not be delivered; the message names the destination."""


class RetryLater(Exception):
    """A transient failure (rate limit, network); ``retry_after`` seconds when the platform says."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Channel(Protocol):
    """One platform's outgoing side."""

    def describe(self, destination: Mapping[str, str]) -> str:
        """Where this is, for error messages ("slack channel C1, thread 5.0")."""
        ...

    def pieces(self, notification: Notification, destination: Mapping[str, str]) -> Sequence[Any]:
        """The notice rendered and split into what one platform call carries."""
        ...

    async def send(self, piece: Any, destination: Mapping[str, str]) -> None:
        """Send one piece: raise ``RetryLater`` for a transient failure, ``DeliveryFailed`` (or
        anything else) for a permanent one."""
        ...


class DeliveryLedger(Protocol):
    """Where the outbox is kept (the service, over the store); synchronous, called in a thread."""

    def delivered_parts(self, key: str, destination: str) -> set[int]:
        """Parts of message ``key`` already delivered to ``destination``."""
        ...

    def record_delivered_part(self, key: str, destination: str, part: int) -> None:
        """Remember part ``part`` of ``key`` as delivered to ``destination``."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries per piece, the first included
    base_delay: float = 1.0  # seconds before the 2nd try, doubled after (when the platform says nothing)
    # Cap on any single wait, even a platform's Retry-After: the engine awaits failure notices
    # inline, so a rate-limit storm must not hold it for minutes.
    max_delay: float = 30.0


class DeliveryRouter:
    """A ``Notifier`` over several channels; ``default`` takes local destinations."""

    def __init__(
        self,
        *,
        default: Notifier,
        channels: Mapping[str, Channel] | None = None,
        locate: Callable[[int], Awaitable[dict[str, str]]] | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        observe: Callable[[str, str], None] | None = None,
        ledger: DeliveryLedger | None = None,
    ) -> None:
        self.default = default
        self.ledger = ledger  # the outbox: None keeps no record (each notify sends every piece)
        # Told (platform, "delivered" | "failed") after each notice: the metrics' counter.
        self.observe = observe
        self.channels: dict[str, Channel] = dict(channels or {})
        self.locate = locate
        self.retry = retry or RetryPolicy()
        self.sleep = sleep

    def add_channel(self, platform: str, channel: Channel) -> None:
        self.channels[platform] = channel

    async def notify(self, notification: Notification) -> None:
        destination = dict(notification.destination)
        if not destination and notification.task_id is not None and self.locate is not None:
            try:
                destination = await self.locate(notification.task_id)
            except Exception:
                log.info("no destination for task", extra={"task_id": notification.task_id})
        platform = destination.get("platform", "")
        label = "terminal" if platform in LOCAL_PLATFORMS else platform
        try:
            await self._deliver(notification, destination, platform)
        except BaseException:
            if self.observe is not None:
                self.observe(label, "failed")
            raise
        if self.observe is not None:
            self.observe(label, "delivered")

    async def _deliver(self, notification: Notification, destination: dict[str, str], platform: str) -> None:
        if platform in LOCAL_PLATFORMS:
            await self.default.notify(notification)
            log.info("delivered", extra={"run_id": notification.run_id, "task_id": notification.task_id,
                                         "where": "terminal"})
            return
        channel = self.channels.get(platform)
        if channel is None:
            raise DeliveryFailed(
                f"delivery to {platform} failed: the {platform} connector is not configured here"
            )
        where = channel.describe(destination)
        pieces = channel.pieces(notification, destination)
        key, ledger = notification.key, self.ledger
        done: set[int] = set()
        if key and ledger is not None:
            done = await asyncio.to_thread(ledger.delivered_parts, key, where)
        for index, piece in enumerate(pieces, start=1):
            if index in done:
                continue  # delivered by an earlier try of this run (or before a restart)
            await self._send(channel, piece, destination, where=where, part=(index, len(pieces)))
            if key and ledger is not None:
                await asyncio.to_thread(ledger.record_delivered_part, key, where, index)
        log.info("delivered", extra={"run_id": notification.run_id, "task_id": notification.task_id,
                                     "where": where, "pieces": len(pieces)})

    async def _send(
        self, channel: Channel, piece: Any, destination: Mapping[str, str], *, where: str,
        part: tuple[int, int],
    ) -> None:
        label = f" (part {part[0]} of {part[1]})" if part[1] > 1 else ""
        for attempt in range(1, self.retry.attempts + 1):
            try:
                await channel.send(piece, destination)
                return
            except RetryLater as exc:
                if attempt == self.retry.attempts:
                    raise DeliveryFailed(
                        f"delivery to {where}{label} failed after {attempt} tries: {exc}"
                    ) from None
                wait = exc.retry_after
                if wait is None:
                    wait = self.retry.base_delay * 2 ** (attempt - 1)
                wait = min(max(wait, 0.0), self.retry.max_delay)
                log.info("delivery retry", extra={"where": where, "attempt": attempt, "wait_s": wait})
                await self.sleep(wait)
            except DeliveryFailed as exc:
                raise DeliveryFailed(f"delivery to {where}{label} failed: {exc}") from None
            except Exception as exc:
                detail = f"{type(exc).__name__}: {exc}"
                raise DeliveryFailed(f"delivery to {where}{label} failed: {detail}") from exc

"""The small interfaces the scheduler defines and others implement.

The composition root (``cronpilot/``) plugs implementations in; the scheduler never imports the
agent or the connectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .store.records import NewRun, RunOutcome


@dataclass(frozen=True)
class Notification:
    """Something to tell a person: a reminder, a result, a failure."""

    owner: str
    text: str
    task_id: int | None = None
    run_id: int | None = None
    title: str | None = None
    destination: dict[str, str] = field(default_factory=dict)  # conversation address, if any
    # The message's identity across a run's retries and engine restarts: the parts delivered
    # under it are remembered (the outbox), so a retry never repeats one. None: not remembered.
    key: str | None = None


class Notifier(Protocol):
    async def notify(self, notification: Notification) -> None:
        """Deliver ``notification``; raise on failure so the run records it."""
        ...


class PageFetcher(Protocol):
    async def __call__(self, url: str, *, max_bytes: int) -> str:
        """The body of a GET of ``url`` (its first ``max_bytes``) through the http action's
        network guard and allowlist, or a one-line "(fetching … failed: …)" in its place."""
        ...


@dataclass(frozen=True)
class AIRequest:
    run_id: int
    task_id: int
    owner: str
    prompt: str
    template: str | None
    inputs: dict[str, str]
    # How the run may read a web page (a template's ``url`` input); None: it may not.
    fetch: PageFetcher | None = field(default=None, compare=False)
    # ``Notification.key`` for what the run delivers (the outbox: a retry or a restart never
    # sends a delivered part again); None: not remembered.
    delivery_key: str | None = None


@dataclass(frozen=True)
class AIResult:
    text: str
    transcript: list[dict[str, Any]] = field(default_factory=list)  # prompt, tool calls, replies
    tokens_used: int = 0
    model_calls: int = 0  # answers the model gave (the owner's hourly budget counts them)


class AIRunner(Protocol):
    async def run(self, request: AIRequest) -> AIResult:
        """Run the agent for an ``ai`` action; raise to fail the run (``errors.ActionFailed``
        for an expected failure, whose message becomes the run's error)."""
        ...


class SecretSource(Protocol):
    def resolve_secrets(
        self, owner: str, names: set[str], *, shared_only: bool = False
    ) -> dict[str, str]:
        """Plain values of ``names`` as a task of ``owner`` sees them (the owner's own secret,
        else a shared one; only shared ones with ``shared_only``). Synchronous (a read and a
        decryption); raises ``InvalidRequest`` for an unknown name and ``SecretUnreadable`` when
        the key is missing or changed."""
        ...


@dataclass(frozen=True, slots=True)
class EnginePass:
    """What one engine pass did, handed over as the engine already has it (nothing copied or
    counted on the hot path: counting is the observer's)."""

    seconds: float  # wall time of the pass
    fires: Sequence[NewRun]  # runs recorded for due fires (running, pending or skipped)
    outcomes: Sequence[RunOutcome]  # runs that ended and were recorded
    kind_of: Callable[[int], str]  # task id -> its action kind ("unknown" if not at hand)


class LogArchive(Protocol):
    """Where big run logs go once a run ends (Supabase Storage, connectors/log_archive.py). A
    run row then holds the archive's reference instead of a local path."""

    def prepare(self) -> None:
        """Make the place logs go (a private bucket) unless it exists. Raises on failure."""
        ...

    def owns(self, ref: str) -> bool:
        """True when ``ref`` (a run's log_path) is one of this archive's references."""
        ...

    def put(self, run_id: int, path: Path) -> str:
        """Store the file at ``path`` as run ``run_id``'s log; its reference. Raises on failure."""
        ...

    def get(self, ref: str) -> bytes:
        """The stored log ``ref`` names. Raises on failure."""
        ...


class EngineObserver(Protocol):
    def engine_pass(self, report: EnginePass) -> None:
        """Called in the engine's loop after each pass: keep it to counting (no I/O)."""
        ...

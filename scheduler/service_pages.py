"""The service's part for the dashboard's detail screens: tasks waiting for approval with what
each would do and whether the reader may decide, a page of the audit trail, the next fires of a
task with their DST notes, and a running run's log read as it grows.

Read-only, and every read goes through the service with the reader's ``Actor``, so what a page
shows is what the CLI and chat would show the same person. The rules themselves (who may approve,
who sees which audit entries) stay in the service's methods; these only ask them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .access import Actor
from .models import RunStatus, Task
from .phrases.dstnotes import dst_notes
from .triggers import localtime

if TYPE_CHECKING:
    from .service import Service

AUDIT_PAGE = 50
LOG_CHUNK = 64 * 1024  # bytes a live log read returns at most
LOG_TAIL = 256 * 1024  # a stream that starts from 0 on a big log starts this far from its end


@dataclass(frozen=True)
class Approval:
    """A task waiting for approval, as a reader sees it."""

    task: Task
    steps: list[Task]  # a workflow's steps, approved or turned down with it
    refusal: str | None  # why the reader can't approve it; None: they can
    may_reject: bool


@dataclass(frozen=True)
class ChainCheck:
    """The audit chain's last check: when, how many entries checked, and the first broken one."""

    at: datetime
    checked: int
    broken_at: int | None


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict[str, Any]]
    older: int | None  # ask with ``before_id=older`` for the next page back; None: no more
    chain: ChainCheck | None = None  # the last check of the hash chain (admins); None: none yet


@dataclass(frozen=True)
class Fire:
    """One coming fire of a task (UTC) and what DST does to it on that day."""

    at: datetime
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogChunk:
    """Bytes of a run's log from ``start`` to ``offset`` (decoded), and whether the run has
    ended (then nothing more will be written)."""

    text: str
    start: int
    offset: int
    ended: bool


class Pages:
    def __init__(self, service: Service) -> None:
        self.service = service
        # Where this machine's engine writes running runs' logs (``<data dir>/logs``; set by the
        # composition root). None: a running run's log shows once it has ended.
        self.live_log_dir: Path | None = None
        # Walking the whole chain reads every entry (seconds at 100,000s), so a page shows the
        # last check and walks it again only when asked.
        self.last_chain_check: ChainCheck | None = None

    def approvals(self, *, actor: Actor) -> list[Approval]:
        """Tasks waiting for approval that ``actor`` can see, oldest first, each with whether
        ``actor`` may approve or turn it down (``Service.approval_outlook``)."""
        service = self.service
        waiting = service.pending_approvals(actor=actor)
        heads = {t.task_id for t in waiting}
        # Read once for the whole screen: the person's role, and every workflow step by its head
        # (a read per task made 50 waiting tasks ~150 queries: 236 ms on PostgreSQL).
        role = service.rules.role_of(actor)
        steps_of: dict[int, list[Task]] = {}
        for step in service.store.list_tasks(workflow_ids=sorted(heads)) if heads else []:
            steps_of.setdefault(step.workflow_id or 0, []).append(step)
        found = []
        for task in sorted(waiting, key=lambda t: t.task_id):
            if task.workflow_id is not None and task.workflow_id in heads:
                continue  # a step waiting with its workflow is decided with it
            steps, refusal, may_reject = service.approval_outlook(
                task, actor=actor, role=role, steps=steps_of.get(task.task_id, []))
            found.append(Approval(task=task, steps=steps, refusal=refusal, may_reject=may_reject))
        return found

    def audit_page(self, *, actor: Actor, before_id: int | None = None, limit: int = AUDIT_PAGE,
                   verify: bool = False, show_check: bool = False) -> AuditPage:
        """A page of the audit trail ``actor`` may read, newest first, older than ``before_id``.
        ``verify``: walk the hash chain now (admins only: ``PermissionDenied``, audited, for
        others); ``show_check``: include the last walk's result (admins' pages)."""
        limit = max(1, min(limit, 200))
        entries = self.service.audit(actor=actor, limit=limit + 1, before_id=before_id)
        older = int(entries[limit - 1]["audit_id"]) if len(entries) > limit else None
        if verify:
            checked, broken = self.service.verify_audit(actor=actor)
            self.last_chain_check = ChainCheck(at=self.service.clock.now(), checked=checked, broken_at=broken)
        chain = self.last_chain_check if verify or show_check else None
        return AuditPage(entries=entries[:limit], older=older, chain=chain)

    def fires_with_notes(self, task: Task, *, count: int = 10) -> tuple[list[Fire], tuple[str, ...]]:
        """The next ``count`` fires of ``task``, each with the DST notes of its local day (a wall
        time the clocks skip or repeat that day), and the notes for clock changes between now and
        the last of them that no listed fire carries (a run the DST policy skips)."""
        service = self.service
        fires = service.next_fires(task, count=count)
        zone = task.zone
        now = service.clock.now()
        by_day: dict[Any, tuple[str, ...]] = {}
        listed: list[Fire] = []
        for at in fires:
            day = at.astimezone(zone).date()
            if day not in by_day:
                start = localtime.resolve(datetime.combine(day, time()), zone)
                by_day[day] = dst_notes(task.triggers, zone, start - timedelta(seconds=1), days=1)
            listed.append(Fire(at=at, notes=by_day[day]))
        others: tuple[str, ...] = ()
        if fires:
            shown = {n for f in listed for n in f.notes}
            span = max(1, (fires[-1] - now).days + 1)
            others = tuple(n for n in dst_notes(task.triggers, zone, now, days=span) if n not in shown)
        return listed, others

    def log_since(self, run_id: int, *, actor: Actor | None, offset: int = 0, max_bytes: int = LOG_CHUNK) -> LogChunk:
        """The log of run ``run_id`` from byte ``offset`` (at most ``max_bytes``; a read from 0 of
        a big log starts at its last 256 KiB): while the run goes, from the file this machine's
        engine is writing; after, from its kept file. ``NotFound`` for a run ``actor`` can't see
        (``actor`` None: not asked — a stream's later reads, after its first read asked)."""
        run = self.service.get_run(run_id, actor=actor)
        ended = run.status.is_terminal or run.status == RunStatus.RETRYING
        path: Path | None = None
        if run.log_path and Path(run.log_path).is_file():
            path = Path(run.log_path)
        elif self.live_log_dir is not None:
            path = self.live_log_dir / f"{run_id}.log"
        data = b""
        start = max(0, offset)
        if path is not None and path.is_file():
            with path.open("rb") as f:
                size = f.seek(0, 2)
                if start == 0 and size > LOG_TAIL:
                    start = size - LOG_TAIL
                f.seek(min(start, size))
                data = _whole_characters(f.read(max_bytes))
        more = len(data) >= max_bytes - 3
        return LogChunk(text=data.decode("utf-8", errors="replace"), start=start, offset=start + len(data),
                        ended=ended and not more)


def _whole_characters(data: bytes) -> bytes:
    """``data`` without a UTF-8 character cut at its end (the next read starts with it)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return data
        if byte >= 0xC0:  # a lead byte: is its character complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return data if back >= need else data[:-back]
    return data

"""Telling admins that a task waits for their approval.

A task lands in ``pending_approval`` in whichever process made it (the CLI, the API, a chat, an
AI run in an engine), but only ``serve`` holds the connectors that reach people. So ``serve``
watches the task change feed (``ApprovalWatch``) and asks the service (``Approvals``) which
notices are due: one per admin per waiting task, sent through the same ``Notifier`` as every
reminder and failure notice, to the admin's own chat — a Slack direct message, a Telegram chat,
their email, else the terminal where ``serve`` runs.

With no person an admin (a fresh install run from the CLI), the notice goes to the terminal
where ``serve`` runs.

Once per task: each (task, admin) notice is claimed in the database (the outbox table) before it
is sent, so several ``serve`` processes, restarts and re-reads of the feed send it once. The
claim comes first, so a crash between claim and send loses that notice rather than repeating it
(the task still shows in ``cronpilot task list --status pending_approval`` and in chat's "what is
waiting for approval?"). A task that was approved and later sent back to ``pending_approval`` by
an edit is a new request: its admins are told again, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .access import UserRecord
from .clock import Clock
from .errors import NotFound
from .models import Task, TaskStatus
from .ports import Notification, Notifier

if TYPE_CHECKING:
    from .service_rules import Rules
    from .store_ports import ServiceStore

log = logging.getLogger(__name__)

TERMINAL = "(terminal)"  # who is told when no person is an admin: whoever watches serve
CLAIMED = "claimed"  # the outbox "destination" of a claim: (key, admin) rows apart from deliveries


@dataclass(frozen=True)
class ApprovalNotice:
    """One admin to tell about one waiting task, with the addresses to try in order."""

    admin: str
    task_id: int
    title: str
    text: str
    addresses: tuple[dict[str, str], ...]

    def notifications(self) -> list[Notification]:
        return [Notification(owner=self.admin, text=self.text, task_id=self.task_id, title=self.title,
                             destination=dict(address)) for address in self.addresses]


def addresses_of(person: UserRecord, identities: Sequence[str]) -> tuple[dict[str, str], ...]:
    """Where a person reads direct messages from cronpilot, best first: each Slack identity (a
    message to a user id is their direct message with the app), each Telegram one (a user's
    private chat has the user's id), their email; the terminal last, so someone is always told."""
    found: list[dict[str, str]] = []
    for identity in identities:
        platform, _, user_id = identity.partition(":")
        if platform == "slack" and user_id:
            found.append({"platform": "slack", "channel": user_id})
        elif platform == "telegram" and user_id:
            found.append({"platform": "telegram", "chat": user_id})
    if person.email:
        found.append({"platform": "email", "address": person.email})
    found.append({"platform": "terminal"})
    return tuple(found)


def notice_key(task: Task) -> str:
    """The identity of one approval request: the task, and its last approval (none yet, or the
    one an edit undid)."""
    episode = task.approved_at.isoformat() if task.approved_at else "first"
    return f"approval:{task.task_id}:{episode}"


def notice_text(task: Task, reason: str | None) -> str:
    why = reason or "it needs a person's approval"
    return (f"{task.owner}'s task '{task.name}' (#{task.task_id}, {task.action.kind}) is waiting for "
            f"approval: {why}.\nApprove it: reply \"approve {task.task_id}\" here, or run "
            f"`cronpilot approve {task.task_id}`, or POST /api/v1/tasks/{task.task_id}/approve. "
            f"Turn it down: \"reject {task.task_id}\" (it is deleted).")


class Approvals:
    """The service's part that decides which approval notices are due (and claims them)."""

    def __init__(self, store: ServiceStore, *, rules: Rules, clock: Clock) -> None:
        self.store = store
        self.rules = rules
        self.clock = clock

    def approval_notices(self, after: int | None = None, *, limit: int = 500) -> tuple[list[ApprovalNotice], int]:
        """The notices due for tasks that went to ``pending_approval`` after task revision
        ``after`` (None: every task waiting now, for a watcher's first look), each claimed so no
        other caller gets it again; and the revision to ask from next."""
        if after is None:
            revision = self.store.task_revision()  # read first: a task made meanwhile comes next time
            waiting = self.store.list_tasks(status=TaskStatus.PENDING_APPROVAL)
        else:
            revision, ids = after, []
            for rev, task_id, status, deleted in self.store.task_changes_since(after, limit=limit):
                revision = rev
                if status == TaskStatus.PENDING_APPROVAL and not deleted:
                    ids.append(task_id)
            waiting = [t for t in (self._live(i) for i in dict.fromkeys(ids)) if t is not None]
            waiting = [t for t in waiting if t.status == TaskStatus.PENDING_APPROVAL]
        if not waiting:
            return [], revision
        admins = [p for p in self.store.list_users() if p.role == "admin"]
        identities = self.store.identities_of([p.user_id for p in admins])
        if not admins:  # only the install's owner (the CLI user, no person row): serve's terminal
            admins = [UserRecord(user_id=TERMINAL, role="admin")]
        notices: list[ApprovalNotice] = []
        now = self.clock.now()
        for task in waiting:
            key = notice_key(task)
            reason = str((task.origin or {}).get("waits_for") or "") or self.rules.risky_reason(task)
            for admin in admins:
                if not self.store.claim_message(key, f"{CLAIMED}:{admin.user_id}", now=now):
                    continue  # told already (another serve, an earlier pass, before a restart)
                notices.append(ApprovalNotice(
                    admin=admin.user_id, task_id=task.task_id, title=f"{task.name} waits for approval",
                    text=notice_text(task, reason), addresses=addresses_of(admin, identities.get(admin.user_id, [])),
                ))
        return notices, revision

    def _live(self, task_id: int) -> Task | None:
        try:
            return self.store.get_task(task_id)
        except NotFound:
            return None


class _Notices(Protocol):
    def approval_notices(self, after: int | None = None) -> tuple[list[ApprovalNotice], int]: ...


class ApprovalWatch:
    """``serve``'s loop: every ``every`` seconds, the due approval notices, each sent to the
    first of its admin's addresses that takes it (a platform not configured here fails and the
    next is tried)."""

    def __init__(self, approvals: _Notices, notifier: Notifier, *, every: float = 2.0) -> None:
        self.approvals = approvals
        self.notifier = notifier
        self.every = every
        self.revision: int | None = None
        self.sent = 0

    async def check(self) -> int:
        """One look at the feed; how many admins were told."""
        notices, self.revision = await asyncio.to_thread(self.approvals.approval_notices, self.revision)
        told = 0
        for notice in notices:
            told += await self._tell(notice)
        self.sent += told
        return told

    async def _tell(self, notice: ApprovalNotice) -> int:
        for notification in notice.notifications():
            try:
                await self.notifier.notify(notification)
                return 1
            except Exception as exc:
                log.info("approval notice not delivered there, trying the next address",
                         extra={"task_id": notice.task_id, "admin": notice.admin, "error": str(exc)[:200]})
        log.warning("approval notice reached no address", extra={"task_id": notice.task_id, "admin": notice.admin})
        return 0

    async def run(self, stop: asyncio.Event) -> None:
        """Check until ``stop`` is set; a failed check (the database away) is logged and retried."""
        while not stop.is_set():
            try:
                await self.check()
            except Exception:
                log.warning("approval notices: check failed; retrying", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.every)

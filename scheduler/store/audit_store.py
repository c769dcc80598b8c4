"""The audit trail: every change and refusal with who, when, through what, and before → after.

Tamper-evident: each entry's ``hash`` is SHA-256 over the previous entry's hash and its own
content (``entry_hash``), so editing or deleting an entry breaks every link after it, and
``verify_audit`` names the first broken one. Appending is serialized (two writers must not
both chain onto the same predecessor): the writer takes the ``audit_chain`` counter row in its
transaction first — a row lock on PostgreSQL, and SQLite write transactions are exclusive.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from .base import Database
from .tables import audit

CHAIN_COUNTER = "audit_chain"
GENESIS = "0" * 64  # the "previous hash" of the first entry
HASHED = ("at", "actor", "ai_run_id", "action", "target", "decision", "reason", "via", "task_id",
          "before", "after")


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """SHA-256 of the previous hash and the entry's content (canonical JSON, UTC microseconds)."""
    content = {k: entry.get(k) for k in HASHED}
    at = content["at"]
    if isinstance(at, datetime):
        at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
        content["at"] = at.isoformat(timespec="microseconds")
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


class AuditRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_audit(
        self, *, at: datetime, actor: str, action: str, decision: str,
        target: str | None = None, reason: str | None = None, ai_run_id: int | None = None,
        via: str | None = None, task_id: int | None = None,
        before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
    ) -> None:
        entry = {"at": at, "actor": actor, "ai_run_id": ai_run_id, "action": action,
                 "target": target[:200] if target else target, "decision": decision, "reason": reason,
                 "via": via[:64] if via else via, "task_id": task_id,
                 "before": _plain(before), "after": _plain(after)}
        with self.db.write() as conn:
            self.db.next_counter(conn, CHAIN_COUNTER)  # the lock: one appender at a time
            prev = conn.execute(
                sa.select(audit.c.hash).order_by(audit.c.audit_id.desc()).limit(1)
            ).scalar()
            prev = prev or GENESIS
            conn.execute(audit.insert().values(**entry, prev_hash=prev, hash=entry_hash(prev, entry)))

    def list_audit(
        self, *, actor: str | None = None, limit: int = 100, task_id: int | None = None,
        since: datetime | None = None, actions: Sequence[str] | None = None,
        visible_to: str | None = None, visible_tasks: Sequence[int] | None = None,
        before_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first. ``visible_to``: only entries by that person or about ``visible_tasks``;
        ``before_id``: only entries older than that one (a page further back, by the primary key)."""
        query = audit.select().order_by(audit.c.audit_id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(audit.c.audit_id < before_id)
        if actor is not None:
            query = query.where(audit.c.actor == actor)
        if task_id is not None:
            query = query.where(audit.c.task_id == task_id)
        if since is not None:
            query = query.where(audit.c.at >= since)
        if actions:
            query = query.where(audit.c.action.in_(list(actions)))
        if visible_to is not None:
            query = query.where(sa.or_(audit.c.actor == visible_to,
                                       audit.c.task_id.in_(list(visible_tasks or []))))
        with self.db.read() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def verify_audit(self) -> tuple[int, int | None]:
        """(entries checked, the id of the first entry whose link is broken, or None)."""
        prev = GENESIS
        checked = 0
        with self.db.read() as conn:
            for row in conn.execute(audit.select().order_by(audit.c.audit_id)):
                entry = dict(row._mapping)
                if entry["prev_hash"] != prev or entry["hash"] != entry_hash(prev, entry):
                    return checked, int(entry["audit_id"])
                prev = entry["hash"]
                checked += 1
        return checked, None


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON as it will read back (dates as text), so the hash is the same before and after."""
    return None if value is None else json.loads(json.dumps(value, default=str))

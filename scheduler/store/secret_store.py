"""Secrets as stored: encrypted tokens with their scope, owner and times. This part never sees
a plain value (the service seals and opens them with ``SecretBox``).

Scopes: ``user`` (a person's own, ``owner`` is their user id), ``shared`` (made by an admin,
usable by every task) and ``webhook`` (the signing secret of ``POST /hooks/<name>``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .base import Database
from .tables import secrets

USER, SHARED, WEBHOOK = "user", "shared", "webhook"


@dataclass(frozen=True)
class SecretRecord:
    """One stored secret. ``ciphertext`` is empty in listings (they never carry values)."""

    scope: str
    owner: str
    name: str
    key_id: str
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    ciphertext: str = ""


def _record(row: sa.Row[object], *, with_value: bool) -> SecretRecord:
    return SecretRecord(
        scope=row.scope, owner=row.owner, name=row.name, key_id=row.key_id,
        created_by=row.created_by, created_at=row.created_at, updated_by=row.updated_by,
        updated_at=row.updated_at, ciphertext=row.ciphertext if with_value else "",
    )


_LISTED = [c for c in secrets.c if c.name != "ciphertext"]


class SecretRows:
    """Sealed secrets by (scope, owner, name), webhook signing secrets among them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put_secret(
        self, scope: str, owner: str, name: str, *, ciphertext: str, key_id: str, actor: str,
        now: datetime,
    ) -> bool:
        """Insert or replace the value of (scope, owner, name); True when it is new."""
        where = (secrets.c.scope == scope, secrets.c.owner == owner, secrets.c.name == name)
        values = {"ciphertext": ciphertext, "key_id": key_id, "updated_by": actor, "updated_at": now}
        for attempt in (1, 2):
            try:
                with self.db.write() as conn:
                    if conn.execute(secrets.update().where(*where).values(**values)).rowcount:
                        return False
                    conn.execute(secrets.insert().values(
                        scope=scope, owner=owner, name=name, created_by=actor, created_at=now,
                        **values))
                return True
            except IntegrityError:
                if attempt == 2:  # pragma: no cover - a second race on the same name
                    raise
        return False  # pragma: no cover - the loop returns or raises

    def get_secret(self, scope: str, owner: str, name: str) -> SecretRecord | None:
        """The stored secret with its ciphertext, or None."""
        query = sa.select(secrets).where(
            secrets.c.scope == scope, secrets.c.owner == owner, secrets.c.name == name)
        with self.db.read() as conn:
            row = conn.execute(query).first()
        return _record(row, with_value=True) if row is not None else None

    def find_secrets(self, owner: str, names: Collection[str], *, shared_only: bool = False
                     ) -> dict[str, SecretRecord]:
        """The secrets a task of ``owner`` sees under ``names``: the owner's own first, then
        shared ones; names found in neither are missing from the result."""
        if not names:
            return {}
        mine = sa.and_(secrets.c.scope == USER, secrets.c.owner == owner)
        shared = sa.and_(secrets.c.scope == SHARED, secrets.c.owner == "")
        query = sa.select(secrets).where(
            secrets.c.name.in_(sorted(names)), shared if shared_only else sa.or_(mine, shared))
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        found: dict[str, SecretRecord] = {}
        for row in sorted(rows, key=lambda r: r.scope != USER):  # own before shared
            found.setdefault(row.name, _record(row, with_value=True))
        return found

    def list_secrets(self, *, owner: str | None = None, scopes: Collection[str] = (USER, SHARED)
                     ) -> list[SecretRecord]:
        """Secrets without values: every one in ``scopes``, or with ``owner`` the ones that
        person sees (their own and the shared ones)."""
        query = sa.select(*_LISTED).where(secrets.c.scope.in_(list(scopes)))
        if owner is not None:
            query = query.where(sa.or_(secrets.c.scope == SHARED,
                                       sa.and_(secrets.c.scope == USER, secrets.c.owner == owner)))
        query = query.order_by(secrets.c.name, secrets.c.scope, secrets.c.owner)
        with self.db.read() as conn:
            return [_record(row, with_value=False) for row in conn.execute(query)]

    def delete_secret(self, scope: str, owner: str, name: str) -> bool:
        with self.db.write() as conn:
            done = conn.execute(secrets.delete().where(
                secrets.c.scope == scope, secrets.c.owner == owner, secrets.c.name == name))
        return bool(done.rowcount)

    def count_secrets(self) -> int:
        """Stored secrets of every scope (webhooks too): any means a key exists somewhere."""
        with self.db.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(secrets)).scalar_one())

    # --- webhooks: the signing secret of POST /hooks/<event> ------------------------------------

    def set_webhook_secret(self, event: str, *, ciphertext: str, key_id: str, actor: str,
                           now: datetime) -> None:
        self.put_secret(WEBHOOK, "", event, ciphertext=ciphertext, key_id=key_id, actor=actor, now=now)

    def webhook_secret(self, event: str) -> SecretRecord | None:
        return self.get_secret(WEBHOOK, "", event)

    def delete_webhook(self, event: str) -> bool:
        return self.delete_secret(WEBHOOK, "", event)

    def list_webhooks(self) -> list[str]:
        return [r.name for r in self.list_secrets(scopes=(WEBHOOK,))]

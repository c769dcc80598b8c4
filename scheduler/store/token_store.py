"""API tokens as stored: their SHA-256 hash, whose they are, their label and times. This part
never sees a token itself (the service makes it, shows it once and keeps its hash here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..errors import NotFound
from .base import Database
from .tables import api_tokens


@dataclass(frozen=True)
class TokenRecord:
    """One API token, without the token: ``prefix`` ("cp_AbCd") is what people recognise it by."""

    token_id: int
    user_id: str
    name: str
    prefix: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


_LISTED = [c for c in api_tokens.c if c.name != "token_hash"]


def _record(row: sa.Row[object]) -> TokenRecord:
    return TokenRecord(
        token_id=int(row.token_id), user_id=row.user_id, name=row.name, prefix=row.prefix,
        created_by=row.created_by, created_at=row.created_at, expires_at=row.expires_at,
        last_used_at=row.last_used_at, revoked_at=row.revoked_at,
    )


class TokenRows:
    """API tokens by id and by hash."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_token(
        self, user_id: str, *, name: str, token_hash: str, prefix: str, created_by: str,
        now: datetime, expires_at: datetime | None = None,
    ) -> TokenRecord:
        """Keep a new token's hash for ``user_id``; the new record."""
        with self.db.write() as conn:
            token_id = conn.execute(api_tokens.insert().values(
                user_id=user_id, name=name, token_hash=token_hash, prefix=prefix,
                created_by=created_by, created_at=now, expires_at=expires_at,
            ).returning(api_tokens.c.token_id)).scalar_one()
        return self.get_token(int(token_id))

    def get_token(self, token_id: int) -> TokenRecord:
        with self.db.read() as conn:
            row = conn.execute(sa.select(*_LISTED).where(api_tokens.c.token_id == token_id)).first()
        if row is None:
            raise NotFound(f"no token {token_id}")
        return _record(row)

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(*_LISTED).where(api_tokens.c.token_hash == token_hash)).first()
        return _record(row) if row is not None else None

    def list_tokens(self, *, user_id: str | None = None) -> list[TokenRecord]:
        query = sa.select(*_LISTED).order_by(api_tokens.c.token_id)
        if user_id is not None:
            query = query.where(api_tokens.c.user_id == user_id)
        with self.db.read() as conn:
            return [_record(row) for row in conn.execute(query)]

    def revoke_token(self, token_id: int, *, now: datetime) -> TokenRecord:
        """Mark a token revoked (a second revoke keeps the first time); raises ``NotFound``."""
        with self.db.write() as conn:
            conn.execute(api_tokens.update()
                         .where(api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None))
                         .values(revoked_at=now))
        return self.get_token(token_id)

    def touch_token(self, token_id: int, *, now: datetime) -> None:
        """Record that the token was just used."""
        with self.db.write() as conn:
            conn.execute(api_tokens.update().where(api_tokens.c.token_id == token_id)
                         .values(last_used_at=now))

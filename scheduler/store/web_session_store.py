"""The web dashboard's sign-in links and sessions: rows keyed by a token's SHA-256.

The service part (``scheduler/web_access.py``) makes and checks the tokens; this part keeps the
rows and makes the one race that matters atomic: a link used twice at once signs in once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from .base import Database
from .tables import signin_links, web_sessions


@dataclass(frozen=True)
class WebSessionRecord:
    """A signed-in session: whose, with which role at sign-in, whether it is the local admin's."""

    user_id: str
    role: str
    local: bool
    expires_at: datetime


class WebSessionRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_signin_link(
        self, token_hash: str, *, user_id: str, local: bool, now: datetime, expires_at: datetime
    ) -> None:
        with self.db.write() as conn:
            # Expired links are swept as new ones are made: the table stays tiny.
            conn.execute(signin_links.delete().where(signin_links.c.expires_at < now))
            conn.execute(signin_links.insert().values(
                token_hash=token_hash, user_id=user_id, local=local, created_at=now, expires_at=expires_at,
            ))

    def use_signin_link(self, token_hash: str, *, now: datetime) -> tuple[str, bool] | None:
        """(user id, local) of an unused, unexpired link, now marked used; None otherwise. The
        conditional UPDATE is the lock: of two uses at once exactly one changes the row."""
        with self.db.write() as conn:
            won = conn.execute(
                signin_links.update()
                .where(signin_links.c.token_hash == token_hash, signin_links.c.used_at.is_(None),
                       signin_links.c.expires_at > now)
                .values(used_at=now)
            )
            if won.rowcount != 1:
                return None
            row = conn.execute(
                sa.select(signin_links.c.user_id, signin_links.c.local)
                .where(signin_links.c.token_hash == token_hash)
            ).one()
        return str(row.user_id), bool(row.local)

    def add_web_session(
        self, token_hash: str, *, user_id: str, role: str, local: bool, now: datetime, expires_at: datetime
    ) -> None:
        with self.db.write() as conn:
            conn.execute(web_sessions.delete().where(web_sessions.c.expires_at < now))
            conn.execute(web_sessions.insert().values(
                token_hash=token_hash, user_id=user_id, role=role, local=local, created_at=now,
                expires_at=expires_at,
            ))

    def get_web_session(self, token_hash: str, *, now: datetime) -> WebSessionRecord | None:
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(web_sessions).where(web_sessions.c.token_hash == token_hash,
                                              web_sessions.c.expires_at > now)
            ).first()
        if row is None:
            return None
        return WebSessionRecord(user_id=str(row.user_id), role=str(row.role), local=bool(row.local),
                                expires_at=row.expires_at)

    def end_web_sessions(self, *, token_hash: str | None = None, user_id: str | None = None) -> int:
        """Delete one session (by token hash) or all of a person's; how many ended."""
        query = web_sessions.delete()
        if token_hash is not None:
            query = query.where(web_sessions.c.token_hash == token_hash)
        elif user_id is not None:
            query = query.where(web_sessions.c.user_id == user_id)
        else:
            return 0
        with self.db.write() as conn:
            return int(conn.execute(query).rowcount or 0)

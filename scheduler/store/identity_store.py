"""People: cronpilot users and the platform identities mapped to them, one-time admin claim
codes, and the ledger of inbound events already handled.

The service decides *who* may have an account (the signup policy, ``scheduler/people.py``); this
part only keeps the rows, and makes the two races that matter atomic in the database: two first
messages from the same person create one user, and many claims of one code make one admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..access import ROLES, Access, UserRecord
from ..errors import Conflict, InvalidRequest, NotFound
from . import dialect
from .base import Database
from .tables import (
    admin_claims,
    group_members,
    groups,
    identities,
    processed_events,
    task_shares,
    users,
)


def _user(row: sa.Row[object]) -> UserRecord:
    return UserRecord(
        user_id=str(row.user_id), role=str(row.role), display_name=row.display_name,
        timezone=row.timezone, email=row.email, removed=row.removed_at is not None,
    )


class PeopleRows:
    """Users, the platform identities mapped to them, admin claim codes, the event ledger."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- users and identities -----------------------------------------------------------------

    def find_identity(self, platform: str, platform_user_id: str) -> UserRecord | None:
        """The user a platform identity is mapped to, or None when it is unknown."""
        query = (
            sa.select(users)
            .join(identities, identities.c.user_id == users.c.user_id)
            .where(identities.c.platform == platform, identities.c.platform_user_id == platform_user_id)
        )
        with self.db.read() as conn:
            row = conn.execute(query).first()
        return _user(row) if row is not None else None

    def add_identity(
        self, platform: str, platform_user_id: str, *, role: str, now: datetime,
        display_name: str | None = None, user_id: str | None = None,
    ) -> UserRecord:
        """Map an identity to a new user (``user_id`` defaults to ``platform:id``), or return
        the user it is already mapped to: two first messages at once create one user."""
        _check_role(role)
        user_id = user_id or f"{platform}:{platform_user_id}"
        try:
            with self.db.write() as conn:
                exists = conn.execute(sa.select(users.c.user_id).where(users.c.user_id == user_id)).first()
                if exists is None:
                    conn.execute(users.insert().values(
                        user_id=user_id, display_name=_clip(display_name), role=role, created_at=now,
                    ))
                conn.execute(identities.insert().values(
                    platform=platform, platform_user_id=platform_user_id, user_id=user_id, created_at=now,
                ))
        except IntegrityError:
            pass  # someone mapped it a moment ago: theirs stands
        found = self.find_identity(platform, platform_user_id)
        if found is None:  # pragma: no cover - the insert or the race winner left a row
            raise NotFound(f"no user for {platform}:{platform_user_id}")
        return found

    def get_user(self, user_id: str) -> UserRecord:
        with self.db.read() as conn:
            row = conn.execute(sa.select(users).where(users.c.user_id == user_id)).first()
        if row is None:
            raise NotFound(f"no user {user_id!r}")
        return _user(row)

    def set_role(self, user_id: str, role: str) -> UserRecord:
        _check_role(role)
        with self.db.write() as conn:
            done = conn.execute(users.update().where(users.c.user_id == user_id,
                                                     users.c.removed_at.is_(None)).values(role=role))
        if done.rowcount == 0:
            raise NotFound(f"no user {user_id!r}")
        return self.get_user(user_id)

    def find_user(self, user_id: str) -> UserRecord | None:
        """A user by id, removed ones included; None when there is none."""
        with self.db.read() as conn:
            row = conn.execute(sa.select(users).where(users.c.user_id == user_id)).first()
        return _user(row) if row is not None else None

    def list_users(self, *, removed: bool = False) -> list[UserRecord]:
        """People by id; with ``removed``, the removed ones too."""
        query = sa.select(users).order_by(users.c.user_id)
        if not removed:
            query = query.where(users.c.removed_at.is_(None))
        with self.db.read() as conn:
            return [_user(row) for row in conn.execute(query)]

    def identities_of(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        """Each user's platform identities, as ``platform:id``."""
        found: dict[str, list[str]] = {u: [] for u in user_ids}
        with self.db.read() as conn:
            rows = conn.execute(sa.select(identities).where(identities.c.user_id.in_(list(user_ids)))
                                .order_by(identities.c.platform, identities.c.platform_user_id))
            for row in rows:
                found[row.user_id].append(f"{row.platform}:{row.platform_user_id}")
        return found

    def add_user(
        self, user_id: str, *, role: str, now: datetime, display_name: str | None = None,
        email: str | None = None, links: Sequence[tuple[str, str]] = (),
    ) -> UserRecord:
        """A new person (a removed one comes back with ``role``), linked to platform identities;
        ``Conflict`` when the person exists or an identity belongs to someone else."""
        _check_role(role)
        with self.db.write() as conn:
            row = conn.execute(sa.select(users).where(users.c.user_id == user_id)).first()
            if row is not None and row.removed_at is None:
                raise Conflict(f"{user_id} is already a {row.role}; change it with: cronpilot user role {user_id} ROLE")
            for platform, platform_user_id in links:
                owner = conn.execute(sa.select(identities.c.user_id).where(
                    identities.c.platform == platform, identities.c.platform_user_id == platform_user_id)).scalar()
                if owner is not None and owner != user_id:
                    raise Conflict(f"{platform}:{platform_user_id} already belongs to {owner}")
            values = {"role": role, "display_name": _clip(display_name), "email": email, "removed_at": None}
            if row is None:
                conn.execute(users.insert().values(user_id=user_id, created_at=now, **values))
            else:
                conn.execute(users.update().where(users.c.user_id == user_id).values(**values))
            for platform, platform_user_id in links:
                conn.execute(dialect.insert(self.db.engine, identities).values(
                    platform=platform, platform_user_id=platform_user_id, user_id=user_id, created_at=now,
                ).on_conflict_do_nothing())
        return self.get_user(user_id)

    def remove_user(self, user_id: str, *, now: datetime) -> UserRecord:
        """Mark a person removed (their identities stay mapped, so open signup can't bring them
        back) and take them out of every group; ``NotFound`` when there is no such person."""
        with self.db.write() as conn:
            done = conn.execute(users.update().where(users.c.user_id == user_id, users.c.removed_at.is_(None))
                                .values(removed_at=now))
            if done.rowcount == 0:
                raise NotFound(f"no user {user_id!r}")
            conn.execute(group_members.delete().where(group_members.c.user_id == user_id))
        return self.get_user(user_id)

    # --- groups and shares --------------------------------------------------------------------

    def create_group(self, name: str, *, by: str, now: datetime) -> None:
        try:
            with self.db.write() as conn:
                conn.execute(groups.insert().values(name=name, created_by=by, created_at=now))
        except IntegrityError:
            raise Conflict(f"there is already a group {name!r}") from None

    def delete_group(self, name: str) -> None:
        with self.db.write() as conn:
            group_id = _group_id(conn, name)
            conn.execute(task_shares.delete().where(task_shares.c.group_id == group_id))
            conn.execute(group_members.delete().where(group_members.c.group_id == group_id))
            conn.execute(groups.delete().where(groups.c.group_id == group_id))

    def list_groups(self) -> dict[str, list[str]]:
        """Every group's members, by group name."""
        with self.db.read() as conn:
            found: dict[str, list[str]] = {r.name: [] for r in conn.execute(sa.select(groups).order_by(groups.c.name))}
            rows = conn.execute(sa.select(groups.c.name, group_members.c.user_id)
                                .join(group_members, group_members.c.group_id == groups.c.group_id)
                                .order_by(group_members.c.user_id))
            for row in rows:
                found[row.name].append(row.user_id)
        return found

    def set_group_member(self, name: str, user_id: str, *, member: bool) -> bool:
        """Add (``member``) or take out a person; False when nothing changed."""
        with self.db.write() as conn:
            group_id = _group_id(conn, name)
            here = conn.execute(sa.select(group_members.c.user_id).where(
                group_members.c.group_id == group_id, group_members.c.user_id == user_id)).first() is not None
            if member and not here:
                conn.execute(group_members.insert().values(group_id=group_id, user_id=user_id))
            elif not member and here:
                conn.execute(group_members.delete().where(group_members.c.group_id == group_id,
                                                          group_members.c.user_id == user_id))
            return member != here

    def share_task(self, task_id: int, group: str, access: str | None, *, now: datetime) -> None:
        """Share a task with a group (``access`` read or manage), or stop sharing it (None)."""
        with self.db.write() as conn:
            group_id = _group_id(conn, group)
            conn.execute(task_shares.delete().where(task_shares.c.task_id == task_id,
                                                    task_shares.c.group_id == group_id))
            if access is not None:
                conn.execute(task_shares.insert().values(task_id=task_id, group_id=group_id,
                                                         access=Access(access).value, created_at=now))

    def task_shares(self, task_id: int) -> dict[str, str]:
        """The groups a task is shared with and what they get."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(groups.c.name, task_shares.c.access)
                                .join(groups, groups.c.group_id == task_shares.c.group_id)
                                .where(task_shares.c.task_id == task_id).order_by(groups.c.name))
            return {r.name: r.access for r in rows}

    def shared_with(self, user_id: str) -> dict[int, str]:
        """The tasks shared with any group ``user_id`` is in, with the most access given."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(task_shares.c.task_id, task_shares.c.access)
                                .join(group_members, group_members.c.group_id == task_shares.c.group_id)
                                .where(group_members.c.user_id == user_id))
            found: dict[int, str] = {}
            for row in rows:
                if found.get(row.task_id) != Access.MANAGE.value:
                    found[row.task_id] = row.access
        return found

    def set_user_timezone(self, user_id: str, timezone: str | None) -> UserRecord:
        with self.db.write() as conn:
            done = conn.execute(users.update().where(users.c.user_id == user_id).values(timezone=timezone))
        if done.rowcount == 0:
            raise NotFound(f"no user {user_id!r}")
        return self.get_user(user_id)

    def count_admins(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(
                sa.select(sa.func.count()).select_from(users).where(users.c.role == "admin", users.c.removed_at.is_(None))
            ).scalar_one())

    # --- admin claim codes --------------------------------------------------------------------

    def issue_claim(self, code_hash: str, *, now: datetime) -> None:
        """Keep a new claim code's hash; codes not yet used stop working (one code at a time)."""
        with self.db.write() as conn:
            conn.execute(admin_claims.delete().where(admin_claims.c.claimed_by.is_(None)))
            conn.execute(admin_claims.insert().values(code_hash=code_hash, created_at=now))

    def claim_admin(
        self, code_hash: str, platform: str, platform_user_id: str, *, now: datetime,
        max_age: timedelta, display_name: str | None = None,
    ) -> UserRecord | None:
        """Use a claim code: the identity's user (created if new) becomes an admin, or None when
        the code is unknown, used or too old, and then nothing is created. The conditional
        UPDATE is the lock: of many concurrent claims exactly one changes the row (PostgreSQL
        re-checks the WHERE after the winner commits; SQLite writers are serialized)."""
        existing = self.find_identity(platform, platform_user_id)
        user_id = existing.user_id if existing else f"{platform}:{platform_user_id}"
        with self.db.write() as conn:
            won = conn.execute(
                admin_claims.update()
                .where(
                    admin_claims.c.code_hash == code_hash,
                    admin_claims.c.claimed_by.is_(None),
                    admin_claims.c.created_at >= now - max_age,
                )
                .values(claimed_by=user_id, claimed_at=now)
            )
            if won.rowcount != 1:
                return None
            if existing is None:
                conn.execute(users.insert().values(
                    user_id=user_id, display_name=_clip(display_name), role="admin", created_at=now,
                ))
                conn.execute(identities.insert().values(
                    platform=platform, platform_user_id=platform_user_id, user_id=user_id, created_at=now,
                ))
            else:
                conn.execute(users.update().where(users.c.user_id == user_id).values(role="admin"))
        return self.get_user(user_id)

    # --- inbound event ledger -----------------------------------------------------------------

    def mark_event_processed(self, key: str, *, now: datetime) -> bool:
        """Insert-or-ignore ``key``: True the first time it is seen, False for a repeat."""
        if not key or len(key) > 200:
            raise InvalidRequest("an event key is 1 to 200 characters")
        with self.db.write() as conn:
            # RETURNING rather than rowcount: psycopg reports no count for a skipped upsert.
            row = conn.execute(
                dialect.insert(self.db.engine, processed_events)
                .values(key=key, at=now)
                .on_conflict_do_nothing()
                .returning(processed_events.c.key)
            ).first()
        return row is not None

    def forget_processed_events(self, *, before: datetime) -> int:
        """Drop ledger entries older than ``before`` (retries stop long before that)."""
        with self.db.write() as conn:
            done = conn.execute(processed_events.delete().where(processed_events.c.at < before))
        return int(done.rowcount or 0)


def _group_id(conn: sa.Connection, name: str) -> int:
    group_id = conn.execute(sa.select(groups.c.group_id).where(groups.c.name == name)).scalar()
    if group_id is None:
        raise NotFound(f"no group {name!r}")
    return int(group_id)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidRequest(f"unknown role {role!r}; roles are {', '.join(ROLES)}")


def _clip(name: str | None) -> str | None:
    return name[:200] if name else None

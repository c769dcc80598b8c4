"""API tokens: made for a person, shown once, kept as a hash, checked on every request.

A token is ``cp_`` followed by 43 URL-safe characters (256 random bits), so it is recognisable
in a leaked file or a secret scanner, and a SHA-256 of it is all the database holds: a stolen
database page lets no one in. A plain (unsalted) hash is enough because the token is random, not
a password; it also lets a request find its row by an indexed lookup.

A token carries no role. Each request reads its person afresh: a demoted person's token acts
with the new role at once, and a removed person's token is refused. A part of the service
(``Service.tokens``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from .access import Actor, Role, UserRecord
from .clock import Clock
from .errors import Conflict, InvalidRequest, NotFound, PermissionDenied
from .service_rules import Rules
from .service_team import Team
from .store.token_store import TokenRecord
from .store_ports import ServiceStore

PREFIX = "cp_"
_TOKEN_CHARS = 43  # secrets.token_urlsafe(32)
_MAX_TOKEN = 200  # longer is not ours: refused before hashing
_NAME_LENGTH = 100
# A request notes the token's last use at most this often (a write per request would be most
# of a request's cost on SQLite, and "last used" needs no better precision than this).
TOUCH_EVERY = timedelta(minutes=1)
MAX_LIFETIME = timedelta(days=3660)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Shaped like one of ours (a cheap check before a database lookup)."""
    return token.startswith(PREFIX) and len(token) <= _MAX_TOKEN and token.isascii()


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never the token itself."""

    record: TokenRecord
    state: str  # active | expired | revoked

    def as_dict(self) -> dict[str, object]:
        r = self.record
        stamp = lambda at: at.isoformat() if at else None  # noqa: E731
        return {
            "token_id": r.token_id, "name": r.name, "user": r.user_id, "prefix": r.prefix,
            "state": self.state, "created_by": r.created_by, "created_at": stamp(r.created_at),
            "expires_at": stamp(r.expires_at), "last_used_at": stamp(r.last_used_at),
            "revoked_at": stamp(r.revoked_at),
        }


class Tokens:
    """Create, list, revoke and check API tokens."""

    def __init__(self, store: ServiceStore, *, rules: Rules, clock: Clock, team: Team) -> None:
        self.store = store
        self.rules = rules
        self.clock = clock
        self.team = team  # tokens made and revoked go to the audit trail through it

    def create_token(
        self, user: str, *, actor: Actor, name: str | None = None, expires_in: timedelta | None = None,
    ) -> tuple[TokenInfo, str]:
        """A new token for ``user`` (a user id or a display name): (its listing, the token). The
        token is returned here only. Admins make tokens for anyone, others only for themselves;
        AI runs never. Raises ``NotFound``, ``PermissionDenied``, ``InvalidRequest``, ``Conflict``."""
        if actor.is_ai:
            self.rules.audit(actor, "create_token", user, refused="AI runs can't make tokens")
            raise PermissionDenied("an AI run can't make API tokens")
        person = self._person(user, actor=actor)
        if person.user_id != actor.user:
            self.rules.require_admin(actor, action="create_token", target=person.user_id,
                                     what="make a token for someone else")
        label = _label(name, taken={t.name for t in self.store.list_tokens(user_id=person.user_id)
                                    if t.revoked_at is None})
        if expires_in is not None and not timedelta(0) < expires_in <= MAX_LIFETIME:
            raise InvalidRequest("a token's lifetime must be between 1 second and 10 years")
        now = self.clock.now()
        token = PREFIX + secrets.token_urlsafe(32)
        record = self.store.add_token(
            person.user_id, name=label, token_hash=hash_token(token), prefix=token[: len(PREFIX) + 4],
            created_by=actor.user, now=now, expires_at=now + expires_in if expires_in else None,
        )
        self.team.record_token(actor, action="token_created", user=person.user_id, label=label,
                               token_id=record.token_id)
        return self._info(record, now), token

    def list_tokens(self, *, actor: Actor, user: str | None = None) -> list[TokenInfo]:
        """Admins see every token (or ``user``'s); others their own."""
        if actor.role != Role.ADMIN:
            user = actor.user
        elif user is not None:
            user = self._person(user, actor=actor).user_id
        now = self.clock.now()
        return [self._info(r, now) for r in self.store.list_tokens(user_id=user)]

    def revoke_token(self, ref: str, *, actor: Actor) -> TokenInfo:
        """Revoke a token by id or label (one's own, or anyone's for an admin); it stops working
        at once. Raises ``NotFound`` (also for another person's token), ``Conflict`` (a label
        two tokens share: use the id)."""
        mine = None if actor.role == Role.ADMIN and not actor.is_ai else actor.user
        found = self.store.list_tokens(user_id=mine)
        ref = ref.strip()
        matches = [t for t in found if str(t.token_id) == ref] if ref.isdigit() else \
            [t for t in found if t.name == ref and t.revoked_at is None]
        if not matches:
            raise NotFound(f"no token {ref!r}; see cronpilot token list")
        if len(matches) > 1:
            ids = ", ".join(str(t.token_id) for t in matches)
            raise Conflict(f"{len(matches)} tokens are called {ref!r} (ids {ids}); revoke by id")
        token = matches[0]  # anyone may revoke their own, viewers too: it only takes access away
        record = self.store.revoke_token(token.token_id, now=self.clock.now())
        self.team.record_token(actor, action="token_revoked", user=token.user_id, label=token.name,
                               token_id=token.token_id)
        return self._info(record, self.clock.now())

    def authenticate(self, token: str) -> Actor | None:
        """The person a bearer token acts for, with their role as it is now; None when the token
        is unknown, revoked, expired, or its person is gone."""
        if not looks_like_token(token):
            return None
        # Looked up by its hash: the timing of an index lookup tells nothing about a token.
        record = self.store.token_by_hash(hash_token(token))
        now = self.clock.now()
        if record is None or not record.usable_at(now):
            return None
        try:
            person = self.store.get_user(record.user_id)
        except NotFound:
            return None
        if person.removed:  # a removed person's tokens stop working at once
            return None
        if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
            self.store.touch_token(record.token_id, now=now)
        return Actor(user=person.user_id, role=Role(person.role),
                     origin={"via": "api", "token_id": record.token_id})

    def _person(self, ref: str, *, actor: Actor) -> UserRecord:
        """A user by id, else by display name (one match). The local CLI user, who owns the
        install and may have no row yet, gets one (as an admin) on their first token."""
        ref = ref.strip()
        if not ref:
            raise InvalidRequest("name the person the token is for: --user NAME")
        try:
            return self.store.get_user(ref)
        except NotFound:
            pass
        named = [u for u in self.store.list_users() if u.display_name == ref]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise Conflict(f"{len(named)} people are called {ref!r}; use their user id")
        if ref == actor.user and actor.role == Role.ADMIN and not actor.is_ai:
            return self.store.add_identity("cli", ref, role=Role.ADMIN.value, now=self.clock.now(),
                                           user_id=ref)
        raise NotFound(f"no person {ref!r}")

    def _info(self, record: TokenRecord, now: datetime) -> TokenInfo:
        if record.revoked_at is not None:
            state = "revoked"
        elif record.expires_at is not None and now >= record.expires_at:
            state = "expired"
        else:
            state = "active"
        return TokenInfo(record=record, state=state)


def _label(name: str | None, *, taken: set[str]) -> str:
    """The token's label: as given (checked), else the first free "token-N"."""
    if name is None:
        n = 1
        while f"token-{n}" in taken:
            n += 1
        return f"token-{n}"
    label = name.strip()
    if not label or len(label) > _NAME_LENGTH:
        raise InvalidRequest(f"a token's name is 1 to {_NAME_LENGTH} characters")
    if label.isdigit():
        raise InvalidRequest("a token's name can't be only digits (numbers name tokens by id)")
    if any(ord(c) < 32 or c == "\x7f" for c in label):
        raise InvalidRequest("a token's name can't contain control characters")
    if label in taken:
        raise Conflict(f"this person already has a token called {label!r}")
    return label

"""Signing in to the web dashboard: one-time links, sessions, and who each session acts as.

A part of the service (``Service.web``). ``cronpilot dashboard`` asks for a link for the local
admin (whoever runs the CLI owns the install, as in ``App.local_actor``); a chat command asks for
one for the person writing. A link is single use and short-lived; using it opens a session whose
token lives only in an HttpOnly cookie. Only SHA-256 hashes of either token are stored.

Every request re-reads the person behind a session (``session``): someone removed since signing
in, or given a lower role, is signed out at once rather than acting on what they used to be.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from .access import Actor, Role
from .clock import Clock, SystemClock
from .errors import NotFound
from .store_ports import PeopleStore, TaskStore, WebSessionStore

LINK_TTL = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=12)
class WebAccessStore(WebSessionStore, PeopleStore, TaskStore, Protocol):
    """Sessions, the people they belong to, and the audit log sign-ins are written to."""


@dataclass(frozen=True)
class WebSession:
    """A signed-in person as the dashboard sees them: who they act as, the name to show, and
    the CSRF token every change they send must carry (derived from the session token)."""

    actor: Actor
    name: str
    csrf: str
    local: bool = False
    zone: str | None = None  # the person's own time zone (``/tz``); None: the install's default


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: tied to it, and revealing nothing of it."""
    return hmac.new(session_token.encode(), b"cronpilot-dashboard-csrf", hashlib.sha256).hexdigest()[:40]


class WebAccess:
    def __init__(self, store: WebAccessStore, *, clock: Clock | None = None, local_user: str | None = None,
                 link_ttl: timedelta = LINK_TTL, session_ttl: timedelta = SESSION_TTL) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        # The install's own admin (the CLI user); None: no local sign-in.
        self.local_user = local_user
        self.link_ttl = link_ttl
        self.session_ttl = session_ttl

    def issue_local_link(self) -> str:
        """A one-time sign-in token for the install's admin (the CLI user)."""
        if not self.local_user:
            raise NotFound("this install has no local user to sign in as")
        return self._issue(self.local_user, local=True)

    def issue_link(self, user_id: str) -> str:
        """A one-time sign-in token for a known person (``NotFound`` for anyone else)."""
        self.store.get_user(user_id)
        return self._issue(user_id, local=False)

    def _issue(self, user_id: str, *, local: bool) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        self.store.add_signin_link(_digest(token), user_id=user_id, local=local, now=now,
                                   expires_at=now + self.link_ttl)
        return token

    def sign_in(self, link_token: str) -> tuple[str, WebSession] | None:
        """Use a link: (the new session's token, the session), or None when the link is unknown,
        used or expired, or its person is gone."""
        if not link_token or len(link_token) > 200:
            return None
        now = self.clock.now()
        used = self.store.use_signin_link(_digest(link_token), now=now)
        if used is None:
            return None
        user_id, local = used
        found = self._actor(user_id, local=local)
        if found is None:
            return None
        actor, name, zone = found
        token = secrets.token_urlsafe(32)
        self.store.add_web_session(_digest(token), user_id=user_id, role=actor.role.value, local=local,
                                   now=now, expires_at=now + self.session_ttl)
        self.store.add_audit(at=now, actor=user_id, action="dashboard_sign_in", decision="allowed",
                             target="local admin" if local else None, via="dashboard")
        return token, WebSession(actor=actor, name=name, csrf=csrf_token(token), local=local, zone=zone)

    def session(self, session_token: str | None) -> WebSession | None:
        """Who a session acts as now, or None (unknown, expired, or its person removed or
        demoted since signing in: then the session is ended)."""
        if not session_token or len(session_token) > 200:
            return None
        digest = _digest(session_token)
        record = self.store.get_web_session(digest, now=self.clock.now())
        if record is None:
            return None
        found = self._actor(record.user_id, local=record.local)
        if found is None or found[0].role.rank < Role(record.role).rank:
            self.store.end_web_sessions(token_hash=digest)
            return None
        actor, name, zone = found
        return WebSession(actor=actor, name=name, csrf=csrf_token(session_token), local=record.local, zone=zone)

    def sign_out(self, session_token: str) -> None:
        self.store.end_web_sessions(token_hash=_digest(session_token))

    def end_sessions(self, user_id: str) -> int:
        """Sign a person out everywhere (a removal or demotion does it on the next request too)."""
        return self.store.end_web_sessions(user_id=user_id)

    def _actor(self, user_id: str, *, local: bool) -> tuple[Actor, str, str | None] | None:
        """(who they act as, the name to show, their time zone), read afresh; None when they
        are gone."""
        if local:
            # The install's owner, as on the CLI; a link made for another local user (the
            # setting changed since) is no longer theirs.
            if user_id != self.local_user:
                return None
            return Actor(user=user_id, role=Role.ADMIN, origin={"via": "dashboard"}), user_id, None
        try:
            person = self.store.get_user(user_id)
        except NotFound:
            return None
        if person.removed:  # removed people keep their row (the audit names them), not their access
            return None
        actor = Actor(user=person.user_id, role=Role(person.role), origin={"via": "dashboard"})
        return actor, person.display_name or person.user_id, person.timezone

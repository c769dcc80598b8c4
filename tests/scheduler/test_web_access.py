"""Signing in to the dashboard (``Service.web``), on real SQLite and PostgreSQL: links are single
use and short-lived, only hashes are stored, and a session follows its person's current role."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from scheduler.access import Role
from scheduler.clock import FakeClock
from scheduler.service import Service
from scheduler.store import Store
from scheduler.store.tables import signin_links, users, web_sessions
from scheduler.web_access import WebAccess


def _web(store: Store, clock: FakeClock) -> WebAccess:
    return WebAccess(store, clock=clock, local_user="owner")


def test_a_local_link_signs_the_install_owner_in_as_admin_once(store: Store, clock: FakeClock) -> None:
    web = _web(store, clock)
    link = web.issue_local_link()
    done = web.sign_in(link)
    assert done is not None
    token, session = done
    assert session.actor.user == "owner" and session.actor.role == Role.ADMIN and session.local
    assert web.session(token) == session
    assert web.sign_in(link) is None, "a link works once"


def test_only_hashes_of_links_and_sessions_are_stored(store: Store, clock: FakeClock) -> None:
    web = _web(store, clock)
    link = web.issue_local_link()
    token, _ = web.sign_in(link) or (None, None)
    assert token is not None
    with store.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(sa.select(signin_links.c.token_hash))]
        stored += [r[0] for r in conn.execute(sa.select(web_sessions.c.token_hash))]
    assert link not in stored and token not in stored
    assert hashlib.sha256(link.encode()).hexdigest() in stored


def test_a_link_expires_and_a_session_expires(store: Store, clock: FakeClock) -> None:
    web = _web(store, clock)
    late = web.issue_local_link()
    clock.advance(web.link_ttl + timedelta(seconds=1))
    assert web.sign_in(late) is None
    token, _ = web.sign_in(web.issue_local_link()) or (None, None)
    assert token is not None
    clock.advance(web.session_ttl + timedelta(seconds=1))
    assert web.session(token) is None


def test_a_wrong_or_absurd_token_signs_no_one_in(store: Store, clock: FakeClock) -> None:
    web = _web(store, clock)
    web.issue_local_link()
    assert web.sign_in("guess") is None
    assert web.sign_in("x" * 10_000) is None
    assert web.session(None) is None and web.session("guess") is None


def test_sign_out_ends_only_that_session(store: Store, clock: FakeClock) -> None:
    web = _web(store, clock)
    first, _ = web.sign_in(web.issue_local_link()) or ("", None)
    second, _ = web.sign_in(web.issue_local_link()) or ("", None)
    web.sign_out(first)
    assert web.session(first) is None
    assert web.session(second) is not None


def test_a_demoted_person_is_signed_out_and_a_promoted_one_gains_the_role(
    store: Store, clock: FakeClock
) -> None:
    web = _web(store, clock)
    store.add_identity("slack", "U1", role="member", now=clock.now())
    token, session = web.sign_in(web.issue_link("slack:U1")) or ("", None)
    assert session is not None and session.actor.role == Role.MEMBER
    store.set_role("slack:U1", "admin")
    promoted = web.session(token)
    assert promoted is not None and promoted.actor.role == Role.ADMIN
    store.set_role("slack:U1", "viewer")
    assert web.session(token) is None
    store.set_role("slack:U1", "member")
    assert web.session(token) is None, "the ended session stays ended"


def test_a_removed_person_is_signed_out_at_once(store: Store, clock: FakeClock) -> None:
    web = _web(store, clock)
    store.add_identity("telegram", "42", role="member", now=clock.now())
    token, _ = web.sign_in(web.issue_link("telegram:42")) or ("", None)
    with store.engine.begin() as conn:  # what removing a person does to their rows
        conn.execute(sa.text("DELETE FROM identities WHERE user_id = 'telegram:42'"))
        conn.execute(users.delete().where(users.c.user_id == "telegram:42"))
    assert web.session(token) is None


def test_a_local_session_ends_when_the_install_changes_hands(store: Store, clock: FakeClock) -> None:
    token, _ = _web(store, clock).sign_in(_web(store, clock).issue_local_link()) or ("", None)
    other = WebAccess(store, clock=clock, local_user="someone-else")
    assert other.session(token) is None


def test_the_service_signs_in_and_records_it_in_the_audit_log(service: Service) -> None:
    service.web.local_user = "owner"
    assert service.web.sign_in(service.web.issue_local_link()) is not None
    entries = service.store.list_audit(limit=5)
    assert entries[0]["action"] == "dashboard_sign_in" and entries[0]["actor"] == "owner"

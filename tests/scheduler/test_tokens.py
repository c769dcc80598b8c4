"""API tokens through the service, on real SQLite and PostgreSQL: only a hash is kept, a token
acts with its person's role as it is now, and revoked, expired or orphaned tokens let no one in."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.clock import FakeClock
from scheduler.errors import Conflict, InvalidRequest, NotFound, PermissionDenied
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

ADMIN = Actor("boss", Role.ADMIN)


@pytest.fixture
def service(store: Store, clock: FakeClock) -> Service:
    store.add_identity("cli", "boss", role="admin", now=clock.now(), user_id="boss")
    store.add_identity("slack", "UVIEW", role="viewer", now=clock.now(), display_name="vera")
    store.add_identity("slack", "UMEM", role="member", now=clock.now(), display_name="max")
    return Service(store, clock=clock)


def test_a_token_is_shown_once_and_only_its_hash_is_stored(service: Service, store: Store) -> None:
    info, token = service.create_token("vera", actor=ADMIN, name="ci")
    assert token.startswith("cp_") and len(token) >= 40
    assert info.record.user_id == "slack:UVIEW" and info.state == "active"
    assert token not in str(info.as_dict()) and info.record.prefix == token[:7]
    with store.engine.connect() as conn:
        rows = [tuple(str(v) for v in r) for r in conn.execute(sa.text("SELECT * FROM api_tokens"))]
    assert not any(token in v for row in rows for v in row)
    assert any(hashlib.sha256(token.encode()).hexdigest() in row for row in rows)


def test_a_token_acts_with_its_persons_current_role(service: Service, store: Store) -> None:
    _, token = service.create_token("slack:UMEM", actor=ADMIN)
    actor = service.authenticate(token)
    assert actor is not None and actor.user == "slack:UMEM" and actor.role == Role.MEMBER
    store.set_role("slack:UMEM", "viewer")  # demoted: the very next request is a viewer's
    actor = service.authenticate(token)
    assert actor is not None and actor.role == Role.VIEWER
    with store.engine.begin() as conn:  # removed: refused
        conn.execute(sa.text("DELETE FROM identities WHERE user_id = 'slack:UMEM'"))
        conn.execute(sa.text("DELETE FROM users WHERE user_id = 'slack:UMEM'"))
    assert service.authenticate(token) is None


def test_revoked_expired_and_unknown_tokens_are_refused(service: Service, clock: FakeClock) -> None:
    _, short = service.create_token("max", actor=ADMIN, name="short", expires_in=timedelta(days=30))
    _, kept = service.create_token("max", actor=ADMIN, name="kept")
    assert service.authenticate(short) is not None
    clock.advance(timedelta(days=30))
    assert service.authenticate(short) is None
    assert [t.state for t in service.list_tokens(actor=ADMIN)] == ["expired", "active"]
    assert service.revoke_token("kept", actor=ADMIN).state == "revoked"
    assert service.authenticate(kept) is None
    assert service.authenticate(kept[:-1] + ("A" if kept[-1] != "A" else "B")) is None
    assert service.authenticate("") is None and service.authenticate("Bearer x" * 100) is None


def test_only_admins_make_tokens_for_others_and_people_see_only_their_own(service: Service) -> None:
    member = Actor("slack:UMEM", Role.MEMBER)
    with pytest.raises(PermissionDenied):
        service.create_token("vera", actor=member)
    own, _ = service.create_token("slack:UMEM", actor=member, name="mine")
    service.create_token("vera", actor=ADMIN, name="hers")
    assert [t.record.name for t in service.list_tokens(actor=member)] == ["mine"]
    assert len(service.list_tokens(actor=ADMIN)) == 2
    with pytest.raises(NotFound):  # another person's token is not even named
        service.revoke_token("hers", actor=member)
    assert service.revoke_token(str(own.record.token_id), actor=member).state == "revoked"
    with pytest.raises(PermissionDenied):
        service.create_token("slack:UMEM", actor=Actor("slack:UMEM", Role.MEMBER, ai_run_id=7))


def test_token_names_are_checked_and_last_use_is_noted(service: Service, clock: FakeClock) -> None:
    with pytest.raises(NotFound):
        service.create_token("nobody", actor=ADMIN)
    with pytest.raises(InvalidRequest):
        service.create_token("max", actor=ADMIN, name="123")
    with pytest.raises(InvalidRequest):
        service.create_token("max", actor=ADMIN, expires_in=timedelta(0))
    info, token = service.create_token("max", actor=ADMIN)
    assert info.record.name == "token-1"
    with pytest.raises(Conflict):
        service.create_token("max", actor=ADMIN, name="token-1")
    service.authenticate(token)
    assert service.list_tokens(actor=ADMIN)[0].record.last_used_at == clock.now()


def test_the_local_admin_gets_a_person_row_with_their_first_token(store: Store, clock: FakeClock) -> None:
    service = Service(store, clock=clock)
    _, token = service.create_token("tester", actor=Actor("tester", Role.ADMIN))
    actor = service.authenticate(token)
    assert actor is not None and actor.user == "tester" and actor.role == Role.ADMIN
    with pytest.raises(NotFound):  # a member can't conjure a person by naming themselves
        service.create_token("someone", actor=Actor("someone", Role.MEMBER))


def test_tokens_made_and_revoked_reach_the_audit_trail_and_a_removed_persons_token_stops(
    service: Service, store: Store
) -> None:
    info, _ = service.create_token("max", actor=ADMIN, name="ci")
    service.revoke_token("ci", actor=ADMIN)
    entries = service.audit(actor=ADMIN, actions=["token_created", "token_revoked"])
    assert {(e["action"], e["after"]["user"], e["after"]["token_id"]) for e in entries} == {
        ("token_created", "slack:UMEM", info.record.token_id), ("token_revoked", "slack:UMEM", info.record.token_id)}
    assert service.verify_audit(actor=ADMIN)[1] is None  # the chain holds
    _, kept = service.create_token("max", actor=ADMIN, name="kept")
    assert service.authenticate(kept) is not None
    service.remove_person("slack:UMEM", actor=ADMIN)  # the row stays (the audit names them)
    assert service.authenticate(kept) is None


def test_a_page_of_tasks_includes_those_shared_with_the_person(service: Service) -> None:
    spec = service.build_spec({"name": "backup", "action": {"kind": "noop"}})
    shared = service.create_task(spec, actor=ADMIN)
    service.create_task(service.build_spec({"name": "other", "action": {"kind": "noop"}}), actor=ADMIN)
    member = Actor("slack:UMEM", Role.MEMBER)
    assert service.page_tasks(actor=member) == (0, [])
    service.create_group("ops", actor=ADMIN)
    service.set_group_member("ops", "slack:UMEM", member=True, actor=ADMIN)
    service.share_task("backup", "ops", "read", actor=ADMIN)
    total, page = service.page_tasks(actor=member)
    assert total == 1 and [t.task_id for t in page] == [shared.task_id]
    assert [t.name for t in service.page_tasks(actor=member, owner="boss")[1]] == ["backup"]

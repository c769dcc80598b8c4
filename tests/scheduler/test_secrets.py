"""Secrets through the service, on SQLite and PostgreSQL: who may set, list and delete them,
references checked at creation, values never stored or listed in clear."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from scheduler.errors import InvalidRequest, NotFound, PermissionDenied, SecretUnreadable
from scheduler.models import TaskStatus
from scheduler.secret_box import SecretBox
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

ALICE = Actor("alice", Role.MEMBER)
BOB = Actor("bob", Role.MEMBER)
ADMIN = Actor("root", Role.ADMIN)
VIEWER = Actor("vera", Role.VIEWER)
AI = Actor("alice", Role.MEMBER, ai_run_id=77)
VALUE = "ghp_canary_4c1f9e2a"


def http_spec(service: Service, name: str, header: str = "Bearer {{ secrets.TOKEN }}"):
    return service.build_spec({
        "name": name, "triggers": [{"kind": "cron", "expression": "0 9 * * *"}],
        "action": {"kind": "http", "url": "https://example.com/hook", "headers": {"Authorization": header}},
    })


def test_secret_is_stored_encrypted_and_listed_without_its_value(service: Service, store: Store) -> None:
    info, created = service.set_secret("TOKEN", VALUE, actor=ALICE)
    assert created and info.scope == "user" and info.owner == "alice"
    with store.engine.connect() as conn:
        rows = [tuple(str(v) for v in r) for r in conn.execute(sa.text("SELECT * FROM secrets"))]
    assert rows and not any(VALUE in cell for row in rows for cell in row)
    listed = service.list_secrets(actor=ALICE)
    assert [s.name for s in listed] == ["TOKEN"]
    assert VALUE not in repr(listed) and VALUE not in str([s.as_dict() for s in listed])
    assert service.resolve_secrets("alice", {"TOKEN"}) == {"TOKEN": VALUE}


def test_setting_again_replaces_the_value_for_the_next_run(service: Service) -> None:
    service.set_secret("TOKEN", "first-value", actor=ALICE)
    info, created = service.set_secret("TOKEN", "second-value", actor=ALICE)
    assert not created and info.updated_at >= info.created_at
    assert service.resolve_secrets("alice", {"TOKEN"}) == {"TOKEN": "second-value"}


def test_a_persons_secret_is_theirs_and_shared_ones_are_everyones(service: Service) -> None:
    service.set_secret("TOKEN", "alice-value", actor=ALICE)
    service.set_secret("TOKEN", "shared-value", actor=ADMIN, shared=True)
    service.set_secret("ONLY_SHARED", "shared-only", actor=ADMIN, shared=True)
    assert service.resolve_secrets("alice", {"TOKEN", "ONLY_SHARED"}) == {
        "TOKEN": "alice-value", "ONLY_SHARED": "shared-only"}  # own first, then shared
    assert service.resolve_secrets("bob", {"TOKEN"}) == {"TOKEN": "shared-value"}
    assert service.resolve_secrets("alice", {"TOKEN"}, shared_only=True) == {"TOKEN": "shared-value"}
    assert {(s.name, s.scope) for s in service.list_secrets(actor=BOB)} == {
        ("TOKEN", "shared"), ("ONLY_SHARED", "shared")}
    assert len(service.list_secrets(actor=ADMIN)) == 3


def test_bob_cannot_use_or_see_alices_secret(service: Service) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    assert service.list_secrets(actor=BOB) == []
    with pytest.raises(InvalidRequest, match="unknown secret 'TOKEN'"):
        service.create_task(http_spec(service, "steal"), actor=BOB)
    with pytest.raises(InvalidRequest, match="not set"):
        service.resolve_secrets("bob", {"TOKEN"})
    with pytest.raises(NotFound):
        service.delete_secret("TOKEN", actor=BOB)


@pytest.mark.parametrize(("actor", "shared", "match"), [
    (VIEWER, False, "viewers"),
    (AI, False, "AI runs"),
    (ALICE, True, "only an admin"),
])
def test_who_may_not_set_a_secret(service: Service, store: Store, actor: Actor, shared: bool,
                                  match: str) -> None:
    with pytest.raises(PermissionDenied, match=match):
        service.set_secret("TOKEN", VALUE, actor=actor, shared=shared)
    assert store.count_secrets() == 0
    assert store.list_audit(limit=10)[0]["decision"] == "refused"


def test_admins_delete_shared_and_others_secrets_and_members_only_their_own(service: Service) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    service.set_secret("SHARED", VALUE, actor=ADMIN, shared=True)
    with pytest.raises(PermissionDenied):
        service.delete_secret("SHARED", actor=ALICE, shared=True)
    with pytest.raises(PermissionDenied):
        service.delete_secret("TOKEN", actor=BOB, owner="alice")
    service.delete_secret("TOKEN", actor=ADMIN, owner="alice")
    service.delete_secret("SHARED", actor=ADMIN, shared=True)
    assert service.list_secrets(actor=ADMIN) == []


def test_deleting_a_secret_names_the_tasks_that_use_it(service: Service) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    service.create_task(http_spec(service, "hook"), actor=ALICE)
    users = service.delete_secret("TOKEN", actor=ALICE)
    assert [t.name for t in users] == ["hook"]


@pytest.mark.parametrize(("name", "value", "match"), [
    ("1BAD", VALUE, "not a secret name"),
    ("has-dash", VALUE, "not a secret name"),
    ("OK", "abc", "4 characters"),
    ("OK", "x" * 70_000, "KiB"),
])
def test_bad_names_and_values_are_refused(service: Service, name: str, value: str, match: str) -> None:
    with pytest.raises(InvalidRequest, match=match):
        service.set_secret(name, value, actor=ALICE)


@pytest.mark.parametrize("action", [
    {"kind": "reminder", "message": "your token is {{ secrets.TOKEN }}"},
    {"kind": "ai", "prompt": "use {{ secrets.TOKEN }}"},
    {"kind": "shell", "argv": ["curl", "-H", "{{ secrets.TOKEN }}"]},
    {"kind": "email", "to": ["a@example.com"], "subject": "s", "body": "{{ secrets.TOKEN }}"},
    {"kind": "http", "url": "https://example.com/", "headers": {"X": "{{ secrets.TOKEN | upper }}"}},
])
def test_a_secret_is_refused_where_it_would_be_shown_or_unchecked(service: Service, action) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    spec = service.build_spec({"name": "x", "triggers": [{"kind": "cron", "expression": "0 9 * * *"}],
                               "action": action})
    with pytest.raises(InvalidRequest, match="secret"):
        service.create_task(spec, actor=ALICE)
    assert service.list_tasks() == []


def test_a_task_stores_the_reference_never_the_value(service: Service, store: Store) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    task = service.create_task(http_spec(service, "hook"), actor=ALICE)
    assert task.action.headers["Authorization"] == "Bearer {{ secrets.TOKEN }}"
    assert VALUE not in task.model_dump_json()
    with store.engine.connect() as conn:
        definition = conn.execute(sa.text("SELECT definition FROM tasks")).scalar_one()
    assert VALUE not in str(definition)


def test_an_edit_checks_references_against_the_owner_not_the_editor(service: Service) -> None:
    service.set_secret("ADMINS_OWN", VALUE, actor=ADMIN)
    service.create_task(http_spec(service, "hook", header="none"), actor=ALICE)
    with pytest.raises(InvalidRequest, match="unknown secret 'ADMINS_OWN'"):
        service.update_task("hook", {"action": {"kind": "http", "url": "https://example.com/",
                                                "headers": {"A": "{{ secrets.ADMINS_OWN }}"}}},
                            actor=ADMIN)


def test_an_ai_created_task_using_a_secret_waits_for_a_person(service: Service) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    spec = service.build_spec({
        "name": "ai hook", "triggers": [{"kind": "cron", "expression": "0 9 * * *"}],
        "action": {"kind": "shell", "argv": ["env"], "env": {"TOKEN": "{{ secrets.TOKEN }}"}},
    })
    service.spawn_policy = type(service.spawn_policy)(approval_kinds=frozenset())  # secrets alone
    task = service.create_task(spec, actor=AI)
    assert task.status == TaskStatus.PENDING_APPROVAL


def test_a_new_key_is_not_made_while_secrets_of_a_lost_one_remain(service: Service, store: Store,
                                                                  tmp_path) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    key_file = service.secret_box.key_file
    assert key_file is not None
    key_file.unlink()
    fresh = Service(store, secret_box=SecretBox(key_file=key_file))
    with pytest.raises(SecretUnreadable, match="can't decrypt secret TOKEN: the secret key is missing"):
        fresh.resolve_secrets("alice", {"TOKEN"})
    with pytest.raises(SecretUnreadable, match="the secret key is missing"):
        fresh.set_secret("OTHER", VALUE, actor=ALICE)
    assert not key_file.exists()
    fresh.delete_secret("TOKEN", actor=ALICE)  # starting over works
    fresh.set_secret("OTHER", VALUE, actor=ALICE)
    assert fresh.resolve_secrets("alice", {"OTHER"}) == {"OTHER": VALUE}


def test_a_changed_key_is_named_in_the_error(service: Service, store: Store) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    other = Service(store, secret_box=SecretBox(key=Fernet.generate_key().decode()))
    other.set_secret("UNRELATED", VALUE, actor=BOB)  # a secret set under the new key is fine
    assert other.resolve_secrets("bob", {"UNRELATED"}) == {"UNRELATED": VALUE}
    with pytest.raises(SecretUnreadable, match="can't decrypt secret TOKEN: the key changed"):
        other.resolve_secrets("alice", {"TOKEN"})

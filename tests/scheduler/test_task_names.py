"""Task names are unique per owner (migration 0016), on SQLite and PostgreSQL: making a task never
says that someone else's task of that name exists, and a name resolves among the tasks the
caller can see — their own first, else the one they see, else "which one?" with ids."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import scheduler.store.base as store_base
from scheduler.errors import AmbiguousName, Conflict, InvalidRequest, NotFound, PermissionDenied
from scheduler.models import Task
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

ROOT = Actor("root", Role.ADMIN)
ADA, MIA, BOB, VIC = (Actor("ada", Role.ADMIN), Actor("mia", Role.MEMBER), Actor("bob", Role.MEMBER),
                      Actor("vic", Role.VIEWER))


@pytest.fixture
def service(store: Store) -> Service:
    service = Service(store)
    for actor in (ADA, MIA, BOB, VIC):
        service.add_person(actor.user, role=actor.role.value, actor=ROOT)
    service.create_group("team", actor=ROOT)
    for user in ("mia", "vic"):
        service.set_group_member("team", user, member=True, actor=ROOT)
    return service


def _make(service: Service, name: str, actor: Actor) -> Task:
    spec = service.build_spec({"name": name, "action": {"kind": "reminder", "message": name},
                               "triggers": [{"kind": "cron", "expression": "0 9 * * *"}]})
    return service.create_task(spec, actor=actor)


def test_two_people_may_each_have_a_backup_and_neither_learns_of_the_other(service: Service) -> None:
    mine = _make(service, "backup", MIA)
    his = _make(service, "backup", BOB)  # was: Conflict "a task named 'backup' already exists"
    assert mine.task_id != his.task_id
    with pytest.raises(Conflict, match="you already have a task named 'backup'") as again:
        _make(service, "backup", MIA)
    assert "bob" not in str(again.value)
    # each resolves "backup" to their own; nobody else's is even counted
    assert service.get_task("backup", actor=MIA).task_id == mine.task_id
    assert service.get_task("backup", actor=BOB).task_id == his.task_id
    with pytest.raises(NotFound) as hidden:
        service.get_task("backup", actor=VIC)
    with pytest.raises(NotFound) as ghost:
        service.get_task("no such task", actor=VIC)
    assert str(hidden.value).replace("backup", "X") == str(ghost.value).replace("no such task", "X")
    # renaming into a name only someone else uses is allowed too
    other = _make(service, "tidy", BOB)
    assert service.update_task(str(other.task_id), {"name": "report"}, actor=BOB).name == "report"
    _make(service, "report", MIA)
    with pytest.raises(Conflict, match="already has a task named 'backup'"):
        service.update_task(str(other.task_id), {"name": "backup"}, actor=BOB)
    service.remove_person("mia", actor=ROOT)  # removed: refused, even their own task by name
    with pytest.raises(PermissionDenied, match="no longer has access"):
        service.get_task("backup", actor=MIA)


def test_an_admin_who_sees_both_is_asked_which_by_id(service: Service) -> None:
    mine = _make(service, "backup", MIA)
    his = _make(service, "backup", BOB)
    with pytest.raises(AmbiguousName) as which:
        service.pause_task("backup", actor=ADA)
    assert which.value.task_ids == (mine.task_id, his.task_id)
    assert f"#{mine.task_id} (mia's)" in str(which.value) and f"#{his.task_id} (bob's)" in str(which.value)
    assert isinstance(which.value, InvalidRequest)  # CLI exit 2, HTTP 422
    assert all(t.status == "active" for t in service.list_tasks())  # nothing changed
    theirs = _make(service, "backup", ADA)  # the admin's own comes first
    assert service.pause_task("backup", actor=ADA).task_id == theirs.task_id
    assert service.get_task(str(his.task_id), actor=ADA).task_id == his.task_id  # ids always work


def test_a_shared_task_resolves_by_name_until_the_person_has_their_own(service: Service) -> None:
    his = _make(service, "report", BOB)
    service.share_task(str(his.task_id), "team", "read", actor=BOB)
    assert service.get_task("report", actor=MIA).task_id == his.task_id
    assert service.get_task("report", actor=VIC).task_id == his.task_id
    mine = _make(service, "report", MIA)
    assert service.get_task("report", actor=MIA).task_id == mine.task_id
    service.share_task(str(mine.task_id), "team", "read", actor=MIA)
    with pytest.raises(AmbiguousName, match="2 tasks you can see are named 'report'"):
        service.get_task("report", actor=VIC)  # two people's shared tasks: vic says which
    # an outcome listener names the task the same way (its own first)
    spec = service.build_spec({"name": "on report", "action": {"kind": "noop"},
                               "triggers": [{"kind": "event", "event": "task.failed:report"}]})
    listener = service.create_task(spec, actor=MIA)
    assert listener.triggers[0].event == f"task.failed:{mine.task_id}"


def test_look_alike_names_are_checked_only_among_what_the_owner_sees(service: Service) -> None:
    _make(service, "backup", MIA)
    cyrillic = "b\u0430ckup"  # a Cyrillic "а": looks like "backup"
    assert _make(service, cyrillic, BOB).name == cyrillic  # mia's task is invisible to bob
    with pytest.raises(InvalidRequest, match="looks like the existing task 'backup'"):
        _make(service, cyrillic, MIA)


def test_migration_0016_lets_owners_share_a_name_and_keeps_each_owners_unique(store_url: str) -> None:
    """From 0015 (names unique across everyone) to 0016 and back, on both databases."""
    store = Store(store_url)
    config = Config()
    config.set_main_option("script_location", str(Path(store_base.__file__).parent / "migrations"))
    try:
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0015")
        insert = sa.text("INSERT INTO tasks (name, owner, timezone, status, enabled, action_kind, definition, "
                         "created_by, modified_by, created_at, updated_at, revision, spawn_depth) VALUES "
                         "(:name, :owner, 'UTC', 'active', true, 'noop', '{}', :owner, :owner, "
                         "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, 0)")
        with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
            conn.execute(insert, {"name": "backup", "owner": "mia"})
            conn.execute(insert, {"name": "backup", "owner": "bob"})
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        with store.engine.begin() as conn:
            conn.execute(insert, {"name": "backup", "owner": "mia"})
            conn.execute(insert, {"name": "backup", "owner": "bob"})
        with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
            conn.execute(insert, {"name": "backup", "owner": "mia"})
        with store.engine.connect() as conn:
            owners = conn.execute(sa.text("SELECT owner FROM tasks WHERE name = 'backup' ORDER BY task_id")).scalars()
            assert list(owners) == ["mia", "bob"]
    finally:
        store.close()

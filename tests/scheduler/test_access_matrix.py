"""Every cell of the permission matrix (tests/access_matrix.py), through the service.

People: ada (admin), otto (operator), mia (member), vic (viewer), all in the groups "readers"
and "managers"; bob (member) owns the tasks that are "other's" or shared. Each cell makes a
fresh target task, so cells don't depend on each other. Two more columns are walked for every
task operation: a session that still claims admin for a person now a viewer (the stored role
wins at once), and a removed person (refused everywhere).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from access_matrix import OTHER_OPERATIONS, ROLES, TASK_OPERATIONS, WHOSE, render

from scheduler.access import Actor, Role
from scheduler.clock import FakeClock
from scheduler.errors import NotFound, PermissionDenied
from scheduler.models import RunReason, RunStatus, Task, TaskStatus
from scheduler.secret_box import SecretBox
from scheduler.service import Service
from scheduler.store import NewRun, Store

PEOPLE = {"admin": "ada", "operator": "otto", "member": "mia", "viewer": "vic"}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "access.md"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Store]]:
    folder = tmp_path_factory.mktemp("matrix")
    store = Store(f"sqlite:///{folder / 'cronpilot.db'}")
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    service = Service(store, clock=clock, sql_databases=["app"], internal_hosts=["intranet.example"],
                      secret_box=SecretBox(key_file=folder / "secret.key"))
    root = Actor("root", Role.ADMIN)
    for role, user in PEOPLE.items():
        service.add_person(user, role=role, actor=root)
    service.add_person("bob", role="member", actor=root)
    service.add_person("gone", role="member", actor=root)
    for group in ("readers", "managers"):
        service.create_group(group, actor=root)
        for user in [*PEOPLE.values(), "gone"]:
            service.set_group_member(group, user, member=True, actor=root)
    service.remove_person("gone", actor=root)
    yield service, store
    store.close()


def _target(service: Service, store: Store, owner: str, whose: str, *, kind: str = "noop",
            status: TaskStatus = TaskStatus.ACTIVE) -> Task:
    action: dict[str, Any] = {"kind": "noop"}
    if kind == "shell":
        action = {"kind": "shell", "argv": ["true"]}
    elif kind == "http":
        action = {"kind": "http", "url": "https://example.com/"}
    spec = service.build_spec({"name": f"t{next(_names)}", "action": action,
                               "triggers": [{"kind": "cron", "expression": "0 9 * * *"}]})
    task = store.add_task(spec, owner=owner, actor=owner, now=service.clock.now(), status=status)
    if whose in ("shared read", "shared manage"):
        group = "readers" if whose == "shared read" else "managers"
        store.share_task(task.task_id, group, "read" if whose == "shared read" else "manage", now=service.clock.now())
    return task


def _run(store: Store, task: Task) -> int:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    return store.add_run(NewRun(task_id=task.task_id, status=RunStatus.PENDING, reason=RunReason.MANUAL,
                                due_at=now), now=now).run_id


def _listen(service: Service, actor: Actor, task: Task) -> None:
    spec = service.build_spec({"name": f"l{next(_names)}", "action": {"kind": "noop"},
                               "triggers": [{"kind": "event", "event": f"task.failed:{task.task_id}"}]})
    service.create_task(spec, actor=actor)


def _listed(service: Service, actor: Actor, task: Task) -> None:
    if task.task_id not in {t.task_id for t in service.list_tasks(actor=actor)}:
        raise NotFound("not listed")


def _logs(service: Service, actor: Actor, task: Task, store: Store) -> None:
    run_id = _run(store, task)
    service.list_runs(actor=actor, task=str(task.task_id))
    service.read_log(run_id, actor=actor)


def _reject(service: Service, actor: Actor, task: Task) -> None:
    service.reject_task(str(task.task_id), actor=actor)  # returns the (pending) task it deleted


TaskOp = Callable[[Service, Actor, Task, Store], Any]
OPS: dict[str, tuple[TaskOp, dict[str, Any]]] = {
    "see a task (get_task)": (lambda s, a, t, st: s.get_task(t.task_id, actor=a), {}),
    "find it in the task list (list_tasks)": (lambda s, a, t, st: _listed(s, a, t), {}),
    "read its runs and logs (list_runs, read_log)": (lambda s, a, t, st: _logs(s, a, t, st), {}),
    "ask who can see it (who_can_see)": (lambda s, a, t, st: s.who_can_see(str(t.task_id), actor=a), {}),
    "read its audit entries (audit --task)": (lambda s, a, t, st: s.audit(actor=a, task=str(t.task_id)), {}),
    "listen to its outcome (task.failed:<task>)": (lambda s, a, t, st: _listen(s, a, t), {}),
    "edit it (update_task)": (lambda s, a, t, st: s.update_task(str(t.task_id), {"name": f"r{next(_names)}"}, actor=a), {}),
    "pause it": (lambda s, a, t, st: s.pause_task(str(t.task_id), actor=a), {}),
    "resume it": (lambda s, a, t, st: s.resume_task(str(t.task_id), actor=a), {"status": TaskStatus.PAUSED}),
    "run it now": (lambda s, a, t, st: s.run_now(str(t.task_id), actor=a), {}),
    "cancel its run": (lambda s, a, t, st: s.cancel_run(_run(st, t), actor=a), {}),
    "make it run after another task (add_dependency)": (
        lambda s, a, t, st: s.add_dependency(str(t.task_id), str(_target(s, st, a.user, "own").task_id), actor=a), {}),
    "delete it": (lambda s, a, t, st: s.delete_task(str(t.task_id), actor=a), {}),
    "share it with a group": (lambda s, a, t, st: s.share_task(str(t.task_id), "readers", "read", actor=a), {}),
    "change where it delivers (set_delivery)": (
        lambda s, a, t, st: s.set_delivery(str(t.task_id), {"platform": "email", "address": "x@example.com"}, actor=a), {}),
    "approve it: runs code (shell, writing SQL, internal http)": (
        lambda s, a, t, st: s.approve_task(str(t.task_id), actor=a), {"kind": "shell", "status": TaskStatus.PENDING_APPROVAL}),
    "approve it: anything else (an AI-made check, content from fetched data)": (
        lambda s, a, t, st: s.approve_task(str(t.task_id), actor=a), {"kind": "http", "status": TaskStatus.PENDING_APPROVAL}),
    "turn it down while it waits for approval (reject_task)": (
        lambda s, a, t, st: _reject(s, a, t), {"kind": "shell", "status": TaskStatus.PENDING_APPROVAL}),
}


def _outcome(call: Callable[[], Any]) -> str:
    try:
        result = call()
    except PermissionDenied:
        return "denied"
    except NotFound:
        return "hidden"
    if isinstance(result, Task) and result.status == TaskStatus.PENDING_APPROVAL:
        return "pending"
    return "ok"


def test_the_table_names_every_operation_once() -> None:
    assert set(OPS) == set(TASK_OPERATIONS)


TASK_CELLS = [(op, role, i) for op in TASK_OPERATIONS for role in ROLES for i in range(len(WHOSE))]


@pytest.mark.parametrize(("operation", "role", "column"), TASK_CELLS,
                         ids=[f"{o[:24]}-{r}-{WHOSE[i]}" for o, r, i in TASK_CELLS])
def test_task_cell(world: tuple[Service, Store], operation: str, role: str, column: int) -> None:
    service, store = world
    user = PEOPLE[role]
    call, options = OPS[operation]
    whose = WHOSE[column]
    task = _target(service, store, user if whose == "own" else "bob", whose, **options)
    actor = Actor(user, Role(role), origin={"via": "test"})
    assert _outcome(lambda: call(service, actor, task, store)) == TASK_OPERATIONS[operation][role][column]


@pytest.mark.parametrize("operation", list(TASK_OPERATIONS))
def test_a_session_that_still_claims_admin_gets_the_viewer_it_now_is(world: tuple[Service, Store], operation: str) -> None:
    """vic's session (a token, a dashboard cookie) was issued when vic was an admin: the role
    stored now wins on the very next call."""
    service, store = world
    call, options = OPS[operation]
    for column, whose in enumerate(WHOSE):
        task = _target(service, store, "vic" if whose == "own" else "bob", whose, **options)
        stale = Actor("vic", Role.ADMIN)
        assert _outcome(lambda t=task, a=stale: call(service, a, t, store)) == TASK_OPERATIONS[operation]["viewer"][column]


@pytest.mark.parametrize("operation", list(TASK_OPERATIONS))
def test_a_removed_person_is_refused_everything(world: tuple[Service, Store], operation: str) -> None:
    service, store = world
    call, options = OPS[operation]
    for whose in WHOSE:
        task = _target(service, store, "gone" if whose == "own" else "bob", whose, **options)
        with pytest.raises(PermissionDenied, match="no longer has access"):
            call(service, Actor("gone", Role.MEMBER), task, store)


def _create(kind: str) -> Callable[[Service, Actor], Any]:
    actions = {
        "reminder": {"kind": "reminder", "message": "hi"},
        "shell": {"kind": "shell", "argv": ["./backup.sh"], "cwd": "/tmp"},
        "sql": {"kind": "sql", "database": "app", "statement": "delete from t", "allow_writes": True},
        "internal": {"kind": "http", "url": "http://intranet.example/reset"},
    }

    def create(service: Service, actor: Actor) -> Task:
        spec = service.build_spec({"name": f"c{next(_names)}", "action": actions[kind],
                                   "triggers": [{"kind": "cron", "expression": "0 9 * * *"}]})
        return service.create_task(spec, actor=actor)

    return create


def _people(service: Service, actor: Actor) -> None:
    name = f"p{next(_names)}"
    service.add_person(name, role="member", actor=actor)
    service.set_role(name, "viewer", actor=actor)
    service.remove_person(name, actor=actor)


def _groups(service: Service, actor: Actor) -> None:
    name = f"g{next(_names)}"
    service.create_group(name, actor=actor)
    service.set_group_member(name, "bob", member=True, actor=actor)
    service.set_group_member(name, "bob", member=False, actor=actor)


def _webhooks(service: Service, actor: Actor) -> None:
    event = f"deploy.n{next(_names)}"
    service.create_webhook(event, actor=actor)
    service.list_webhooks(actor=actor)
    service.delete_webhook(event, actor=actor)


OTHER_OPS: dict[str, Callable[[Service, Actor], Any]] = {
    "create a reminder, email, AI or public http task": _create("reminder"),
    "create a shell task": _create("shell"),
    "create a writing SQL task": _create("sql"),
    "create an http task to an internal host": _create("internal"),
    "emit an event (fires their own and manage-shared listeners; an admin's: all)": lambda s, a: s.emit("x.y", actor=a),
    "list people and groups": lambda s, a: (s.list_people(actor=a), s.list_groups(actor=a)),
    "add a person, change a role, remove a person": _people,
    "make groups, add and take out members": _groups,
    "create, list, delete webhooks": _webhooks,
    "verify the audit trail's hash chain": lambda s, a: s.verify_audit(actor=a),
}
OTHER_CELLS = [(op, role) for op in OTHER_OPERATIONS for role in ROLES]


def test_the_other_table_names_every_operation_once() -> None:
    assert set(OTHER_OPS) == set(OTHER_OPERATIONS)


@pytest.mark.parametrize(("operation", "role"), OTHER_CELLS, ids=[f"{o[:24]}-{r}" for o, r in OTHER_CELLS])
def test_other_cell(world: tuple[Service, Store], operation: str, role: str) -> None:
    service, _store = world
    actor = Actor(PEOPLE[role], Role(role))
    assert _outcome(lambda: OTHER_OPS[operation](service, actor)) == OTHER_OPERATIONS[operation][role]


def test_the_docs_show_this_very_matrix() -> None:
    text = DOCS.read_text()
    start, end = "<!-- matrix:start -->", "<!-- matrix:end -->"
    shown = text[text.index(start) + len(start): text.index(end)].strip()
    assert shown == render(), "docs/access.md is out of date: paste access_matrix.render() between the markers"

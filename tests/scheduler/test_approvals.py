"""Admins are told, once, that a task waits for their approval (scheduler/approvals.py): each in
their own chat, through the notifier every notice takes, whichever process made the task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.delivery import DeliveryFailed, DeliveryRouter
from scheduler.approvals import ApprovalWatch
from scheduler.clock import FakeClock
from scheduler.models import TaskStatus
from scheduler.ports import Notification
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

ROOT = Actor("root", Role.ADMIN)
MIA = Actor("mia", Role.MEMBER, origin={"via": "cli-command"})


class Recorder:
    """A ``Notifier`` that keeps what it is given; refuses platforms listed in ``refuse``."""

    def __init__(self, refuse: Sequence[str] = ()) -> None:
        self.sent: list[Notification] = []
        self.refuse = set(refuse)

    async def notify(self, notification: Notification) -> None:
        if notification.destination.get("platform") in self.refuse:
            raise DeliveryFailed(f"the {notification.destination['platform']} connector is not configured here")
        self.sent.append(notification)


def _service(store: Store, clock: FakeClock) -> Service:
    service = Service(store, clock=clock)
    service.add_person("ada", role="admin", slack="UADA", actor=ROOT)
    service.add_person("tom", role="admin", telegram="4242", actor=ROOT)
    service.add_person("eve", role="admin", email="eve@example.com", actor=ROOT)
    service.add_person("mia", role="member", slack="UMIA", actor=ROOT)
    service.add_person("vic", role="viewer", slack="UVIC", actor=ROOT)
    return service


def _shell(service: Service, name: str, *, actor: Actor = MIA) -> int:
    spec = service.build_spec({"name": name, "action": {"kind": "shell", "argv": ["./backup.sh"], "cwd": "/tmp"},
                               "triggers": [{"kind": "cron", "expression": "0 3 * * *"}]})
    task = service.create_task(spec, actor=actor)
    assert task.status == TaskStatus.PENDING_APPROVAL
    return task.task_id


async def test_each_admin_is_told_once_in_their_own_chat(store: Store, clock: FakeClock) -> None:
    service = _service(store, clock)
    watch = ApprovalWatch(service, Recorder())
    assert await watch.check() == 0  # the first look: nothing waits yet
    task_id = _shell(service, "backup")
    reminder = service.build_spec({"name": "tea", "action": {"kind": "reminder", "message": "tea"},
                                   "triggers": [{"kind": "cron", "expression": "0 16 * * *"}]})
    service.create_task(reminder, actor=MIA)  # active: nobody to tell
    assert await watch.check() == 3
    sent = watch.notifier.sent  # type: ignore[attr-defined]
    where = {n.owner: n.destination for n in sent}
    assert where == {"ada": {"platform": "slack", "channel": "UADA"},
                     "tom": {"platform": "telegram", "chat": "4242"},
                     "eve": {"platform": "email", "address": "eve@example.com"}}
    for notice in sent:
        assert notice.task_id == task_id
        assert f"approve {task_id}" in notice.text and "backup" in notice.text and "mia" in notice.text
        assert "shell" in notice.text
    # once: the next look, a second serve process, a restart tell nobody again
    assert await watch.check() == 0
    assert await ApprovalWatch(service, Recorder()).check() == 0
    assert len(sent) == 3


async def test_an_edit_that_sends_an_approved_task_back_tells_them_again_once(store: Store, clock: FakeClock) -> None:
    service = _service(store, clock)
    watch = ApprovalWatch(service, Recorder())
    await watch.check()
    task_id = _shell(service, "backup")
    assert await watch.check() == 3
    service.approve_task(str(task_id), actor=Actor("ada", Role.ADMIN))
    service.update_task(str(task_id), {"description": "nightly"}, actor=MIA)  # no new code: stays active
    assert await watch.check() == 0
    clock.advance(60)
    service.update_task(str(task_id), {"action": {"kind": "shell", "argv": ["./other.sh"], "cwd": "/tmp"}}, actor=MIA)
    assert service.get_task(task_id).status == TaskStatus.PENDING_APPROVAL
    assert await watch.check() == 3
    service.update_task(str(task_id), {"description": "still waiting"}, actor=MIA)
    assert await watch.check() == 0


async def test_a_platform_not_served_here_falls_to_the_next_address(store: Store, clock: FakeClock) -> None:
    service = _service(store, clock)
    service.add_person("sam", role="admin", slack="USAM", email="sam@example.com", actor=ROOT)
    recorder = Recorder(refuse=["slack"])
    watch = ApprovalWatch(service, recorder)
    await watch.check()
    _shell(service, "backup")
    await watch.check()
    where = {n.owner: n.destination for n in recorder.sent}
    assert where["sam"] == {"platform": "email", "address": "sam@example.com"}
    assert where["ada"] == {"platform": "terminal"}  # Slack only, and no Slack here: the terminal


async def test_tasks_waiting_before_serve_started_are_told_on_its_first_look(store: Store, clock: FakeClock) -> None:
    service = _service(store, clock)
    task_id = _shell(service, "backup")
    watch = ApprovalWatch(service, Recorder())
    assert await watch.check() == 3
    assert {n.task_id for n in watch.notifier.sent} == {task_id}  # type: ignore[attr-defined]
    service.reject_task(str(task_id), actor=ROOT)
    assert await watch.check() == 0


class SlackLike:
    """A delivery channel recording each piece and where it went."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    def describe(self, destination: Mapping[str, str]) -> str:
        return f"slack channel {destination.get('channel')}"

    def pieces(self, notification: Notification, destination: Mapping[str, str]) -> Sequence[Any]:
        return [notification.text]

    async def send(self, piece: Any, destination: Mapping[str, str]) -> None:
        self.sent.append((piece, dict(destination)))


async def test_through_the_delivery_router_an_admin_gets_a_slack_direct_message(store: Store, clock: FakeClock) -> None:
    """The path every notice takes in ``serve``: the router, its Slack channel, the admin's id
    as the channel (a direct message) — not the member's conversation the task came from."""
    service = _service(store, clock)
    slack, console = SlackLike(), Recorder()

    async def locate(task_id: int) -> dict[str, str]:
        return service.get_task(task_id).destination

    router = DeliveryRouter(default=console, channels={"slack": slack}, locate=locate, ledger=service)
    watch = ApprovalWatch(service, router)
    await watch.check()
    spec = service.build_spec({"name": "backup", "action": {"kind": "shell", "argv": ["./b.sh"], "cwd": "/tmp"},
                               "triggers": [{"kind": "cron", "expression": "0 3 * * *"}]})
    member = Actor("mia", Role.MEMBER, origin={"via": "slack", "conversation": {"platform": "slack", "channel": "CTEAM"}})
    service.create_task(spec, actor=member, status=TaskStatus.ACTIVE)
    assert await watch.check() == 3
    assert [d for _, d in slack.sent] == [{"platform": "slack", "channel": "UADA"}]
    assert "waiting for approval" in slack.sent[0][0]
    assert {n.owner for n in console.sent} == {"tom", "eve"}  # no Telegram or email channel here


def test_a_claim_is_taken_once(store: Store, clock: FakeClock) -> None:
    taken = [store.claim_message("approval:1:first", "claimed:ada", now=clock.now()) for _ in range(2)]
    assert taken == [True, False]
    assert store.claim_message("approval:1:first", "claimed:tom", now=clock.now())


async def test_with_no_admin_person_the_terminal_is_told_once(store: Store, clock: FakeClock) -> None:
    """A fresh install run from the CLI has no admin row (its user is the admin): serve's
    terminal gets the notice instead of nobody."""
    service = Service(store, clock=clock)
    service.add_person("mia", role="member", actor=ROOT)
    watch = ApprovalWatch(service, Recorder())
    await watch.check()
    task_id = _shell(service, "backup")
    assert await watch.check() == 1
    (told,) = watch.notifier.sent  # type: ignore[attr-defined]
    assert told.destination == {"platform": "terminal"} and f"approve {task_id}" in told.text
    assert await ApprovalWatch(service, Recorder()).check() == 0

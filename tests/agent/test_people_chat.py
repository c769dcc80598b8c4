"""People and access in chat, without a model: "make @ana a viewer", "who can see the backup
task?", "who paused the backup?", "approve backup", a member's shell task waiting for an admin,
and the per-person message limit (through the chat gateway every connector uses)."""

from __future__ import annotations

import pytest

from agent.messages import InboundMessage, OutboundMessage
from connectors.chat import ChatEvent, ChatGateway
from scheduler.access import Actor, Role
from scheduler.models import TaskStatus
from scheduler.service import Service

ROOT = Actor("root", Role.ADMIN)
ADMIN = {"user": "ada", "role": "admin"}


@pytest.fixture
def people(service: Service) -> Service:
    service.add_person("ada", role="admin", actor=ROOT)
    service.add_person("alice", role="member", actor=ROOT)
    service.add_person("ana", role="member", slack="U0ANA", display_name="Ana", actor=ROOT)
    return service


async def test_an_admin_makes_ana_a_viewer_and_a_member_cant(people: Service, say) -> None:
    refused = await say("make @ana an admin")
    assert refused.text.startswith("Sorry") and "admin" in refused.text
    assert people.store.find_user("ana").role == "member"
    done = await say("make @ana a viewer", **ADMIN)
    assert "ana is now a viewer (was member)" in done.text
    assert people.store.find_user("ana").role == "viewer"
    mention = await say("make <@U0ANA> a member please", **ADMIN)
    assert "now a member" in mention.text
    assert "can't do that" in (await say("make me an admin")).text


async def test_who_can_see_the_backup_task(people: Service, say) -> None:
    await say("every night at 3 remind me to check the backup")
    task = people.list_tasks(actor=Actor("alice", Role.MEMBER))[0]
    people.create_group("ops", actor=ROOT)
    people.set_group_member("ops", "ana", member=True, actor=ROOT)
    people.share_task(str(task.task_id), "ops", "read", actor=ROOT)
    reply = await say(f"who can see the {task.name} task?")
    assert "belongs to alice" in reply.text and "ops (read only)" in reply.text and "ana" in reply.text
    hidden = await say(f"who can see {task.name}?", user="ben", role="member")
    assert hidden.text.startswith("Sorry")


async def test_who_paused_the_backup(people: Service, say) -> None:
    await say("every night at 3 remind me to check the backup")
    task = people.list_tasks(actor=Actor("alice", Role.MEMBER))[0]
    people.update_task(str(task.task_id), {"name": "backup"}, actor=ROOT)
    assert "Nobody has paused" in (await say("who paused the backup?")).text
    await say("pause backup", **ADMIN)
    reply = await say("who paused the backup?")
    assert reply.text.startswith("Ada paused 'backup'") and "via chat:slack" in reply.text


async def test_a_members_shell_task_waits_and_an_admin_approves_it_in_chat(people: Service, say) -> None:
    made = await say("every night at 3 run `./backup.sh`")
    assert "approval" in made.text
    (task,) = people.list_tasks(actor=Actor("alice", Role.MEMBER))
    assert task.status == TaskStatus.PENDING_APPROVAL
    assert (await say(f"approve {task.task_id}")).text.startswith("Sorry")
    waiting = await say("what is waiting for approval?", **ADMIN)
    assert task.name in waiting.text
    approved = await say(f"approve {task.task_id}", **ADMIN)
    assert approved.text.startswith("Approved")
    assert people.get_task(task.task_id).status == TaskStatus.ACTIVE


class _Echo:
    async def handle(self, message: InboundMessage) -> OutboundMessage:
        return OutboundMessage(f"ok {message.text}")

    async def press(self, *args, **kwargs) -> OutboundMessage:  # pragma: no cover - not pressed here
        return OutboundMessage("")


async def test_a_person_sending_too_many_messages_is_asked_to_slow_down(people: Service) -> None:
    gateway = ChatGateway(service=people, assistant=lambda: _Echo(), messages_per_minute=3)

    def event(user: str, n: int) -> ChatEvent:
        return ChatEvent(platform="slack", platform_user=user, text=f"hi {n}", conversation={"platform": "slack"},
                         conversation_id=f"slack:{user}")

    replies = [(await gateway.converse(event("U0ANA", n))).text for n in range(5)]
    assert replies[:3] == ["ok hi 0", "ok hi 1", "ok hi 2"]
    assert all(r.startswith("Slow down") for r in replies[3:])
    assert (await gateway.converse(event("U0OTHER", 9))).text == "ok hi 9"  # per person


async def test_a_removed_person_is_told_so_in_chat(people: Service) -> None:
    people.remove_person("ana", actor=ROOT)
    gateway = ChatGateway(service=people, assistant=lambda: _Echo())
    reply = await gateway.converse(ChatEvent(platform="slack", platform_user="U0ANA", text="hi",
                                             conversation={"platform": "slack"}, conversation_id="slack:x"))
    assert "removed you" in reply.text


async def test_two_people_name_a_task_alike_and_each_chat_reaches_its_own(people: Service, say) -> None:
    """Names are unique per owner: alice and ana both have "backup"; "pause backup" pauses the
    speaker's own, and an admin with none of their own is asked which one."""
    for who in (Actor("alice", Role.MEMBER), Actor("ana", Role.MEMBER)):
        spec = people.build_spec({"name": "backup", "action": {"kind": "reminder", "message": "check"},
                                  "triggers": [{"kind": "cron", "expression": "0 3 * * *"}]})
        people.create_task(spec, actor=who)
    alices, anas = (people.get_task("backup", actor=Actor(u, Role.MEMBER)) for u in ("alice", "ana"))
    assert alices.task_id != anas.task_id
    paused = await say("pause backup")
    assert "paused" in paused.text.lower(), paused.text
    assert people.get_task(alices.task_id).status == TaskStatus.PAUSED
    assert people.get_task(anas.task_id).status == TaskStatus.ACTIVE
    which = await say("pause backup", **ADMIN)
    assert f"#{alices.task_id}" in which.text and f"#{anas.task_id}" in which.text, which.text
    assert people.get_task(anas.task_id).status == TaskStatus.ACTIVE  # nothing done on a guess

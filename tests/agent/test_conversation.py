"""Multi-turn conversations with the agent driven by a scripted model: create, list, pause, ask
about failures, delete with a confirmation, approve through a button; memory per conversation."""

from __future__ import annotations

from typing import Any

from fakes.chat_model import ScriptedChatModel, by_rules, call
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

from agent.assistant import Assistant
from agent.graph import as_langchain_tool
from agent.messages import ButtonAction, InboundMessage
from scheduler.models import TaskStatus
from scheduler.service import Actor, Role
from tools.catalog import PERSON_TOOLS

ZONE = "Europe/Berlin"


def conversation_model() -> ScriptedChatModel:
    return ScriptedChatModel(respond=by_rules([
        (r"remind me (?P<when>every monday at 9am) to (?P<msg>.+)",
         lambda m: [call("create_reminder", message=m["msg"], when=m["when"])]),
        (r"list my tasks", lambda m: [call("list_tasks")]),
        (r"^pause (?P<t>.+)", lambda m: [call("pause_task", task=m["t"])]),
        (r"why did (?P<t>\w+) fail", lambda m: [call("explain_failure", task=m["t"])]),
        (r"^approve (?P<t>.+)", lambda m: [call("approve_task", task=m["t"])]),
        # An eager model asks and "confirms" in one breath; only the person's next yes counts.
        (r"^delete (?P<t>.+)", lambda m: [call("delete_task", task=m["t"]),
                                          call("delete_task", task=m["t"], confirmed=True)]),
        (r"^yes", lambda m: [call("delete_task", task="send the report", confirmed=True)]),
        (r"what did i ask", lambda m: "You asked me about your tasks."),
    ]))


async def test_conversation_creates_lists_pauses_and_explains_a_failure(say, service, history, clock):
    model = conversation_model()

    reply = await say("remind me every Monday at 9am to send the report", model=model)
    assert reply.text.startswith("Done: 'send the report'")
    assert "every Monday at 09:00, Europe/Berlin" in reply.text and "next Mon 12 Jan 09:00" in reply.text
    task = service.get_task("send the report")
    assert [t.model_dump()["expression"] for t in task.triggers] == ["0 9 * * 1"]
    assert task.timezone == ZONE and task.owner == "alice"
    assert task.origin["via"] == "slack" and task.origin["conversation"]["channel"] == "C1"
    assert task.origin["message"] == "remind me every Monday at 9am to send the report"

    listing = await say("list my tasks", model=model)
    assert "'send the report'" in listing.text and "'backup'" in listing.text

    paused = await say("pause the send the report task", model=model)
    assert "Paused 'send the report'" in paused.text
    assert service.get_task("send the report").status == TaskStatus.PAUSED
    assert [b.action for b in paused.buttons] == ["resume"]

    why = await say("why did backup fail?", model=model)
    assert "exit status 1" in why.text and "disk full" in why.text


async def test_conversation_memory_lives_in_the_store_and_survives_a_restart(say, service, store_url):
    model = conversation_model()
    await say("list my tasks", model=model)
    await say("list my tasks", model=model, conversation_id="slack:T1:C2")  # another conversation
    second = Assistant(service, model=model, default_timezone=ZONE, database_url=store_url)
    try:
        await second.handle(InboundMessage(text="what did I ask?", user="alice", conversation_id="slack:T1:C1"))
    finally:
        await second.aclose()
    humans = [m.text for m in model.seen[-1] if isinstance(m, HumanMessage)]
    assert humans == ["list my tasks", "what did I ask?"]


async def test_the_model_sees_who_speaks_in_the_prompt_but_cannot_choose_it(say):
    model = conversation_model()
    await say("list my tasks", model=model, user="alice", role="member", timezone="Asia/Tokyo")
    system = model.seen[0][0]
    assert isinstance(system, SystemMessage)
    assert "alice (role: member)" in system.text and "Asia/Tokyo" in system.text
    assert "Monday 5 January 2026, 18:00" in system.text  # "now" in the person's zone
    for definition in PERSON_TOOLS:
        schema = convert_to_openai_tool(as_langchain_tool(definition))["function"]["parameters"]
        assert not {"runtime", "user", "actor", "role"} & set(schema.get("properties", {}))


async def test_delete_waits_for_the_persons_yes_in_a_later_message(say, service, add_task, alice):
    add_task("send the report")
    model = conversation_model()
    asked = await say("delete send the report", model=model)
    assert "Confirm first" in asked.text
    assert service.get_task("send the report")  # the same-turn "confirmed" call did nothing
    done = await say("yes", model=model)
    assert "Deleted 'send the report'" in done.text
    assert service.list_tasks(actor=alice) == []


async def test_approval_needs_a_click_by_someone_allowed(say, service):
    spawned = Actor("alice", Role.MEMBER, ai_run_id=77)
    pending = service.create_task(service.build_spec({
        "name": "ping api", "triggers": [{"kind": "cron", "expression": "0 * * * *"}],
        "action": {"kind": "http", "url": "https://api.example.com/health"}}), actor=spawned)
    assert pending.status == TaskStatus.PENDING_APPROVAL
    model = conversation_model()

    reply = await say("approve ping api", model=model)
    assert reply.buttons == (ButtonAction(f"Approve #{pending.task_id}", "approve", pending.task_id),)
    assert service.get_task("ping api").status == TaskStatus.PENDING_APPROVAL  # text never approves

    assistant: Any = next(iter(say.assistants.values()))
    stranger = await assistant.press(reply.buttons[0], user="bob", role="member")
    assert "no task" in stranger.text.lower()
    viewer = await assistant.press(reply.buttons[0], user="alice", role="viewer")
    assert "viewers" in viewer.text
    approved = await assistant.press(reply.buttons[0], user="alice", role="member")
    assert approved.text.startswith("Approved 'ping api'")
    task = service.get_task("ping api")
    assert task.status == TaskStatus.ACTIVE and task.approved_by == "alice"


async def test_a_viewer_is_told_no_and_nothing_is_created(say, service):
    reply = await say("remind me every Monday at 9am to send the report", model=conversation_model(),
                      role="viewer")
    assert "viewers can look" in reply.text
    assert service.list_tasks() == []


async def test_an_unreachable_model_falls_back_to_the_offline_understanding(say, service, add_task):
    add_task("backup")

    def broken(messages: Any, tools: Any) -> Any:
        raise ConnectionError("connection refused")

    model = ScriptedChatModel(respond=broken)
    listing = await say("list my tasks", model=model)
    assert "'backup'" in listing.text and "model is unreachable" in listing.text
    other = await say("summarize my inbox", model=model)
    assert "couldn't reach the language model (ConnectionError: connection refused)" in other.text
    assert "Traceback" not in other.text


WEEKLY = {"name": "weekly report", "when": "every Friday at 4pm", "steps": [
    {"name": "gather", "kind": "ai", "template": "weekly_report"},
    {"name": "summarize", "kind": "ai", "prompt": "summarize for the team", "after": ["gather"]},
    {"name": "email", "kind": "email", "to": ["team@example.com"], "subject": "Weekly report",
     "body": "{{ steps.summarize.output }}", "after": ["summarize"]},
]}


async def test_prepare_the_weekly_report_plans_a_workflow_and_makes_it_after_approval(say, service):
    model = ScriptedChatModel(respond=by_rules([
        (r"prepare the weekly report", lambda m: [call("create_workflow", **WEEKLY)]),
        (r"^(yes|looks good)", lambda m: [call("create_workflow", **WEEKLY, confirmed=True)]),
    ]))
    plan = await say("prepare the weekly report every Friday at 4pm", model=model)
    assert "Plan for workflow 'weekly report'" in plan.text
    assert "gather\n  → summarize\n    → email" in plan.text
    assert service.list_tasks() == []
    done = await say("looks good, go ahead", model=model)
    assert done.text.startswith("Done: workflow 'weekly report' (task #1) with 3 steps")
    workflow = service.get_workflow("weekly report")
    assert workflow.graph.edges == [("gather", "summarize"), ("summarize", "email")]
    assert workflow.head.origin["message"] == "looks good, go ahead"  # the approving message


async def test_a_long_conversation_sends_the_model_only_its_recent_part(service, store_url):
    from agent.config import ChatLimits

    model = conversation_model()
    assistant = Assistant(service, model=model, default_timezone=ZONE, database_url=store_url,
                          limits=ChatLimits(history_tokens=400))
    try:
        for i in range(16):
            await assistant.handle(InboundMessage(text=f"what did I ask? ({i}) " + "words " * 20,
                                                  user="alice", conversation_id="long"))
    finally:
        await assistant.aclose()
    sent = model.seen[-1]
    assert isinstance(sent[0], SystemMessage) and isinstance(sent[1], HumanMessage)
    assert 1 < len(sent) < 20 and "(15)" in sent[-1].text
    assert not any("(0)" in m.text for m in sent)  # the checkpoint keeps it; the model doesn't get it

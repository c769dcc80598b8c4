"""What real models do, with a scripted model: malformed tool arguments, calls to tools that
don't exist, unreadable tool calls, and replies that claim an action no tool did. The person is
told what actually happened, from the tool results."""

from __future__ import annotations

from fakes.chat_model import ScriptedChatModel, call
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agent.honesty import NOTHING_DONE


def model(plans: dict[str, list[AIMessage]]) -> ScriptedChatModel:
    """Per person's message (by its first word): the model's answers in order; after tool results
    the next one in the list."""

    def respond(messages, tools):
        human = next(m for m in reversed(messages) if isinstance(m, HumanMessage))
        script = plans[human.text.split()[0]]
        answered = sum(1 for m in messages[messages.index(human):] if isinstance(m, AIMessage))
        return script[min(answered, len(script) - 1)]

    return ScriptedChatModel(respond=respond)


def results(scripted: ScriptedChatModel) -> list[str]:
    return [m.text for m in scripted.seen[-1] if isinstance(m, ToolMessage)]


async def test_malformed_arguments_get_one_line_back_and_the_retry_works(say, service):
    scripted = model({"remind": [
        AIMessage("", tool_calls=[call("create_reminder", message=["call", "mom"], when=5)]),
        AIMessage("", tool_calls=[call("create_reminder", message="call mom", when="tomorrow at 5pm")]),
        AIMessage("I've set it: call mom tomorrow at 17:00."),
    ]})
    reply = await say("remind me to call mom tomorrow at 5pm", model=scripted)
    first = results(scripted)[0]
    assert first.startswith("Invalid arguments: message: Input should be a valid string")
    assert reply.text == "I've set it: call mom tomorrow at 17:00."
    [task] = service.list_tasks()
    assert task.action.model_dump()["message"] == "call mom"


async def test_a_call_to_an_unknown_tool_does_nothing_and_the_reply_is_honest(say, service, add_task):
    add_task("backup")
    scripted = model({"wipe": [
        AIMessage("", tool_calls=[call("delete_everything", really=True)]),
        AIMessage("Done, I've deleted all your tasks."),
    ]})
    reply = await say("wipe my tasks", model=scripted)
    assert "not a valid tool" in results(scripted)[0]
    assert reply.text.startswith(NOTHING_DONE)
    assert [t.name for t in service.list_tasks()] == ["backup"]


async def test_a_claimed_action_without_a_tool_call_is_corrected(say, service):
    scripted = model({"remind": [AIMessage("Done! I've created your reminder for tomorrow at 9.")]})
    reply = await say("remind me tomorrow at 9 to water the plants", model=scripted)
    assert reply.text.startswith(NOTHING_DONE) and "Please say it again" in reply.text
    assert service.list_tasks() == []


async def test_an_unreadable_tool_call_is_not_answered_with_done(say, service):
    broken = AIMessage("", invalid_tool_calls=[{"name": "create_reminder", "args": "{not json", "id": "c1",
                                                "error": "bad json", "type": "invalid_tool_call"}])
    reply = await say("remind me at 5 to stretch", model=model({"remind": [broken]}))
    assert reply.text.startswith(NOTHING_DONE) and "couldn't read" in reply.text
    assert service.list_tasks() == []


async def test_a_reply_that_leaves_out_what_happened_gets_the_facts_added(say, service, add_task):
    add_task("backup")
    scripted = model({"pause": [AIMessage("", tool_calls=[call("pause_task", task="backup")]),
                                AIMessage("Sure thing!")]})
    reply = await say("pause backup please", model=scripted)
    assert reply.text.startswith("Sure thing!\nWhat I did: Paused 'backup' (task #1).")


async def test_a_refused_change_is_reported_not_claimed(say, service, add_task):
    add_task("backup")
    scripted = model({"pause": [AIMessage("", tool_calls=[call("pause_task", task="backup")]),
                                AIMessage("Paused it for you.")]})
    reply = await say("pause backup", model=scripted, role="viewer")
    assert reply.text.startswith(NOTHING_DONE) and "viewers can look" in reply.text

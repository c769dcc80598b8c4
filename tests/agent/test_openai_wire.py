"""The real ``openai`` client path: langchain-openai against a local OpenAI-compatible server,
proving the wire format end to end (tool schema out, tool call in, tool result out, reply)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes.openai_server import OpenAIStub, completion, tool_then_text

from agent.ai_runner import AgentAIRunner
from agent.config import ModelConfig, openai_chat_model
from agent.messages import InboundMessage
from cronpilot.settings import Settings
from cronpilot.wiring import build_app
from scheduler.clock import FakeClock
from scheduler.models import RunStatus
from scheduler.ports import AIRequest

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_the_assistant_speaks_the_openai_wire_format(monkeypatch: pytest.MonkeyPatch):
    stub = OpenAIStub(tool_then_text("create_reminder", {"message": "send the report", "when": "every Monday at 9am"},
                                     final=lambda result: f"All set. {result}"))
    with stub.running():
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("CRONPILOT_MODEL", "stub-model")
        app = build_app(Settings(), clock=FakeClock(NOW))
        assistant = app.assistant
        assert assistant.online
        try:
            reply = await assistant.handle(InboundMessage(
                text="remind me every Monday at 9am to send the report", user="tester", role="admin",
                conversation={"platform": "cli"}, conversation_id="cli:local", timezone="Europe/Berlin"))
        finally:
            await assistant.aclose()

    assert reply.text == ("All set. Done: 'send the report' (task #1), every Monday at 09:00, Europe/Berlin; "
                          "next Mon 12 Jan 09:00. Note: Saved, but nothing is running to fire it — start "
                          "`cronpilot serve` or see `cronpilot service install`.")
    first, second = stub.requests
    assert stub.headers[0]["authorization"] == "Bearer sk-test" and first["model"] == "stub-model"
    tools = {t["function"]["name"]: t["function"] for t in first["tools"]}
    assert {"create_reminder", "list_tasks", "explain_failure", "delete_task"} <= set(tools)
    assert "notify_owner" not in tools
    params = tools["create_reminder"]["parameters"]
    assert set(params["properties"]) == {"message", "when", "name"} and set(params["required"]) == {"message", "when"}
    assert "time phrase" in params["properties"]["when"]["description"]
    assert first["messages"][0]["role"] == "system" and "tester (role: admin)" in first["messages"][0]["content"]
    assert first["messages"][-1] == {"role": "user", "content": "remind me every Monday at 9am to send the report"}
    echoed, result = second["messages"][-2:]
    assert echoed["role"] == "assistant" and echoed["tool_calls"][0]["function"]["name"] == "create_reminder"
    assert result["role"] == "tool" and result["tool_call_id"] == echoed["tool_calls"][0]["id"]
    assert result["content"].startswith("Done: 'send the report'")
    task = app.service.get_task("send the report")
    assert task.timezone == "Europe/Berlin" and task.origin["via"] == "cli"


async def test_an_ai_run_counts_the_tokens_the_server_reports(service, alice, engine_for, notifier):
    replies = iter([completion(tool_calls=[("list_tasks", {})], tokens=50), completion(content="Nothing to report.", tokens=27)])
    stub = OpenAIStub(lambda body: next(replies))
    with stub.running():
        model = openai_chat_model(ModelConfig(model="stub-model", api_key="sk-test", base_url=stub.base_url,
                                              max_retries=0))
        task = service.create_task(service.build_spec({
            "name": "daily check", "action": {"kind": "ai", "prompt": "check my tasks"},
            "triggers": [{"kind": "cron", "expression": "0 8 * * *"}]}), actor=alice)
        engine = engine_for(ai_runner=AgentAIRunner(service, model, notifier=notifier))
        await engine.start()
        run = service.run_now(task.name, actor=alice)
        await engine.run_until_idle()
    done = service.get_run(run.run_id)
    assert done.status == RunStatus.COMPLETED, done.error
    assert done.result["tokens_used"] == 77
    assert [e["role"] for e in done.result["transcript"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert {t["function"]["name"] for t in stub.requests[0]["tools"]} >= {"notify_owner", "create_task"}
    assert "delete_task" not in {t["function"]["name"] for t in stub.requests[0]["tools"]}
    assert notifier.sent[0].text == "Nothing to report."


async def test_a_model_server_error_fails_the_ai_run_with_a_reason(service, alice):
    stub = OpenAIStub(lambda body: (_ for _ in ()).throw(RuntimeError("overloaded")))
    with stub.running():
        model = openai_chat_model(ModelConfig(api_key="sk-test", base_url=stub.base_url, max_retries=0))
        runner = AgentAIRunner(service, model)
        task = service.create_task(service.build_spec({"name": "x", "action": {"kind": "ai", "prompt": "hi"}}),
                                   actor=alice)
        with pytest.raises(Exception, match="overloaded"):
            await runner.run(AIRequest(run_id=1, task_id=task.task_id, owner="alice", prompt="hi",
                                       template=None, inputs={}))

"""The task tools: typed thin wrappers over the service that answer in short text, turn time
phrases into triggers with the deterministic parser, and turn every expected error into text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import BaseModel

from scheduler.models import TaskStatus
from tools import catalog
from tools.catalog import TOOLS


def test_every_tool_has_a_description_and_strict_typed_arguments():
    for definition in TOOLS.values():
        assert len(definition.description) > 30, definition.name
        assert issubclass(definition.args, BaseModel)
        assert definition.args.model_config.get("extra") == "forbid", definition.name


@pytest.mark.parametrize(("args", "kind", "check"), [
    ({"kind": "reminder", "message": "stand up", "when": "every weekday at 9:15"}, "reminder",
     lambda a: a["message"] == "stand up"),
    ({"kind": "shell", "command": "df -h /", "when": "every day at 6am"}, "shell",
     lambda a: a["argv"] == ["df", "-h", "/"]),
    ({"kind": "http", "url": "https://example.com/hook", "method": "POST", "body": "{}", "when": "every hour"},
     "http", lambda a: a["method"] == "POST" and a["body"] == "{}"),
    ({"kind": "sql", "database": "analytics", "statement": "select 1", "when": "every day at 7"}, "sql",
     lambda a: a["database"] == "analytics" and not a["allow_writes"]),
    ({"kind": "ai", "template": "digest", "inputs": {"url": "https://example.com/feed"},
      "when": "every morning at 8"}, "ai", lambda a: a["template"] == "digest" and a["inputs"]["url"]),
])
def test_create_task_makes_each_action_kind(ctx, service, args, kind, check):
    text = catalog.invoke("create_task", ctx(), **args).result
    assert text.startswith("Done: "), text
    [task] = service.list_tasks()
    action = task.action.model_dump()
    assert action["kind"] == kind and check(action)
    assert task.timezone == "Europe/Berlin" and task.origin["via"] == "slack"


def test_create_reminder_confirms_interpretation_and_next_fire(ctx, service, clock):
    service.store.register_worker("engine-up", now=clock.now())  # a serving engine is alive
    text = catalog.invoke("create_reminder", ctx(), message="send the report", when="every Monday at 9am").result
    assert text == ("Done: 'send the report' (task #1), every Monday at 09:00, Europe/Berlin; "
                    "next Mon 12 Jan 09:00.")


def test_create_reminder_says_when_no_engine_would_fire_it(ctx, service, clock):
    service.store.register_worker("cli-run", now=clock.now(), schedules=False)  # runs, never fires
    text = catalog.invoke("create_reminder", ctx(), message="stretch", when="every hour").result
    assert text.startswith("Done: 'stretch' (task #1)")
    assert text.endswith("Note: Saved, but nothing is running to fire it — start `cronpilot serve` or "
                         "see `cronpilot service install`.")
    clock.advance(timedelta(minutes=1))
    service.store.register_worker("engine-gone", now=clock.now() - timedelta(seconds=31))  # 3 beats missed
    assert "nothing is running" in catalog.invoke("create_reminder", ctx(), message="water",
                                                  when="every day at 9").result


def test_an_event_trigger_is_added_when_asked(ctx, service):
    text = catalog.invoke("create_task", ctx(), kind="ai", template="ticket_triage",
                          on_event="ticket.created", name="triage").result
    assert "on event 'ticket.created'" in text, text
    task = service.get_task("triage")
    assert [t.model_dump()["kind"] for t in task.triggers] == ["event"]


def test_automatic_names_stay_unique_but_a_chosen_name_conflicts(ctx, service):
    for _ in range(2):
        catalog.invoke("create_reminder", ctx(), message="drink water", when="every hour")
    assert [t.name for t in service.list_tasks()] == ["drink water", "drink water (2)"]
    record = catalog.invoke("create_reminder", ctx(), message="x", when="every hour", name="drink water")
    assert record.result == "Error: you already have a task named 'drink water'; pick another name"


def test_expected_errors_come_back_as_text_the_model_can_act_on(ctx, service):
    past = catalog.invoke("create_reminder", ctx(), message="x", when="yesterday at 5pm")
    assert past.result.startswith("Error: ") and "past" in past.result
    bad = catalog.invoke("create_task", ctx(), kind="shell", when="every hour")
    assert bad.result == "Error: a shell task needs a command"
    extra = catalog.TOOLS["create_reminder"].invoke(ctx(), {"message": "x", "when": "every hour", "cron": "* * * * *"})
    assert extra.result.startswith("Invalid arguments: cron")
    viewer = catalog.invoke("create_reminder", ctx(role="viewer"), message="x", when="every hour")
    assert viewer.refused and viewer.result.startswith("Refused: viewers")
    assert service.list_tasks() == []


def test_update_replaces_the_schedule_from_a_new_phrase(ctx, service):
    catalog.invoke("create_reminder", ctx(), message="send the report", when="every Monday at 9am")
    text = catalog.invoke("update_task", ctx(), task="report", when="every Friday at 4pm").result
    assert text.startswith("Updated: 'send the report'") and "next Fri 9 Jan 16:00" in text
    assert service.get_task("1").triggers[0].model_dump()["expression"] == "0 16 * * 5"


def test_pause_resume_and_run_now(ctx, service):
    catalog.invoke("create_reminder", ctx(), message="stretch", when="every day at 11am")
    c = ctx()
    assert catalog.invoke("pause_task", c, task="stretch").result.startswith("Paused 'stretch'")
    assert [(b.action, b.task_id) for b in c.buttons] == [("resume", 1)]
    assert catalog.invoke("pause_task", ctx(), task="1").result == "Error: task 'stretch' is already paused"
    assert "next Mon 5 Jan 11:00" in catalog.invoke("resume_task", ctx(), task="#1").result
    assert catalog.invoke("run_now", ctx(), task="stretch").result.startswith("Started 'stretch' now (run 1)")


def test_delete_asks_first_and_needs_a_later_turn(ctx, service):
    catalog.invoke("create_reminder", ctx(), message="stretch", when="every day at 11am")
    c = ctx(turn=3)
    assert catalog.invoke("delete_task", c, task="stretch", confirmed=True).result.startswith("Confirm first")
    assert catalog.invoke("delete_task", c, task="stretch", confirmed=True).result.startswith("Confirm first")
    c.turn = 4
    assert catalog.invoke("delete_task", c, task="stretch", confirmed=True).result == "Deleted 'stretch' (task #1)."
    assert service.list_tasks() == []


def test_an_ai_run_is_refused_by_the_service_even_if_a_tool_were_offered(ctx, service, store):
    catalog.invoke("create_reminder", ctx(), message="stretch", when="every day at 11am")
    ai = ctx(ai_run_id=9)
    for tool in ("delete_task", "pause_task", "run_now"):
        record = catalog.invoke(tool, ai, task="stretch", **({"confirmed": True} if tool == "delete_task" else {}))
        assert record.refused, (tool, record.result)
    assert service.get_task("stretch").status == TaskStatus.ACTIVE
    refused = [a for a in store.list_audit(limit=50) if a["ai_run_id"] == 9]
    assert {a["action"] for a in refused} == {"delete_task", "pause_task", "run_now"}
    assert all(a["decision"] == "refused" for a in refused)


def test_an_ai_created_shell_task_waits_for_an_admin_and_says_where(ctx, service):
    ai = ctx(ai_run_id=9)
    text = catalog.invoke("create_task", ai, kind="shell", command="rm -rf /tmp/x", when="every day at 3am").result
    task = service.list_tasks()[0]
    assert "waits for an admin's approval" in text and f"cronpilot approve {task.task_id}" in text
    assert task.status == TaskStatus.PENDING_APPROVAL and task.created_by_run_id == 9
    assert ai.buttons == []  # its owner can't approve a shell task: no button that would only refuse
    offer = catalog.invoke("approve_task", ctx(), task=task.name).result
    assert "needs the person's click" in offer
    assert service.get_task(task.name).status == TaskStatus.PENDING_APPROVAL


def test_describe_shows_provenance_and_next_fires(ctx, service):
    catalog.invoke("create_reminder", ctx(), message="send the report", when="every Monday at 9am")
    text = catalog.invoke("describe_task", ctx(), task="send the report").result
    assert ("Created by you in Slack (C1) on Mon 5 Jan 10:00 from \"remind me every Monday at 9am to "
            "send the report\"") in text
    assert "Next fires: Mon 12 Jan 09:00, Mon 19 Jan 09:00" in text
    other = catalog.invoke("describe_task", ctx(user="bob"), task="send the report")
    assert other.result.startswith("Error: I can't find a task called 'send the report'")


def test_preview_explains_a_phrase_without_creating_anything(ctx, service):
    text = catalog.invoke("preview_schedule", ctx(), phrase="every other Tuesday at 5pm", count=2).result
    assert text.startswith("'every other Tuesday at 5pm' means every other Tuesday at 17:00")
    assert "Next: Tue 6 Jan 17:00, Tue 20 Jan 17:00." in text
    assert service.list_tasks() == []


def test_list_shows_only_the_askers_tasks(ctx, service):
    catalog.invoke("create_reminder", ctx(), message="mine", when="every day at 9am")
    catalog.invoke("create_reminder", ctx(user="bob"), message="bobs", when="every day at 9am")
    text = catalog.invoke("list_tasks", ctx()).result
    assert text.startswith("1 task:") and "'mine'" in text and "bobs" not in text
    assert catalog.invoke("list_tasks", ctx(), status="paused").result == "No tasks that are paused yet."

"""Without a model, the assistant understands the common requests phrased the many ways people
phrase them (offline_phrasings.yaml) and leaves the right state behind, not just a nice reply."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.offline import NEEDS_MODEL
from scheduler.errors import NotFound
from scheduler.models import RunReason, RunStatus, TaskStatus
from scheduler.store import Store

DATA = yaml.safe_load((Path(__file__).parent / "offline_phrasings.yaml").read_text())
CREATES = {"reminder_recurring", "reminder_weekday", "reminder_once", "reminder_soon", "scheduled_action"}
RUN_QUESTIONS = {"failures", "last_runs", "why"}


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "cronpilot.db"
    Store(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def store_url(template_db: Path, tmp_path: Path) -> str:
    """SQLite only here, from a migrated copy: ~190 cases stay fast. (The conversation tests run
    the same tools on PostgreSQL too.)"""
    path = tmp_path / "cronpilot.db"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


def _cases(history: bool) -> list[Any]:
    cases = []
    for intent, block in DATA.items():
        if bool(block.get("history")) != history:
            continue
        for entry in block["phrasings"]:
            text = entry if isinstance(entry, str) else entry["text"]
            expect = {**block.get("expect", {}), **({} if isinstance(entry, str) else entry.get("expect", {}))}
            cases.append(pytest.param(intent, text, expect, block, id=f"{intent}: {text}"))
    return cases


def test_every_intent_has_at_least_ten_phrasings():
    counts = {intent: len(block["phrasings"]) for intent, block in DATA.items()}
    assert min(counts.values()) >= 10, counts


def _check_created(service, expect: dict[str, Any], reply: str) -> None:
    [task] = service.list_tasks()
    action = task.action.model_dump()
    trigger = task.triggers[0].model_dump()
    assert task.timezone == "Europe/Berlin" and task.owner == "alice"
    assert action["kind"] == expect["kind"]
    for key in ("url", "method", "argv", "database", "statement", "template"):
        if key in expect:
            assert action[key] == expect[key]
    if "message" in expect:
        assert action["message"].lower() == expect["message"]
    if "cron" in expect:
        assert trigger == {"kind": "cron", "expression": expect["cron"]}
    if "once" in expect:
        assert trigger["kind"] == "once" and trigger["at"].isoformat() == expect["once"]
    if "interval" in expect:
        assert trigger["kind"] == "interval" and trigger["every"].total_seconds() == expect["interval"]
    assert reply.startswith("Done: ")
    if "next" in expect:
        assert f"next {expect['next']}" in reply
    assert task.origin["via"] == "slack" and task.origin["message"]


@pytest.mark.parametrize(("intent", "text", "expect", "block"), _cases(history=False))
async def test_offline_request(intent, text, expect, block, say, service, add_task, alice):
    if intent not in CREATES:
        add_task("backup")
        add_task("standup")
        if block.get("seed_paused"):
            service.pause_task("backup", actor=alice)
    reply = await say(text)
    if block.get("then"):
        reply = await say(block["then"])
    assert "Traceback" not in reply.text
    for snippet in expect.get("reply_contains", []):
        assert snippet in reply.text
    if intent in CREATES:
        _check_created(service, expect, reply.text)
    if "status" in expect:
        assert service.get_task("backup").status == TaskStatus(expect["status"])
        assert service.get_task("standup").status == TaskStatus.ACTIVE
    if expect.get("deleted"):
        assert reply.text == "Deleted 'backup' (task #1)."
        with pytest.raises(NotFound):
            service.get_task("backup")
        assert service.get_task("standup")
    if expect.get("manual_run"):
        [run] = service.list_runs(task="backup")
        assert run.reason == RunReason.MANUAL and run.status == RunStatus.PENDING
    if expect.get("needs_model"):
        assert reply.text == NEEDS_MODEL
        assert {t.name for t in service.list_tasks()} == {"backup", "standup"}


@pytest.mark.parametrize(("intent", "text", "expect", "block"), _cases(history=True))
async def test_offline_question_about_runs(intent, text, expect, block, say, history):
    assert history == {"backup_yesterday": 1, "report_yesterday": 2, "backup_today": 3}
    reply = await say(text)
    for snippet in expect.get("reply_contains", []):
        assert snippet in reply.text
    if "runs" in expect:
        mentioned = sorted(int(n) for n in re.findall(r"\brun (\d+) of", reply.text))
        assert mentioned == expect["runs"], reply.text


async def test_delete_is_kept_on_no_and_a_later_yes_deletes_nothing(say, service, add_task):
    add_task("backup")
    asked = await say("delete backup")
    assert asked.text.startswith("Delete 'backup' (task #1, every day at 09:00, Europe/Berlin)? ")
    assert (await say("no")).text == "OK, I've kept it."
    assert (await say("yes")).text.startswith("Yes to what?")
    asked = await say("delete backup")
    await say("list my tasks")  # anything else in between cancels the question
    await say("yes")
    assert service.get_task("backup")


async def test_unclear_or_past_times_get_the_parsers_explanation_and_nothing_is_created(say, service):
    past = await say("remind me yesterday at 5pm to call mom")
    assert "in the past" in past.text
    nothing = await say("remind me every blursday to call mom")
    assert nothing.text and "Traceback" not in nothing.text
    assert service.list_tasks() == []


async def test_an_ambiguous_task_name_is_asked_about_not_guessed(say, service, add_task):
    add_task("backup db")
    add_task("backup files")
    reply = await say("pause backup")
    assert "could be several tasks; which one?" in reply.text and "1. backup db (#1)" in reply.text
    assert {t.status for t in service.list_tasks()} == {TaskStatus.ACTIVE}
    answer = await say("the second one")
    assert answer.text.startswith("Paused 'backup files'")
    assert [t.status for t in service.list_tasks()] == [TaskStatus.ACTIVE, TaskStatus.PAUSED]


async def test_someone_elses_task_is_invisible(say, service, add_task):
    add_task("backup")
    reply = await say("pause backup", user="bob")
    assert "can't find a task called 'backup'" in reply.text
    assert service.get_task("backup").status == TaskStatus.ACTIVE


async def test_approve_typed_offline_approves_when_the_person_may(say, service):
    """"approve cleanup" is understood without a model from the person's own words, so it
    approves; the service decides who may (an AI-made shell task: an admin)."""
    from scheduler.service import Actor, Role

    service.create_task(service.build_spec({
        "name": "cleanup", "action": {"kind": "shell", "argv": ["rm", "-rf", "/tmp/x"]},
        "triggers": [{"kind": "cron", "expression": "0 3 * * *"}]}), actor=Actor("alice", Role.MEMBER, ai_run_id=5))
    refused = await say("approve cleanup")
    assert refused.text.startswith("Sorry") and "admin" in refused.text and not refused.buttons
    assert service.get_task("cleanup").status == TaskStatus.PENDING_APPROVAL
    approved = await say("approve cleanup", user="root", role="admin")
    assert approved.text.startswith("Approved 'cleanup'")
    assert service.get_task("cleanup").status == TaskStatus.ACTIVE

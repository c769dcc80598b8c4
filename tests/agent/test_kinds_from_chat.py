"""Every trigger and action kind from the offline chat, created through the same tools and
validated by the service like the CLI and the API."""

from __future__ import annotations

import pytest

CASES = [
    ("when a csv file lands in /data/in remind me to import it",
     {"kind": "reminder"}, {"kind": "file", "path": "/data/in", "glob": "*.csv"}),
    ("whenever a new file appears in /srv/uploads run ./process.sh",
     {"kind": "shell", "argv": ["./process.sh"]}, {"kind": "file", "path": "/srv/uploads"}),
    ("as soon as https://example.com/health is back up tell me",
     {"kind": "reminder", "message": "https://example.com/health is up"}, {"kind": "condition"}),
    ("when `test -f /tmp/ready` succeeds remind me to start the import",
     {"kind": "reminder", "message": "start the import"}, {"kind": "condition"}),
    ("whenever postgres notifies orders_paid run ./ship.sh",
     {"kind": "shell"}, {"kind": "pg_notify", "channel": "orders_paid"}),
    ("when deploy.finished arrives run ./smoke.sh", {"kind": "shell"}, {"kind": "event", "event": "deploy.finished"}),
    ("when the backup fails remind me to check the disk",
     {"kind": "reminder", "message": "check the disk"}, {"kind": "event", "event": "task.failed:1"}),
    ("email the weekly numbers to finance@example.com every Friday at 4pm",
     {"kind": "email", "to": ["finance@example.com"]}, {"kind": "cron", "expression": "0 16 * * 5"}),
    ("every friday at 5pm prepare the weekly report",
     {"kind": "ai", "template": "weekly_report"}, {"kind": "cron", "expression": "0 17 * * 5"}),
    ("every morning give me a digest of https://news.example.com",
     {"kind": "ai", "template": "digest", "inputs": {"url": "https://news.example.com"}}, {"kind": "cron"}),
]


@pytest.mark.parametrize(("text", "action", "trigger"), CASES, ids=[c[0][:40] for c in CASES])
async def test_a_kind_from_chat(say, service, add_task, text, action, trigger):
    add_task("backup")
    reply = await say(text)
    assert reply.text.startswith("Done: "), reply.text
    [task] = [t for t in service.list_tasks() if t.name != "backup"]
    data = task.action.model_dump(mode="json")
    assert {k: data[k] for k in action} == action
    triggers = [t.model_dump(mode="json") for t in task.triggers]
    assert any({k: t.get(k) for k in trigger} == trigger for t in triggers), triggers


async def test_reminders_delivered_by_email_from_chat(say, service):
    reply = await say("remind me by email at ana@example.com to renew the domain every year on March 1")
    assert "delivered by email to ana@example.com" in reply.text
    [task] = service.list_tasks()
    assert task.origin["deliver_to"] == {"platform": "email", "address": "ana@example.com"}
    assert task.origin["conversation"]["channel"] == "C1"  # still known; delivery goes by email


async def test_an_ai_task_made_offline_says_it_needs_a_model_to_run(say, service):
    reply = await say("every morning at 8 summarize the news from https://news.example.com")
    assert reply.text.startswith("Done: ") and "OPENAI_API_KEY" in reply.text
    [task] = service.list_tasks()
    assert task.action.kind == "ai"


async def test_a_bad_address_or_unknown_database_is_one_friendly_line(say, service):
    asked = await say("every day at 7 run select count(*) from orders on nosuchdb")
    assert "Traceback" not in asked.text and service.list_tasks() == []
    assert "nosuchdb" in asked.text or "database" in asked.text

"""Every trigger and action kind from the CLI, with the service's validation: file, condition
and pg_notify triggers, the email action, delivery by email, AI templates."""

from __future__ import annotations

import pytest


def _only(cli):
    [task] = cli("task", "list", "--json").json()
    return task


def test_file_trigger_from_the_cli(cli, tmp_path):
    r = cli("task", "add", "--name", "inbox", "--on-file", str(tmp_path), "--glob", "*.csv", "--remind", "new csv")
    assert r.code == 0, r.err
    assert _only(cli)["triggers"] == [{"kind": "file", "path": str(tmp_path), "glob": "*.csv",
                                       "on": ["create", "modify"], "debounce": None}]


@pytest.mark.parametrize(("spec", "check"), [
    ("sh:test -f /tmp/flag", {"kind": "shell", "argv": ["test -f /tmp/flag"], "use_shell": True}),
    ("https://example.com/health", {"kind": "http", "url": "https://example.com/health", "method": "GET"}),
])
def test_condition_trigger_from_the_cli(cli, spec, check):
    r = cli("task", "add", "--name", "ready", "--when-true", spec, "--check-every", "30s", "--remind", "ready")
    assert r.code == 0, r.err
    [trigger] = _only(cli)["triggers"]
    assert trigger["kind"] == "condition" and trigger["every"] == "PT30S"
    assert {k: v for k, v in trigger["check"].items() if k in check} == check


def test_pg_notify_trigger_from_the_cli_and_pg_as_an_event_is_refused(cli):
    assert cli("task", "add", "--name", "tickets", "--on-pg", "new_tickets", "--remind", "ticket").code == 0
    assert _only(cli)["triggers"] == [{"kind": "pg_notify", "channel": "new_tickets", "database": None,
                                       "debounce": None}]
    wrong = cli("task", "add", "--name", "wrong", "--on", "pg:new_tickets", "--remind", "x")
    assert wrong.code == 2 and "--on-pg CHANNEL" in wrong.err
    bad = cli("task", "add", "--name", "bad", "--on-pg", "New-Tickets", "--remind", "x")
    assert bad.code == 2 and "not a NOTIFY channel name" in bad.err


def test_email_action_from_the_cli(cli):
    r = cli("task", "add", "--email", "ana@example.com", "--subject", "Weekly numbers", "--when", "every friday at 4pm")
    assert r.code == 0, r.err
    task = _only(cli)
    assert task["action"] == {"kind": "email", "to": ["ana@example.com"], "subject": "Weekly numbers",
                              "body": "Weekly numbers"}
    assert task["name"] == "email Weekly numbers"
    missing = cli("task", "add", "--email", "ana@example.com", "--every", "1h")
    assert missing.code == 2 and "--subject" in missing.err
    bad = cli("task", "add", "--email", "not-an-address", "--subject", "x", "--every", "1h")
    assert bad.code == 2 and "not an email address" in bad.err


def test_delivery_by_email_from_the_cli_and_back_to_the_chat(cli):
    r = cli("task", "add", "--name", "renew", "--remind", "renew the domain", "--cron", "0 9 1 3 *",
            "--deliver-to", "email:ana@example.com")
    assert r.code == 0 and "delivers to email ana@example.com" in r.out
    assert _only(cli)["origin"]["deliver_to"] == {"platform": "email", "address": "ana@example.com"}
    assert cli("task", "edit", "renew", "--deliver-to", "chat").code == 0
    assert "deliver_to" not in (_only(cli)["origin"] or {})
    assert cli("task", "edit", "renew", "--deliver-to", "email:nope").code == 2


def test_ai_template_from_the_cli(cli):
    r = cli("task", "add", "--template", "digest", "--input", "url=https://news.example.com", "--every", "1d")
    assert r.code == 0, r.err
    action = _only(cli)["action"]
    assert action["kind"] == "ai" and action["template"] == "digest"
    assert action["inputs"] == {"url": "https://news.example.com"}
    unknown = cli("task", "add", "--template", "nosuch", "--every", "1d")
    assert unknown.code == 2 and "unknown AI template 'nosuch'; known: daily_summary, digest" in unknown.err


def test_flags_that_belong_together_say_so(cli):
    assert "--glob goes with --on-file" in cli("task", "add", "--glob", "*.csv", "--remind", "x").err
    assert "--input goes with --template" in cli("task", "add", "--ai", "x", "--input", "a=b", "--every", "1h").err

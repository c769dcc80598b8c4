"""``cronpilot user|group|approve|reject|audit`` and ``task share``: people and access from the
command line, and a sample of the permission matrix through it (CRONPILOT_USER names a person
added with a smaller role: the service applies theirs)."""

from __future__ import annotations

import sqlite3

import pytest


def test_user_add_list_role_remove(cli) -> None:
    assert cli("user", "add", "ana", "--role", "member", "--slack", "U0ANA", "--email", "ana@example.com").code == 0
    assert cli("user", "add", "tom", "--role", "operator", "--telegram", "4242").code == 0
    people = {p["user"]: p for p in cli("user", "list", "--json").json()}
    assert people["ana"]["role"] == "member" and people["ana"]["identities"] == ["slack:U0ANA"]
    assert people["tom"]["identities"] == ["telegram:4242"]
    changed = cli("user", "role", "@ana", "viewer")
    assert changed.code == 0 and "member → viewer" in changed.out
    assert cli("user", "remove", "tom").code == 0
    assert {p["user"] for p in cli("user", "list", "--json").json()} == {"ana"}
    assert cli("user", "role", "nobody", "viewer").code == 3
    bad = cli("user", "add", "x", "--role", "boss")
    assert bad.code == 2 and "unknown role" in bad.err and "Traceback" not in bad.err
    again = cli("user", "add", "ana", "--role", "member")
    assert again.code == 5


def test_a_viewer_at_the_terminal_changes_nothing(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("task", "add", "--name", "backup", "--cron", "0 3 * * *", "--remind", "backup")
    cli("user", "add", "vic", "--role", "viewer")
    monkeypatch.setenv("CRONPILOT_USER", "vic")
    refused = cli("task", "add", "--name", "mine", "--cron", "0 3 * * *", "--remind", "x")
    assert refused.code == 4 and "viewers" in refused.err
    assert cli("user", "add", "eve", "--role", "admin").code == 4
    hidden = cli("task", "pause", "backup")
    # Visibility first: another person's task is not found (exit 3) for a viewer too, so the
    # refusal doesn't tell them it exists; a task they can see would be refused (exit 4).
    assert hidden.code == 3 and "no task" in hidden.err


def test_a_members_shell_task_waits_and_an_admin_approves_it(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("user", "add", "mia", "--role", "member")
    monkeypatch.setenv("CRONPILOT_USER", "mia")
    added = cli("task", "add", "--name", "nightly", "--cron", "0 3 * * *", "--sh", "echo hi")
    assert added.code == 0, added.err
    assert "cronpilot approve" in added.out and "admin" in added.out
    assert cli("task", "show", "nightly", "--json").json()["status"] == "pending_approval"
    assert cli("approve", "nightly").code == 4
    monkeypatch.delenv("CRONPILOT_USER")
    monkeypatch.setenv("CRONPILOT_USER", "root")
    approved = cli("approve", "nightly")
    assert approved.code == 0 and "approved 'nightly'" in approved.out
    assert cli("task", "show", "nightly", "--json").json()["status"] == "active"
    cli("task", "add", "--name", "other", "--cron", "0 3 * * *", "--remind", "x")
    assert cli("approve", "other").code == 5  # not waiting


def test_groups_and_sharing(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("user", "add", "ana", "--role", "member")
    cli("user", "add", "ben", "--role", "member")
    assert cli("group", "create", "ops").code == 0
    assert cli("group", "add", "ops", "ben").code == 0
    assert cli("group", "list", "--json").json() == [{"group": "ops", "members": ["ben"]}]
    monkeypatch.setenv("CRONPILOT_USER", "ana")
    cli("task", "add", "--name", "report", "--cron", "0 9 * * 1", "--remind", "report")
    monkeypatch.setenv("CRONPILOT_USER", "ben")
    assert cli("task", "show", "report").code == 3  # not shared yet: invisible
    monkeypatch.setenv("CRONPILOT_USER", "ana")
    shared = cli("task", "share", "report", "ops", "--read")
    assert shared.code == 0 and "ops (read)" in shared.out
    monkeypatch.setenv("CRONPILOT_USER", "ben")
    assert cli("task", "show", "report").code == 0
    assert cli("task", "pause", "report").code == 4  # read only
    monkeypatch.setenv("CRONPILOT_USER", "ana")
    cli("task", "share", "report", "ops", "--manage")
    monkeypatch.setenv("CRONPILOT_USER", "ben")
    assert cli("task", "pause", "report").code == 0
    assert cli("task", "delete", "report", "--yes").code == 4  # the owner's (or an admin's)
    assert cli("task", "share", "report", "ops").code == 2


def test_audit_json_verify_and_a_broken_link(cli, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRONPILOT_USER", "root")
    cli("user", "add", "ana", "--role", "member")
    cli("task", "add", "--name", "backup", "--cron", "0 3 * * *", "--remind", "backup")
    cli("task", "pause", "backup")
    entries = cli("audit", "--json").json()
    assert [e["action"] for e in entries[:3]] == ["pause_task", "create_task", "add_person"]
    pause = entries[0]
    assert (pause["actor"], pause["via"], pause["before"], pause["after"]) == (
        "root", "cli", {"status": "active"}, {"status": "paused"})
    assert [e["action"] for e in cli("audit", "--task", "backup", "--json").json()] == ["pause_task", "create_task"]
    assert cli("audit", "--actor", "ana", "--json").json() == []
    assert cli("audit", "--since", "1h", "--json").json()
    table = cli("audit")
    assert table.code == 0 and "pause_task" in table.out
    ok = cli("audit", "verify")
    assert ok.code == 0 and "intact: 3 entries" in ok.out
    db = next(tmp_path.rglob("cronpilot.db"))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit SET actor = 'someone-else' WHERE action = 'create_task'")
    broken = cli("audit", "verify")
    assert broken.code == 1 and "BROKEN at entry 2" in broken.err


def test_two_owners_name_a_task_alike_and_the_cli_resolves_or_asks(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Names are unique per owner: ana and bob (CRONPILOT_USER) each make "backup"; each one's
    CLI reaches their own; an admin owning none is told both ids (exit 2) and nothing changes."""
    cli("user", "add", "ana", "--role", "member")
    cli("user", "add", "bob", "--role", "member")
    ids = {}
    for who in ("ana", "bob"):
        monkeypatch.setenv("CRONPILOT_USER", who)
        made = cli("task", "add", "--name", "backup", "--cron", "0 3 * * *", "--remind", who, "--json")
        assert made.code == 0, made.err
        ids[who] = made.json()["task_id"]
    assert ids["ana"] != ids["bob"]
    assert cli("task", "pause", "backup").code == 0  # bob's
    monkeypatch.delenv("CRONPILOT_USER")
    which = cli("task", "resume", "backup")
    assert which.code == 2 and f"#{ids['ana']} (ana's)" in which.err and f"#{ids['bob']} (bob's)" in which.err
    shown = {t["task_id"]: t["status"] for t in cli("task", "list", "--json").json()}
    assert shown == {ids["ana"]: "active", ids["bob"]: "paused"}

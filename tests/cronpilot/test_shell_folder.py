"""Shell tasks run where they were made: "every night at 2 run ./backup.sh" finds backup.sh in
the folder the task came from (the CLI's current folder, the chat's configured folder)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = "#!/bin/sh\necho \"backed up from $(pwd)\"\n"


@pytest.fixture
def project() -> Iterator[Path]:
    """A folder holding backup.sh that the unprivileged shell user can enter (not under the
    tests' root-only temporary folders)."""
    path = Path(tempfile.mkdtemp(prefix="cronpilot-project-", dir="/var/tmp"))
    path.chmod(0o755)
    script = path / "backup.sh"
    script.write_text(SCRIPT)
    script.chmod(0o755)
    yield path.resolve()
    shutil.rmtree(path, ignore_errors=True)


def test_cli_shell_task_keeps_the_current_folder(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    added = cli("task", "add", "--name", "backup", "--cron", "0 2 * * *", "--shell", "--json", "--", "./backup.sh")
    assert added.code == 0, added.err
    assert added.json()["action"]["cwd"] == str(project)
    shown = cli("task", "show", "backup", "--json").json()
    assert shown["folder"].startswith(str(project))
    monkeypatch.chdir("/")
    ran = cli("run", "backup", "--json")
    assert ran.code == 0, ran.out + ran.err
    assert ran.json()["stdout"].strip() == f"backed up from {project}"


def test_cli_task_edit_cwd_moves_a_task(cli, project, monkeypatch, tmp_path):
    cli("task", "add", "--name", "backup", "--sh", "./backup.sh")  # made in tmp_path: no script there
    assert cli("run", "backup").code == 1
    monkeypatch.chdir(project.parent)
    edited = cli("task", "edit", "backup", "--cwd", project.name, "--json")  # relative to here
    assert edited.json()["action"]["cwd"] == str(project)
    assert cli("run", "backup", "--json").json()["status"] == "completed"


def test_chat_shell_task_runs_in_the_terminal_folder(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    reply = cli("chat", "-m", "every night at 2 run ./backup.sh")
    assert reply.code == 0 and reply.out.startswith("Done:"), reply.out
    [task] = cli("task", "list", "--json").json()
    assert task["action"]["argv"] == ["./backup.sh"] and task["action"]["cwd"] == str(project)
    monkeypatch.chdir("/")
    assert cli("run", str(task["task_id"]), "--json").json()["stdout"].strip() == f"backed up from {project}"


def test_chat_shell_task_uses_the_configured_folder(cli, project, monkeypatch, tmp_path):
    monkeypatch.setenv("CRONPILOT_SHELL_WORKDIR", str(project))
    reply = cli("chat", "-m", "every night at 2 run ./backup.sh")
    assert reply.code == 0, reply.out
    [task] = cli("task", "list", "--json").json()
    assert task["action"]["cwd"] == str(project)
    assert cli("run", str(task["task_id"]), "--json").json()["status"] == "completed"


def test_services_default_folder_is_the_data_folders_files(isolated_settings):
    from cronpilot.settings import Settings
    from cronpilot.wiring import build_app

    app = build_app(Settings())
    try:
        assert app.service.shell_workdir == (isolated_settings / "files").resolve()
        assert app.service.shell_workdir.is_dir()
    finally:
        app.store.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="the user switch happens only when cronpilot is root")
def test_cli_says_when_the_shell_user_cannot_reach_the_folder(cli, tmp_path, monkeypatch):
    closed = tmp_path / "closed"  # pytest's folders are root-only (0700) above this one
    closed.mkdir(mode=0o755)
    monkeypatch.chdir(closed)
    added = cli("task", "add", "--name", "b", "--sh", "./b.sh")
    assert added.code == 0
    assert "note: the command won't find its folder: nobody (the user shell tasks run as) can't enter" in added.err
    assert "not reachable" in cli("task", "show", "b", "--json").json()["folder"]

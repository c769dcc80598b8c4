"""The per-task DST policy from the CLI: `task add/edit --dst-skipped/--dst-repeated`, shown by
`task show`, and every `cronpilot when` preview says which policy its times follow."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from cronpilot.commands.when import when

when_app = typer.Typer()
when_app.command()(when)


@pytest.fixture()
def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()


def test_task_add_stores_dst_policy_and_show_prints_it(cli):
    result = cli("task", "add", "--cron", "30 2 * * *", "--tz", "Europe/Berlin", "--noop",
                 "--dst-repeated", "both", "--dst-skipped", "skip", "--json")
    assert result.code == 0, result.err
    task = result.json()
    assert task["triggers"] == [{"kind": "cron", "expression": "30 2 * * *",
                                 "dst": {"skipped": "skip", "repeated": "both"}}]
    shown = cli("task", "show", str(task["task_id"]))
    assert shown.code == 0, shown.err
    assert "skipped=skip, repeated=both" in shown.out


def test_task_edit_changes_only_the_named_half_of_the_policy(cli):
    added = cli("task", "add", "--when", "every day at 2:30am", "--tz", "America/New_York", "--noop",
                "--dst-skipped", "skip", "--json").json()
    edited = cli("task", "edit", str(added["task_id"]), "--dst-repeated", "last", "--json")
    assert edited.code == 0, edited.err
    assert edited.json()["triggers"][0]["dst"] == {"skipped": "skip", "repeated": "last"}


def test_task_add_refuses_unknown_dst_choice_in_one_line(cli):
    result = cli("task", "add", "--cron", "0 9 * * *", "--noop", "--dst-repeated", "twice")
    assert result.code == 2
    assert "--dst-repeated is first, last or both" in result.err
    assert "Traceback" not in result.err


def test_when_preview_follows_and_shows_the_policy(runner: CliRunner) -> None:
    args = ["every day at 2:30am", "--tz", "Europe/Berlin", "--now", "2026-10-24T12:00", "-n", "3"]
    default = runner.invoke(when_app, [*args, "--json"])
    both = runner.invoke(when_app, [*args, "--json", "--dst-repeated", "both"])
    assert default.exit_code == 0 and both.exit_code == 0, both.output
    assert json.loads(default.stdout)["next"] == [
        "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00", "2026-10-27T02:30:00+01:00"]
    data = json.loads(both.stdout)
    assert data["next"] == ["2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00",
                            "2026-10-26T02:30:00+01:00"]
    assert data["dst"] == {"skipped": "shift", "repeated": "both"}
    assert any("it runs at both" in n for n in data["notes"])
    text = runner.invoke(when_app, args)
    assert "dst: skipped=shift, repeated=first" in text.stdout

"""A task's public-holiday calendar from the CLI: `task add/edit --holidays`, phrases that ask
for it ("except public holidays"), `task show` naming the calendar and the next holidays, and
`cronpilot when --holidays` previews listing the holidays they skip."""

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


def test_task_add_with_a_calendar_stores_it_and_show_prints_it(cli):
    result = cli("task", "add", "--cron", "0 9 * * 1-5", "--tz", "Europe/Berlin", "--noop",
                 "--holidays", "de", "--json")
    assert result.code == 0, result.err
    task = result.json()
    assert task["triggers"] == [{"kind": "cron", "expression": "0 9 * * 1-5", "holidays": "DE"}]
    shown = cli("task", "show", str(task["task_id"]))
    assert shown.code == 0, shown.err
    assert "skips public holidays of DE (next:" in shown.out


def test_a_phrase_asking_for_holidays_takes_the_zones_country(cli):
    added = cli("task", "add", "--when", "every weekday at 9am except public holidays",
                "--tz", "America/New_York", "--noop", "--json")
    assert added.code == 0, added.err
    assert added.json()["triggers"][0]["holidays"] == "US"
    cleared = cli("task", "edit", str(added.json()["task_id"]), "--holidays", "", "--json")
    assert cleared.code == 0, cleared.err
    assert "holidays" not in cleared.json()["triggers"][0]


def test_task_calendar_is_what_an_unnamed_country_means(cli):
    added = cli("task", "add", "--when", "every monday at 10 unless it's a public holiday",
                "--tz", "UTC", "--holidays", "US-NY", "--noop", "--json")
    assert added.code == 0, added.err
    assert added.json()["triggers"][0]["holidays"] == "US-NY"


def test_unknown_calendar_is_refused_in_one_line(cli):
    result = cli("task", "add", "--cron", "0 9 * * *", "--noop", "--holidays", "Atlantis")
    assert result.code == 2
    assert "unknown holiday calendar" in result.err and "Traceback" not in result.err


def test_when_preview_skips_and_names_the_holidays(runner: CliRunner) -> None:
    args = ["every weekday at 9", "--tz", "Europe/Berlin", "--now", "2026-12-20T10:00", "-n", "5"]
    plain = runner.invoke(when_app, [*args, "--json"])
    german = runner.invoke(when_app, [*args, "--json", "--holidays", "DE"])
    assert plain.exit_code == 0 and german.exit_code == 0, german.output
    assert "2026-12-25T09:00:00+01:00" in json.loads(plain.stdout)["next"]
    data = json.loads(german.stdout)
    assert "2026-12-25T09:00:00+01:00" not in data["next"] and data["holidays"] == "DE"
    text = runner.invoke(when_app, [*args, "--holidays", "DE"])
    assert "skipped in this preview: Fri 25 Dec 2026 Christmas Day)" in text.stdout
    assert "Second Day of Christmas" not in text.stdout  # a Saturday: no run to skip


def test_when_refuses_holidays_without_a_country(runner: CliRunner) -> None:
    result = runner.invoke(when_app, ["every weekday at 9 except public holidays", "--tz", "UTC"])
    assert result.exit_code == 2
    assert "Which country's public holidays?" in (result.stderr or result.output)

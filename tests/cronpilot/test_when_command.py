"""`cronpilot when`: text and JSON output, --now/--tz, and refusals (exit 2, one line on stderr)."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from cronpilot.commands.when import when

app = typer.Typer()
app.command()(when)


@pytest.fixture()
def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()


def test_text_output(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["every other Tuesday at 5pm", "--tz", "Europe/Berlin", "--now", "2026-06-10T10:00"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == "every other Tuesday at 17:00, Europe/Berlin  (recurring)"
    assert "rrule: rule=FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" in out
    assert out.count("(2026-") == 5  # default: 5 fire times
    assert "(2026-06-16T17:00:00+02:00)" in out and "(2026-08-11T17:00:00+02:00)" in out


def test_json_output(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [
            "every weekday at 8:30",
            "--tz",
            "America/New_York",
            "--now",
            "2026-03-06T10:00",
            "-n",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == {
        "kind": "recurring",
        "description": "every weekday at 08:30, America/New_York",
        "trigger": {"kind": "cron", "expression": "30 8 * * 1-5"},
        "dst": {"skipped": "shift", "repeated": "first"},
        "next": [
            "2026-03-09T08:30:00-04:00",
            "2026-03-10T08:30:00-04:00",
            "2026-03-11T08:30:00-04:00",
        ],
    }


def test_json_with_several_triggers_and_an_interval(runner: CliRunner) -> None:
    args = [
        "every 15 minutes between 9 and 17 on weekdays",
        "--tz",
        "UTC",
        "--now",
        "2026-06-10T16:50",
        "--json",
    ]
    data = json.loads(runner.invoke(app, args).stdout)
    assert data["trigger"] == data["triggers"][0]
    assert [t["expression"] for t in data["triggers"]] == [
        "0,15,30,45 9-16 * * 1-5",
        "0 17 * * 1-5",
    ]
    assert data["next"][:2] == ["2026-06-10T17:00:00+00:00", "2026-06-11T09:00:00+00:00"]
    data = json.loads(
        runner.invoke(
            app, ["every 20 min", "--tz", "UTC", "--now", "2026-06-10T10:00", "--json"]
        ).stdout
    )
    assert data["kind"] == "interval"
    assert data["trigger"] == {
        "kind": "interval",
        "every": "PT20M",
        "anchor_at": "2026-06-10T10:00:00Z",
    }


def test_now_is_local_wall_time_in_tz(runner: CliRunner) -> None:
    args = ["in 2 hours", "--tz", "America/New_York", "--now", "2026-03-08T01:30", "--json"]
    data = json.loads(runner.invoke(app, args).stdout)
    assert data["kind"] == "once"
    assert data["next"] == ["2026-03-08T04:30:00-04:00"]


def test_cron_expression_as_is(runner: CliRunner) -> None:
    args = ["*/5 * * * *", "--tz", "UTC", "--now", "2026-06-10T10:02", "-n", "2", "--json"]
    data = json.loads(runner.invoke(app, args).stdout)
    assert data["trigger"] == {"kind": "cron", "expression": "*/5 * * * *"}
    assert data["next"] == ["2026-06-10T10:05:00+00:00", "2026-06-10T10:10:00+00:00"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["every blue moon", "--tz", "UTC"], "I couldn't read 'every blue moon'"),
        (["yesterday at 5", "--tz", "UTC", "--now", "2026-06-10T10:00"], "in the past"),
        (["tomorrow", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["tomorrow", "--tz", "UTC", "--now", "soon"], "--now must be"),
    ],
)
def test_refusals_exit_2_with_one_line_on_stderr(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_default_zone_comes_from_settings(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRONPILOT_TIMEZONE", "Asia/Tokyo")
    data = json.loads(
        runner.invoke(app, ["tomorrow at 9", "--now", "2026-06-10T10:00", "--json"]).stdout
    )
    assert data["next"] == ["2026-06-11T09:00:00+09:00"]

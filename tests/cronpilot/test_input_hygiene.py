"""Bad input to the CLI is refused with one line and exit 2, and nothing is created (issue 14,
item 5); the rules live in the service, so chat and the API get them too. A hypothesis fuzz
of ``task add``'s options asserts: a non-zero exit or a valid task, never a traceback, never a
wrong reading."""

from __future__ import annotations

import time
import unicodedata
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.errors import InvalidRequest
from scheduler.hygiene import check_payload, confusable_with, skeleton


def refused(result, *words: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    lines = [line for line in result.err.strip().splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.err
    assert "Traceback" not in result.err + result.out
    for word in words:
        assert word in lines[0], lines[0]


def task_count(cli) -> int:
    return len(cli("task", "list", "--json").json())


@pytest.mark.parametrize(("args", "says"), [
    (["--name", "x", "--tz", "", "--every", "1h", "--remind", "hi"], "--tz is empty"),
    (["--name", "", "--every", "1h", "--remind", "hi"], "--name is empty"),
    (["--name", "x", "--every", "", "--remind", "hi"], "--every is empty"),
    (["--name", "x", "--cron", " ", "--remind", "hi"], "--cron is empty"),
    (["--name", "   ", "--every", "1h", "--remind", "hi"], "--name is empty"),
    (["--name", "a\u202eb", "--every", "1h", "--remind", "hi"], "U+202E"),
    (["--name", "zero\u200bwidth", "--every", "1h", "--remind", "hi"], "U+200B"),
    (["--name", "bell\x07", "--every", "1h", "--remind", "hi"], "control"),
    (["--name", "x", "--every", "1", "--remind", "hi"], "minimum of 10 s"),
    (["--name", "x", "--every", "9s", "--remind", "hi"], "minimum of 10 s"),
    (["--name", "x", "--cron", "*/2 * * * * *", "--remind", "hi"], "2 s apart"),
    (["--name", "x", "--when-true", "https://example.com", "--check-every", "7s", "--remind", "hi"], "checking"),
    (["--name", "x", "--when", "every 1e9 seconds", "--remind", "hi"], "'1e9'"),
    (["--name", "x", "--when", "every 1_000 seconds", "--remind", "hi"], "'1_000'"),
    (["--name", "x", "--when", "every 0x10 minutes", "--remind", "hi"], "'0x10'"),
    (["--name", "x", "--when", "every 1 foo", "--remind", "hi"], "'foo'"),  # was the 1st of the month
    (["--name", "x", "--when", "every 5 at 9", "--remind", "hi"], "5 of what"),
    (["--name", "x", "--every", "1h", "--sh", "echo", "--env", "LD_PRELOAD=/tmp/x.so"], "LD_PRELOAD"),
    (["--name", "x", "--every", "1h", "--sh", "echo", "--env", "PATH=/tmp"], "PATH"),
    (["--name", "x", "--every", "1h", "--sh", "echo", "--env", "BASH_ENV=/tmp/rc"], "BASH_ENV"),
    (["--name", "x", "--every", "1h", "--sh", "echo", "--env", "ENV=/tmp/rc"], "ENV"),
    (["--name", "x", "--every", "1h", "--sh", "echo", "--env", "PYTHONPATH=/tmp"], "PYTHONPATH"),
    (["--name", "x", "--every", "1h", "--sh", "echo", "--env", "BASH_FUNC_ls%%=() { id; }"], "BASH_FUNC"),
    (["--name", "x", "--every", "1h", "--http", "https://example.com", "-H", "X-A: b\r\nX-Evil: 1"], "line break"),
    (["--name", "x", "--every", "1h", "--http", "https://example.com", "-H", "X A: b"], "header name"),
    (["--name", "x", "--cron", "0 9 L * *", "--remind", "hi"], "L (last day)"),
    (["--name", "x", "--cron", "0 9 15W * *", "--remind", "hi"], "W"),
])
def test_bad_task_input_is_refused_and_creates_nothing(cli, args, says):
    refused(cli("task", "add", *args), says)
    assert task_count(cli) == 0


def test_chat_refuses_a_count_of_an_unknown_unit_in_one_friendly_sentence(cli):
    """Read as "the 1st of every month", the chat created 'foo to stretch' monthly."""
    result = cli("chat", "-m", "remind me every 1 foo to stretch")
    assert result.code == 0 and "Traceback" not in result.out + result.err
    reply = result.out.strip()
    assert reply.startswith("I don't know 'foo' as a unit of time") and "\n" not in reply, reply
    assert task_count(cli) == 0


def test_a_name_that_looks_like_an_existing_one_is_refused(cli):
    assert cli("task", "add", "--name", "backup", "--every", "1h", "--remind", "hi").code == 0
    for lookalike in ("b\u0430ckup", "\uff42ackup", "backu\u0440"):  # Cyrillic а, full-width b, Cyrillic р
        refused(cli("task", "add", "--name", lookalike, "--every", "1h", "--remind", "hi"), "looks like", "backup")
    # Renaming another task into a look-alike is refused the same way; its own name stays free.
    assert cli("task", "add", "--name", "report", "--every", "1h", "--remind", "hi").code == 0
    refused(cli("task", "edit", "report", "--name", "b\u0430ckup"), "looks like")
    assert cli("task", "edit", "backup", "--name", "backup").code == 0
    assert sorted(t["name"] for t in cli("task", "list", "--json").json()) == ["backup", "report"]
    # Plain ASCII names that differ are fine, even when a font could confuse them.
    assert cli("task", "add", "--name", "task1", "--every", "1h", "--remind", "hi").code == 0
    assert cli("task", "add", "--name", "taskl", "--every", "1h", "--remind", "hi").code == 0


def test_the_minimum_interval_is_a_setting(cli, monkeypatch):
    monkeypatch.setenv("CRONPILOT_MIN_INTERVAL", "1s")
    assert cli("task", "add", "--name", "fast", "--every", "1", "--remind", "hi").code == 0
    monkeypatch.setenv("CRONPILOT_MIN_INTERVAL", "1m")
    refused(cli("task", "add", "--name", "slowish", "--every", "30s", "--remind", "hi"), "minimum of 60 s")


def test_an_old_task_below_the_minimum_can_still_be_changed_elsewhere(cli, monkeypatch):
    monkeypatch.setenv("CRONPILOT_MIN_INTERVAL", "1s")
    assert cli("task", "add", "--name", "fast", "--every", "2s", "--remind", "hi").code == 0
    monkeypatch.delenv("CRONPILOT_MIN_INTERVAL")
    assert cli("task", "edit", "fast", "--remind", "changed").code == 0  # its schedule untouched
    refused(cli("task", "edit", "fast", "--every", "3s"), "minimum")


def test_engine_durations_read_as_people_write_them(monkeypatch):
    from cronpilot.settings import Settings

    monkeypatch.setenv("CRONPILOT_SHARE_LEASE", "15s")  # as docs/running.md writes the default
    monkeypatch.setenv("CRONPILOT_LEASE_TTL", "2m")
    monkeypatch.setenv("CRONPILOT_RECORD_AHEAD", "750ms")
    s = Settings()
    assert (s.share_lease, s.lease_ttl, s.record_ahead) == (
        timedelta(seconds=15), timedelta(minutes=2), timedelta(milliseconds=750))
    monkeypatch.setenv("CRONPILOT_RECORD_AHEAD", "")
    assert Settings().record_ahead is None  # unset: by database


def test_an_unreadable_engine_duration_is_one_line_and_exit_2(cli, monkeypatch):
    monkeypatch.setenv("CRONPILOT_RECORD_AHEAD", "soon")
    refused(cli("task", "list"), "CRONPILOT_RECORD_AHEAD:", "500ms")
    monkeypatch.setenv("CRONPILOT_RECORD_AHEAD", "20s")
    refused(cli("task", "list"), "CRONPILOT_RECORD_AHEAD:", "10 seconds")


@pytest.mark.parametrize(("data", "says"), [
    ('{"a": NaN}', "NaN"), ('{"a": Infinity}', "Infinity"), ('{"a":"xxx', "not valid JSON"),
    ('"\\ud800"', "surrogate"), ("[" * 100_000, "not valid JSON"), ("", "not valid JSON"),
])
def test_emit_refuses_data_a_database_could_not_keep(cli, data, says):
    assert cli("task", "add", "--name", "listener", "--on", "deploy.done", "--remind", "hi").code == 0
    result = cli("emit", "deploy.done", "--data", data)
    assert result.code == 2 and "Traceback" not in result.err
    assert cli("runs", "--json").json() == []


def test_the_service_refuses_payloads_whatever_the_interface():
    for bad in ({"a": float("nan")}, {"a": "\ud800"}, {"a": "x\x00"}, {"k": [1e309]}):
        with pytest.raises(InvalidRequest):
            check_payload(bad)
    deep: list = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(InvalidRequest):
        check_payload({"deep": deep})
    assert check_payload({"a": [1, 2.5, "ok", None, True]}) == {"a": [1, 2.5, "ok", None, True]}


def test_workflow_file_is_read_with_a_cap(cli, tmp_path):
    started = time.monotonic()
    refused(cli("workflow", "create", "-f", "/dev/zero"), "over")
    assert time.monotonic() - started < 30  # generous: the point is it is not read to the end
    big = tmp_path / "big.yaml"
    big.write_text("steps:\n" + "# padding\n" * 200_000)
    refused(cli("workflow", "create", "-f", str(big)), "over")
    refused(cli("workflow", "create", "-f", str(tmp_path / "missing.yaml")), "can't read")


def test_logs_neutralise_terminal_escapes(cli, tmp_path):
    script = "printf 'before \\033[2J\\033]0;owned\\007 \\233 after \\342\\200\\256 rtl\\n'"
    assert cli("task", "add", "--name", "noisy", "--every", "1h", "--cwd", "/", "--sh", script).code == 0
    ran = cli("run", "noisy", "--wait")
    assert ran.code == 0, ran.err
    [run] = cli("runs", "--json").json()
    shown = cli("logs", str(run["run_id"]))
    assert shown.code == 0
    assert "before" in shown.out and "after" in shown.out
    for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert bad not in shown.out


def test_skeleton_and_confusables():
    assert skeleton("b\u0430ckup") == skeleton("backup")
    assert skeleton("\U0001d41b\U0001d41a\U0001d41c\U0001d424") == skeleton("back")  # mathematical bold
    assert confusable_with("b\u0430ckup", ["backup", "other"]) == "backup"
    assert confusable_with("backup", ["b\u0430ckup"]) == "b\u0430ckup"
    assert confusable_with("backup", ["backup"]) is None  # the same name is the store's to refuse
    assert confusable_with("deploy", ["backup", "d\u0435ploy-2"]) is None


# --- the fuzz ----------------------------------------------------------------------------------

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@pytest.mark.slow  # a hypothesis fuzz through the CLI (~8 s): not in the fast lane
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    every=st.one_of(st.builds(lambda n, u: f"{n}{u}", st.integers(-5, 100_000), st.sampled_from(list(UNITS))),
                    st.integers(-3, 100).map(str), _texts),
    name=st.one_of(st.none(), _texts),
    tz=st.one_of(st.none(), st.sampled_from(["", " ", "UTC", "Europe/Berlin", "Mars/Base", "../etc", "utc"])),
    env=st.lists(st.builds(lambda k, v: f"{k}={v}", st.sampled_from(["FOO", "LD_AUDIT", "PATH", "PYTHONHOME",
                                                                      "A-B", "", "ENV", "Path"]), _texts),
                 max_size=2),
)
def test_fuzz_task_add_options(cli, every, name, tz, env):
    before = task_count(cli)
    args = ["task", "add", "--every", every, "--sh", "echo hi", "--json"]
    if name is not None:
        args += ["--name", name]
    if tz is not None:
        args += ["--tz", tz]
    for item in env:
        args += ["--env", item]
    result = cli(*args)
    assert "Traceback" not in result.out + result.err
    if result.code != 0:
        assert result.code in (2, 5), (args, result.err)
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert task_count(cli) == before
        return
    task = result.json()
    [trigger] = task["triggers"]
    seconds = _iso_seconds(trigger["every"])
    # Never a wrong reading: "--every N<unit>" is N of that unit, and never below the minimum.
    if every[-1:] in UNITS and every[:-1].isdigit():
        assert seconds == int(every[:-1]) * UNITS[every[-1]]
    elif every.isdigit():
        assert seconds == int(every)
    assert seconds >= 10
    for item in env:
        key = item.partition("=")[0]
        assert key.upper() not in {"LD_AUDIT", "PATH", "PYTHONHOME", "ENV"}
        assert task["action"]["env"][key] == item.partition("=")[2]
    if name is not None:
        assert task["name"] == unicodedata.normalize("NFC", name).strip()


def _iso_seconds(value: str) -> float:
    from pydantic import TypeAdapter

    return TypeAdapter(timedelta).validate_python(value).total_seconds()

"""The command follows the conventions people expect: usage errors exit 2 with one line and a
hint (never a traceback, never logged as a crash), --version, shell completion, NO_COLOR, and
help that answers without loading the service."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cronpilot.commands import registry

USAGE_ERRORS = [
    (["nosuchcmd"], "No such command 'nosuchcmd'", "cronpilot --help"),
    (["task", "list", "--bogus"], "No such option: --bogus", "cronpilot task list --help"),
    (["task", "add", "--bogus", "--noop"], "No such option: --bogus", "cronpilot task add --help"),
    (["task", "show"], "Missing argument", "cronpilot task show --help"),
    (["logs", "abc"], "Invalid value", "cronpilot logs --help"),
    (["runs", "--status", "exploded"], "exploded", "cronpilot runs --help"),
    (["task", "add", "--every", "1h", "--noop", "--retries", "100"], "--retries", "cronpilot task add --help"),
    (["task", "list", "--status"], "requires an argument", "cronpilot task list --help"),
    (["--log-level", "loud", "task", "list"], "unknown log level", "cronpilot --help"),
]


@pytest.mark.parametrize(("args", "needle", "hint"), USAGE_ERRORS)
def test_cli_usage_error_exits_2_with_one_line_and_a_hint(cli, isolated_settings: Path, args, needle, hint):
    result = cli(*args)
    assert result.code == 2, result.err
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("error: ") and needle in lines[0], result.err
    assert lines[1:] == [f"try: {hint}"]
    assert "Traceback" not in result.err + result.out
    assert not (isolated_settings / "logs" / "cli-errors.log").exists()  # not a crash


def _cronpilot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cronpilot", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


@pytest.mark.slow  # starts a Python process
def test_cli_usage_error_exit_status_of_the_real_process():
    done = _cronpilot("task", "list", "--bogus")
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["error: No such option: --bogus", "try: cronpilot task list --help"]


def test_cli_version_prints_the_installed_version(cli):
    from importlib.metadata import version

    result = cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"cronpilot {version('cronpilot')}"


def test_cli_bare_group_shows_its_help(cli):
    result = cli("task")
    assert result.code == 2  # click's convention: help, but the command did nothing
    shown = result.out + result.err
    assert "add" in shown and "list" in shown and "Traceback" not in shown


def test_cli_completion_script_and_command_names():
    script = _cronpilot(env={"_CRONPILOT_COMPLETE": "source_bash"})
    assert script.returncode == 0
    assert "_cronpilot_completion()" in script.stdout and "complete " in script.stdout
    names = _cronpilot(env={"_CRONPILOT_COMPLETE": "complete_bash", "COMP_WORDS": "cronpilot st",
                            "COMP_CWORD": "1"})
    assert names.stdout.split() == ["stats", "status"]
    options = _cronpilot(env={"_CRONPILOT_COMPLETE": "complete_bash", "COMP_WORDS": "cronpilot task add --ev",
                              "COMP_CWORD": "3"})
    assert options.stdout.split() == ["--every"]


@pytest.mark.slow  # starts a Python process
def test_cli_help_imports_no_command_module_or_service():
    code = ("import sys; from cronpilot.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "loaded = [m for m in sys.modules if m.startswith(('cronpilot.commands.tasks', 'scheduler.service', "
            "'sqlalchemy', 'scheduler.models'))]\n"
            "print('LOADED', loaded)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "LOADED []" in done.stdout, done.stdout[-500:] + done.stderr
    for name in registry.COMMANDS:
        assert name in done.stdout


def test_cli_registry_help_matches_each_command():
    import typer

    for name, entry in registry.COMMANDS.items():
        target = registry.load(name)
        text = target.info.help if isinstance(target, typer.Typer) else inspect.getdoc(target)
        assert " ".join(str(text).split()).startswith(entry.help), name


def test_cli_flags_show_no_value_type_in_help(cli):
    result = cli("task", "list", "--help")
    assert result.code == 0
    assert "--json" in result.out and "<bool>" not in result.out


def test_cli_no_color_is_honoured(cli):
    cli("task", "add", "--name", "hi", "--noop")
    assert cli("run", "hi").code == 0
    env = {"CRONPILOT_DATA_DIR": os.environ["CRONPILOT_DATA_DIR"], "FORCE_COLOR": "1"}
    colored = _cronpilot("runs", env=env)
    plain = _cronpilot("runs", env={**env, "NO_COLOR": "1"})
    color = re.compile(r"\x1b\[(3[0-7]|9[0-7]|38;)")
    assert color.search(colored.stdout), "FORCE_COLOR should colour the status"
    assert "completed" in plain.stdout and not color.search(plain.stdout)


@pytest.mark.parametrize(("command", "hint"), [
    (("user", "list"), "cronpilot user add"), (("token", "list"), "cronpilot token create"),
    (("secret", "list"), "cronpilot secret set"),
])
def test_list_commands_share_one_shape(cli, command: tuple[str, ...], hint: str) -> None:
    """``render.print_listing``: --json is a list (empty when there is nothing), the plain form a
    hint saying how to make the first one, then a table once there is one."""
    assert cli(*command, "--json").json() == []
    empty = cli(*command)
    assert empty.code == 0 and hint in empty.out
    cli("user", "add", "ana", "--role", "member")
    cli("token", "create", "--user", "ana", "--name", "laptop")
    if command[0] == "secret":
        return  # setting one reads stdin; the table path is the same helper
    assert len(cli(*command, "--json").json()) == 1
    table = cli(*command)
    assert table.code == 0 and "ana" in table.out and hint not in table.out

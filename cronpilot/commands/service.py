"""``cronpilot service install|uninstall|status``: keep an engine running with a systemd user
unit, so tasks fire without a terminal open (and again after a reboot, with lingering on).

Where systemd's user manager isn't there (containers, WSL without systemd, macOS) the unit is
still written, and the command says what to use instead: the compose file, or ``cronpilot
serve`` under whatever keeps processes running there.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import typer

from .. import render
from .context import current_app

service_app = typer.Typer(
    help="Run the engine as a service that starts with your login (systemd user unit).",
    no_args_is_help=True,
)
UNIT = "cronpilot.service"
ELSEWHERE = ("Without systemd, keep `cronpilot serve` running another way: `docker compose up -d` "
             "with the compose.yml in the cronpilot folder, or your system's supervisor (launchd, "
             "supervisord, runit); `nohup cronpilot serve &` lasts until the next reboot.")


def unit_path() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user" / UNIT


def cronpilot_command() -> list[str]:
    """How to start this very cronpilot: the console script beside this Python, else -m."""
    script = Path(sys.executable).with_name("cronpilot")  # not resolved: the venv's bin/
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cronpilot"]


def unit_text(command: list[str], *, workdir: Path, grace: int = 30) -> str:
    """The unit: ``serve`` in ``workdir`` (where its .env is read), restarted if it fails,
    stopped with SIGTERM and ``grace`` seconds for running tasks."""
    exec_start = " ".join(shlex.quote(part) for part in [*command, "serve", "--grace", str(grace)])
    return "\n".join([
        "# Written by `cronpilot service install`; remove with `cronpilot service uninstall`.",
        "[Unit]",
        "Description=cronpilot engine (scheduled and event-driven tasks)",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        f"WorkingDirectory={workdir}",
        f"ExecStart={exec_start}",
        "Environment=PYTHONUNBUFFERED=1",
        "Restart=on-failure",
        "RestartSec=5",
        "KillSignal=SIGTERM",
        f"TimeoutStopSec={grace + 15}",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ])


def systemd_problem() -> str | None:
    """Why ``systemctl --user`` can't be used here, or None when it can."""
    if shutil.which("systemctl") is None:
        return "systemctl is not installed"
    try:
        done = subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True, check=False,
                              text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"systemctl --user did not answer ({exc})"
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        return f"systemd's user manager is not running here ({reason[0] if reason else 'no reason given'})"
    return None


def _systemctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True, timeout=60,
                          check=False)


@service_app.command("install")
def install(
    workdir: Path = typer.Option(Path.cwd, "--workdir", help="Folder the engine runs in (its .env is read there).",
                                 show_default="the current folder"),
    start: bool = typer.Option(True, "--start/--no-start", help="Enable and start it now."),
    print_only: bool = typer.Option(False, "--print", help="Print the unit instead of writing it."),
) -> None:
    """Write a systemd user unit that runs `cronpilot serve`, enable and start it."""
    text = unit_text(cronpilot_command(), workdir=workdir.expanduser().resolve())
    if print_only:
        typer.echo(text, nl=False)
        return
    path = unit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    render.console.print(f"wrote {render.escape(str(path))}")
    problem = systemd_problem()
    if problem is not None:
        render.err_console.print(f"not started: {problem}.", markup=False, soft_wrap=True)
        render.err_console.print(ELSEWHERE, markup=False, soft_wrap=True)
        raise typer.Exit(1)
    _check(_systemctl("daemon-reload"))
    if start:
        _check(_systemctl("enable", "--now", UNIT))
        render.console.print(f"started: {UNIT} runs `cronpilot serve` now and at each login "
                             "(see `cronpilot service status`).")
        user = os.environ.get("USER") or "$USER"
        render.console.print(f"To keep it running while you are logged out and after reboots: "
                             f"loginctl enable-linger {render.escape(user)}", soft_wrap=True)


@service_app.command("uninstall")
def uninstall() -> None:
    """Stop and disable the unit, and remove it."""
    path = unit_path()
    if systemd_problem() is None:
        _systemctl("disable", "--now", UNIT)  # fails harmlessly when it was never enabled
    if path.exists():
        path.unlink()
        render.console.print(f"removed {render.escape(str(path))}")
        if systemd_problem() is None:
            _systemctl("daemon-reload")
    else:
        render.console.print(f"no unit at {render.escape(str(path))}: nothing to remove")


@service_app.command("status")
def service_status(json_output: bool = typer.Option(False, "--json")) -> None:
    """The unit (written? active?) and whether an engine is alive. Exits 1 when none is."""
    path = unit_path()
    problem = systemd_problem()
    active = None
    if problem is None and path.exists():
        active = _systemctl("is-active", UNIT).stdout.strip() or "unknown"
    running = current_app().service.engine_running()
    if json_output:
        render.print_json({"unit": str(path), "installed": path.exists(), "systemd": problem is None,
                           "systemd_problem": problem, "active": active, "engine_running": running})
    else:
        render.console.print(f"unit: {render.escape(str(path))} "
                             f"({'written' if path.exists() else 'not installed'})")
        if problem is not None:
            render.console.print(f"systemd: unavailable: {render.escape(problem)}")
        elif active is not None:
            render.console.print(f"systemd: {render.escape(active)}")
        render.console.print("engine: " + ("running (heartbeat fresh)" if running else
                                           "not running: nothing fires tasks now"))
    if not running:
        raise typer.Exit(1)


def _check(done: subprocess.CompletedProcess[str]) -> None:
    if done.returncode != 0:
        from scheduler.errors import CronpilotError

        reason = (done.stderr or done.stdout).strip() or f"exit status {done.returncode}"
        raise CronpilotError(f"systemctl {' '.join(done.args[1:])} failed: {reason}")

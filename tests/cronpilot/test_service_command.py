"""`cronpilot service`: a systemd user unit that runs `serve`, and a clear answer where systemd
isn't there (this machine has no systemd: a stand-in `systemctl` records what would be run)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def _fake_systemctl(folder: Path, *, works: bool) -> Path:
    """A `systemctl` that logs its arguments; `show-environment` fails unless ``works``."""
    folder.mkdir(exist_ok=True)
    log = folder / "calls.log"
    script = folder / "systemctl"
    failing = "" if works else 'if [ "$2" = show-environment ]; then echo "Failed to connect to bus: No medium found" >&2; exit 1; fi\n'
    script.write_text(f'#!/bin/sh\n{failing}echo "$@" >> {log}\necho active\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return log


def test_service_unit_runs_serve_in_the_folder_with_restarts(cli, tmp_path):
    result = cli("service", "install", "--print", "--workdir", str(tmp_path))
    assert result.code == 0
    unit = result.out
    assert f"WorkingDirectory={tmp_path}\n" in unit
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert exec_start.endswith(" serve --grace 30")
    program = exec_start.removeprefix("ExecStart=").split()[0]
    assert os.access(program, os.X_OK)  # the cronpilot of this install
    assert "Restart=on-failure" in unit and "WantedBy=default.target" in unit
    assert "TimeoutStopSec=45" in unit  # longer than serve's grace


def test_service_install_without_systemd_writes_the_unit_and_says_what_to_do(cli, config_home, tmp_path, monkeypatch):
    log = _fake_systemctl(tmp_path / "bin", works=False)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    result = cli("service", "install")
    assert result.code == 1
    assert (config_home / "systemd" / "user" / "cronpilot.service").is_file()
    assert "not started: systemd's user manager is not running here (Failed to connect to bus" in result.err
    assert "docker compose up -d" in result.err and "Traceback" not in result.err
    assert "enable" not in (log.read_text() if log.exists() else "")  # nothing started


def test_service_install_enables_and_uninstall_removes(cli, config_home, tmp_path, monkeypatch):
    log = _fake_systemctl(tmp_path / "bin", works=True)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    installed = cli("service", "install")
    assert installed.code == 0, installed.err
    unit = config_home / "systemd" / "user" / "cronpilot.service"
    assert unit.is_file() and "loginctl enable-linger" in installed.out
    assert log.read_text().splitlines() == ["--user show-environment", "--user daemon-reload",
                                            "--user enable --now cronpilot.service"]
    status = cli("service", "status", "--json")
    assert status.code == 1  # the stand-in says active, but no engine beats in the database
    assert status.json() | {"unit": None} == {"unit": None, "installed": True, "systemd": True,
                                               "systemd_problem": None, "active": "active",
                                               "engine_running": False}
    removed = cli("service", "uninstall")
    assert removed.code == 0 and not unit.exists()
    assert "--user disable --now cronpilot.service" in log.read_text()


def test_service_status_without_systemd(cli, config_home, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no systemctl at all
    result = cli("service", "status")
    assert result.code == 1
    assert "systemd: unavailable: systemctl is not installed" in result.out
    assert "engine: not running" in result.out

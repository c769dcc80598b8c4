"""`cronpilot doctor` passes a good install and names the fix on a broken one."""

from __future__ import annotations

import os

import sqlalchemy as sa


def _checks(result) -> dict[str, dict]:
    return {c["check"]: c for c in result.json()["checks"]}


def test_doctor_passes_a_good_install(cli, isolated_settings):
    assert cli("task", "list").code == 0  # first use sets the database up
    result = cli("doctor", "--json")
    assert result.code == 0, result.out
    checks = _checks(result)
    assert result.json()["ok"] is True
    assert checks["database"]["level"] == "ok" and checks["migrations"]["level"] == "ok"
    assert "current" in checks["migrations"]["detail"]
    assert checks["engine"]["level"] == "warn" and "cronpilot serve" in checks["engine"]["fix"]
    assert checks["time zones"]["level"] == "ok" and checks["disk"]["level"] == "ok"
    assert checks["data folder"]["level"] == "ok"  # made closed to others (0700)
    assert checks["sandbox"]["level"] in ("ok", "warn")  # bubblewrap may be missing: a warning
    text = cli("doctor")
    assert text.code == 0 and "✔ database" in text.out


def test_doctor_names_the_fix_when_the_database_is_unreachable(cli, monkeypatch):
    monkeypatch.setenv("CRONPILOT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = cli("doctor")
    assert result.code == 1
    lines = result.out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("✘ database"))
    assert "unavailable" in lines[at]
    assert lines[at + 1].strip().startswith("fix: start the database or fix CRONPILOT_DATABASE_URL")
    assert "Traceback" not in result.out + result.err


def test_doctor_reports_a_schema_newer_than_the_code(cli, isolated_settings):
    cli("task", "list")
    engine = sa.create_engine(f"sqlite:///{isolated_settings / 'cronpilot.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = cli("doctor", "--json")
    assert result.code == 1
    migrations = _checks(result)["migrations"]
    assert migrations["level"] == "broken" and migrations["fix"] == "upgrade this cronpilot install"


def test_doctor_required_sandbox_missing_and_odd_tokens_are_broken(cli, monkeypatch, tmp_path):
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no bwrap
    monkeypatch.setenv("CRONPILOT_SHELL_SANDBOX", "bwrap")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "not-a-slack-token")
    result = cli("doctor", "--json")
    assert result.code == 1
    checks = _checks(result)
    assert checks["sandbox"]["level"] == "broken" and "apt-get install bubblewrap" in checks["sandbox"]["fix"]
    assert checks["connectors"]["level"] == "broken" and "SLACK_BOT_TOKEN" in checks["connectors"]["detail"]


def test_doctor_warns_without_bubblewrap_and_about_an_open_data_folder(cli, monkeypatch, tmp_path, isolated_settings):
    cli("task", "list")
    isolated_settings.chmod(0o755)
    monkeypatch.setenv("CRONPILOT_SHELL_SANDBOX", "none")
    checks = _checks(cli("doctor", "--json"))
    assert checks["sandbox"]["level"] == "warn" and "reach any host" in checks["sandbox"]["detail"]
    assert checks["data folder"]["level"] == "warn"
    assert checks["data folder"]["fix"] == f"chmod 700 {isolated_settings}"
    assert os.stat(isolated_settings).st_mode & 0o777 == 0o755  # doctor only looks

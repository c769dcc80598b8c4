"""The data folder is private on a new install and is made private on an existing one, whatever
the umask; settings never show a token in their repr."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cronpilot.settings import Settings
from cronpilot.wiring import build_app


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_a_new_install_is_private(isolated_settings: Path, umask: int, cli) -> None:
    data = isolated_settings
    # --cwd /: a shell task keeps the folder it is made in, and pytest's is closed to `nobody`
    assert cli("task", "add", "--name", "hello", "--every", "1h", "--cwd", "/", "--sh", "echo hello").code == 0
    assert cli("run", "hello").code == 0
    assert mode(data) == 0o700
    db = data / "cronpilot.db"
    assert mode(db) == 0o600
    for extra in (data / "cronpilot.db-wal", data / "cronpilot.db-shm"):
        if extra.exists():
            assert mode(extra) == 0o600, extra
    logs = list((data / "logs").iterdir())
    assert logs and all(mode(f) == 0o600 for f in logs) and mode(data / "logs") == 0o700


def test_the_wal_files_sqlite_creates_later_are_private(isolated_settings: Path, umask: int) -> None:
    app = build_app(Settings())
    app.store.close()
    app = build_app(Settings())
    app.service.list_tasks()  # reopens: SQLite makes -wal and -shm now
    found = [p for p in isolated_settings.iterdir() if p.name.startswith("cronpilot.db")]
    assert {p.name for p in found} >= {"cronpilot.db-wal", "cronpilot.db-shm"}
    assert {p.name: mode(p) for p in found} == {p.name: 0o600 for p in found}
    app.store.close()


def test_an_existing_install_is_fixed_at_start(isolated_settings: Path) -> None:
    data = isolated_settings
    old = os.umask(0o022)
    try:
        (data / "logs").mkdir(parents=True)
        with sqlite3.connect(data / "cronpilot.db") as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE early (x)")
        for name in ("cronpilot.db-wal", "cronpilot.db-shm", "secret.key", "logs/7.log"):
            (data / name).touch()
        os.chmod(data, 0o755)
        os.chmod(data / "logs", 0o755)
        for path in [data / "cronpilot.db", *data.glob("cronpilot.db-*"), data / "logs" / "7.log"]:
            os.chmod(path, 0o644)
    finally:
        os.umask(old)
    (data / "secret.key").unlink()  # an empty key file is not a key; start without one
    build_app(Settings()).store.close()
    assert mode(data) == 0o700 and mode(data / "logs") == 0o700
    assert mode(data / "cronpilot.db") == 0o600 and mode(data / "logs" / "7.log") == 0o600
    for extra in data.glob("cronpilot.db-*"):
        assert mode(extra) == 0o600, extra


def test_settings_repr_shows_no_token_or_password(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "SLACK_BOT_TOKEN": "xoxb-canary-1", "SLACK_APP_TOKEN": "xapp-canary-2",
        "SLACK_SIGNING_SECRET": "signing-canary-3", "TELEGRAM_BOT_TOKEN": "123:tg-canary-4",
        "TELEGRAM_WEBHOOK_SECRET": "tgwebhook-canary-5", "OPENAI_API_KEY": "sk-canary-6",
        "CRONPILOT_SMTP_PASSWORD": "smtp-canary-7",
        "DATABASE_URL": "postgresql://app:dbpass-canary-8@db.example/cronpilot",
        "CRONPILOT_SQL_DATABASES": '{"reports": "postgresql://r:sqlpass-canary-9@db/reports"}',
        "CRONPILOT_SECRET_KEY": "zMpVO9r0WXWG6h7IuGJzLEZ9eVZw9CwXdnQyM0nqrPM=",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    shown = repr(settings) + str(settings)
    assert not [v for v in values.values() if v in shown or v.split(":")[-1] in shown]
    assert "canary" not in shown
    assert settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value() == "xoxb-canary-1"
    assert "dbpass-canary-8" in settings.effective_database_url  # still usable where it is needed

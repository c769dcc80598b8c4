"""``cronpilot doctor``'s checks: is this install able to do its job, and if not, what to fix.

Each check returns a ``Finding``: ``ok``, ``warn`` (works, but something a person should know,
e.g. shell tasks without a sandbox) or ``broken`` (cronpilot can't do part of its job). The
checks only look: nothing is migrated, created or changed (except a throw-away folder for
trying the sandbox).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .settings import Settings

if TYPE_CHECKING:
    from scheduler.store import Store

Level = Literal["ok", "warn", "broken"]
MB = 1024 * 1024
_TOKEN_SHAPES = {
    "SLACK_BOT_TOKEN": re.compile(r"^xoxb-[\w-]{10,}$"),
    "SLACK_APP_TOKEN": re.compile(r"^xapp-[\w-]{10,}$"),
    "SLACK_SIGNING_SECRET": re.compile(r"^[0-9a-f]{32}$"),
    "TELEGRAM_BOT_TOKEN": re.compile(r"^\d{5,}:[\w-]{30,}$"),
}


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    detail: str
    fix: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def run_checks(settings: Settings) -> list[Finding]:
    """Every check, in the order a person would fix them."""
    findings = database_checks(settings)
    for check in (sandbox_check, connectors_check, supabase_check, timezone_check, disk_check, data_folder_check):
        findings.append(_guarded(check, settings))
    return findings


def _guarded(check: Callable[[Settings], Finding], settings: Settings) -> Finding:
    try:
        return check(settings)
    except Exception as exc:  # a check that can't run is itself a finding, not a crash
        name = check.__name__.removesuffix("_check").replace("_", " ")
        return Finding(name, "broken", f"could not check: {type(exc).__name__}: {exc}")


def database_checks(settings: Settings) -> list[Finding]:
    """Reachable, schema current, and whether an engine is running on it."""
    from scheduler.errors import StoreUnavailable
    from scheduler.store import Store
    from scheduler.store.base import HEAD_REVISION
    from scheduler.store.dialect import redact

    url = settings.effective_database_url
    where = redact(url)
    try:
        store = Store(url, migrate=False)
    except Exception as exc:
        return [Finding("database", "broken", f"{where}: {exc}", "check CRONPILOT_DATABASE_URL / DATABASE_URL")]
    try:
        store.ping()
        revision = store.schema_revision()
        running = _engine_running(store, settings) if revision == HEAD_REVISION else None
    except StoreUnavailable as exc:
        return [Finding("database", "broken", str(exc),
                        "start the database or fix CRONPILOT_DATABASE_URL / DATABASE_URL")]
    finally:
        store.close()
    found = [Finding("database", "ok", f"{where} answers")]
    if revision == HEAD_REVISION:
        found.append(Finding("migrations", "ok", f"schema at {revision}, current"))
    elif revision is None:
        found.append(Finding("migrations", "ok", f"empty database: set up at {HEAD_REVISION} on first use"))
    elif revision < HEAD_REVISION:
        found.append(Finding("migrations", "warn", f"schema at {revision or 'none'}, this cronpilot "
                             f"needs {HEAD_REVISION}",
                             "the next cronpilot command upgrades it (back the database up first)"))
    else:
        found.append(Finding("migrations", "broken", f"schema at {revision} is newer than this "
                             f"cronpilot ({HEAD_REVISION})", "upgrade this cronpilot install"))
    if running:
        found.append(Finding("engine", "ok", "an engine is running (heartbeat fresh)"))
    elif running is False:
        found.append(Finding("engine", "warn", "no engine is running: tasks don't fire",
                             "start `cronpilot serve`, or `cronpilot service install`"))
    return found


def _engine_running(store: Store, settings: Settings) -> bool:
    from scheduler.service import Service

    return Service(store, engine_heartbeat=settings.heartbeat_interval).engine_running()


def sandbox_check(settings: Settings) -> Finding:
    """Shell tasks' isolation: bubblewrap there and working, or what its absence means."""
    from scheduler.actions.base import ActionConfig
    from scheduler.actions.shell_isolation import bwrap_argv, describe_sandbox, resolve_user

    config = ActionConfig(data_dir=settings.data_dir, shell_sandbox=settings.shell_sandbox,
                          shell_unprivileged_user=settings.shell_user)
    try:
        user = resolve_user(config).name
    except Exception as exc:
        return Finding("sandbox", "broken", str(exc), "set CRONPILOT_SHELL_USER to an existing unprivileged user")
    mode = settings.shell_sandbox
    bwrap = shutil.which("bwrap")
    if mode not in ("auto", "bwrap", "none"):
        return Finding("sandbox", "broken", describe_sandbox(config), "set CRONPILOT_SHELL_SANDBOX to auto, bwrap or none")
    if mode == "none" or bwrap is None:
        level: Level = "broken" if mode == "bwrap" else "warn"
        return Finding("sandbox", level, f"{describe_sandbox(config)}; shell tasks run as {user} and can "
                       "read what that user can (the data folder too, unless it is closed) and reach "
                       "any host, loopback included",
                       "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and keep "
                       "CRONPILOT_SHELL_SANDBOX=auto")
    with tempfile.TemporaryDirectory(prefix="cronpilot-doctor-") as folder:
        argv = [*bwrap_argv(bwrap, workdir=Path(folder), data_dir=settings.data_dir, as_root=os.geteuid() == 0), "/bin/true"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no reason given"])[0]
        return Finding("sandbox", "broken", f"bubblewrap is installed but fails here: {reason}",
                       "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) "
                       "or run the container with the capabilities bwrap needs")
    return Finding("sandbox", "ok", f"{describe_sandbox(config)}, works; shell tasks run as {user}")


def connectors_check(settings: Settings) -> Finding:
    """Credentials present look like what each platform issues (no network: shapes only)."""
    given = {
        "SLACK_BOT_TOKEN": _plain(settings.slack_bot_token), "SLACK_APP_TOKEN": _plain(settings.slack_app_token),
        "SLACK_SIGNING_SECRET": _plain(settings.slack_signing_secret),
        "TELEGRAM_BOT_TOKEN": _plain(settings.telegram_bot_token),
    }
    wrong = [name for name, value in given.items() if value and not _TOKEN_SHAPES[name].match(value.strip())]
    on = [name for name in ("slack", "telegram") if given[f"{name.upper()}_BOT_TOKEN"]]
    if settings.smtp_host:
        on.append("email")
    if settings.openai_api_key:
        on.append(f"model {settings.model}")
    if settings.slack_bot_token and not (settings.slack_app_token or settings.slack_signing_secret):
        wrong.append("SLACK_APP_TOKEN or SLACK_SIGNING_SECRET (needed to receive messages)")
    summary = ", ".join(on) or "none configured (terminal only)"
    if wrong:
        return Finding("connectors", "broken", f"{summary}; doesn't look right: {', '.join(wrong)}",
                       "copy the values again (docs/slack.md, docs/telegram.md)")
    return Finding("connectors", "ok", summary)


def supabase_check(settings: Settings) -> Finding:
    """A Supabase database URL: which way in, and whether LISTEN (pg_notify, wake-ups) works."""
    from scheduler.supabase import connection_kind

    kind = connection_kind(settings.effective_database_url)
    storage = "big logs to Storage" if settings.supabase_url and settings.supabase_service_key else "logs in files"
    if kind.kind == "not supabase":
        if settings.supabase_url and not settings.supabase_service_key:
            return Finding("supabase", "warn", "SUPABASE_URL without SUPABASE_SERVICE_KEY: logs stay in files",
                           "set SUPABASE_SERVICE_KEY (the service_role key) too (docs/supabase.md)")
        return Finding("supabase", "ok", f"not used ({storage})")
    if not kind.listen:
        return Finding("supabase", "warn", f"{kind.kind}; {storage}", kind.advice)
    return Finding("supabase", "ok", f"{kind.kind}; {storage}")


def _plain(value: object) -> str | None:
    """A token's text, whether settings keep it as a SecretStr or a str."""
    if value is None:
        return None
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if reveal else value)


def timezone_check(settings: Settings) -> Finding:
    from zoneinfo import ZoneInfo, available_timezones

    zones = available_timezones()
    if "Europe/Berlin" not in zones:
        return Finding("time zones", "broken", "no IANA time zone data found",
                       "install the tzdata package (pip install tzdata, or the system's tzdata)")
    ZoneInfo(settings.default_timezone)
    return Finding("time zones", "ok", f"{len(zones)} zones; new tasks default to {settings.default_timezone}")


def disk_check(settings: Settings) -> Finding:
    folder = _existing(settings.data_dir)
    free = shutil.disk_usage(folder).free
    detail = f"{free // MB:,} MB free at {folder}"
    if free < 100 * MB:
        return Finding("disk", "broken", detail, "free some space: run logs and the database live there")
    if free < 1024 * MB:
        return Finding("disk", "warn", detail, "less than 1 GB left: run logs grow with every run")
    return Finding("disk", "ok", detail)


def data_folder_check(settings: Settings) -> Finding:
    folder = settings.data_dir
    if not folder.exists():
        parent = _existing(folder)
        if not os.access(parent, os.W_OK | os.X_OK):
            return Finding("data folder", "broken", f"{folder} doesn't exist and {parent} isn't writable",
                           "set CRONPILOT_DATA_DIR to a folder you can write")
        return Finding("data folder", "ok", f"{folder} (made on first use)")
    if not os.access(folder, os.W_OK | os.X_OK):
        return Finding("data folder", "broken", f"{folder} isn't writable by this user",
                       "chown it to this user or set CRONPILOT_DATA_DIR")
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return Finding("data folder", "warn", f"{folder} is open to others (mode {mode:o}): shell tasks "
                       "running as another user can read the database and run logs",
                       f"chmod 700 {folder}")
    return Finding("data folder", "ok", f"{folder} (mode {mode:o})")


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path

"""One ``Settings``, read once from the environment and ``.env``; nothing deeper reads os.environ."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cronpilot"


def system_timezone() -> str:
    """The machine's IANA zone name, or UTC when it can't be told."""
    from scheduler.models import check_timezone

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    for name in candidates:
        if not name:
            continue
        try:
            return check_timezone(name)
        except ValueError:
            continue
    return "UTC"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CRONPILOT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CRONPILOT_DATABASE_URL", "DATABASE_URL")
    )
    timezone: str | None = None
    user: str = Field(default_factory=lambda: os.environ.get("USER") or "local")
    # Encrypts stored secrets; without it a key file is made in data_dir (docs/secrets.md).
    secret_key: SecretStr | None = None

    # logging (cronpilot/logs.py): level and text|json, both carry the ids of each record
    log_level: str = "warning"
    log_format: str = "text"

    # engine
    lease_ttl: timedelta = timedelta(seconds=30)
    heartbeat_interval: timedelta = timedelta(seconds=10)
    # PostgreSQL, several engines: how long a killed engine's share of the schedule waits before
    # the others take it over (plus about a second); scheduler/sharing.py
    share_lease: timedelta = Field(default=timedelta(seconds=10), ge=timedelta(seconds=2))
    # How long before its time a fire is recorded (its row committed, then started on a timer):
    # a commit slower than this makes fires late. Unset: 500ms on PostgreSQL, 100ms on SQLite
    # (scheduler/engine.py, RECORD_AHEAD). Raise it for a database across a slow network.
    record_ahead: timedelta | None = Field(default=None, ge=timedelta(0), le=timedelta(seconds=10))
    max_concurrent_runs: int = 256
    allow_overlap_cap: int = 16
    # no recurring task (interval, cron with seconds, condition check) fires more often: a fire
    # is a run row and a wake-up; "1s" allows every second (scheduler/hygiene.py says why 10 s)
    min_interval: timedelta = Field(default=timedelta(seconds=10), ge=timedelta(seconds=1))

    # actions
    http_allowed_hosts: list[str] = Field(default_factory=list)
    sql_databases: dict[str, str] = Field(default_factory=dict)  # values may use {{ secrets.X }}
    sql_allow_own_database: Annotated[list[str], NoDecode] = Field(default_factory=list)
    shell_sandbox: str = "auto"
    shell_user: str = "nobody"
    # where shell tasks made in a chat run (the CLI uses its current folder); default: the
    # "files" folder in the data folder
    shell_workdir: Path | None = None

    # model (the agent)
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    model: str = "gpt-4o-mini"
    model_timeout: timedelta = timedelta(seconds=60)
    model_max_retries: int = 2

    # the chat assistant (per person's message)
    chat_max_message_chars: int = 4000
    chat_max_tool_calls: int = 15

    # AI tasks: what an AI run may do (the service enforces the spawn limits)
    ai_spawn_per_run: int = 5
    ai_spawn_per_day: int = 20
    ai_max_depth: int = 2
    ai_min_interval: timedelta = timedelta(minutes=15)
    ai_daily_tokens: int = 200_000  # per AI task, over 24 hours, as the model reports usage
    ai_max_tool_calls: int = 20  # per run
    # Every AI run, however triggered (past these, runs are skipped and the owner told once an hour)
    ai_runs_per_hour: int = Field(default=30, ge=1)  # per AI task
    ai_model_calls_per_hour: int = Field(default=200, ge=1)  # per owner, all their AI tasks
    ai_tokens_per_hour: int = Field(default=500_000, ge=1)  # per owner, as the model reports usage

    # HTTP server of `serve` (Slack events, Telegram webhook, event webhooks)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8787, ge=0, le=65535)
    # the HTTP API (/api/v1, docs/api.md): calls per token (``limits`` notation), body caps
    api_rate_limit: str = "300/minute"
    api_max_body: int = Field(default=256 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Where people reach the dashboard, for the sign-in links it prints and sends (behind a proxy:
    # https://cron.example.com); None: http://HTTP_HOST:HTTP_PORT
    dashboard_url: str | None = None

    # people: "slack:U123", "telegram:42" (comma-separated or a JSON list)
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # boundaries per person (docs/access.md); 0 switches one off
    max_tasks_per_person: int = Field(default=500, ge=0)
    max_new_tasks_per_hour: int = Field(default=120, ge=0)
    chat_messages_per_minute: int = Field(default=20, ge=0)  # inbound, per person

    # Slack (docs/slack.md)
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")
    slack_open_signup: bool = True
    slack_allowed: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Workspaces whose events are served (team ids); empty: the bot token's own (auth.test).
    slack_team_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("CRONPILOT_SLACK_TEAM_IDS", "SLACK_TEAM_IDS"))
    slack_app_id: str | None = Field(default=None, validation_alias=AliasChoices("CRONPILOT_SLACK_APP_ID", "SLACK_APP_ID"))

    # Telegram (docs/telegram.md)
    telegram_bot_token: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_webhook_url: str | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_api_url: str | None = Field(default=None, validation_alias="TELEGRAM_API_URL")
    telegram_open_signup: bool = False
    telegram_allowed: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Supabase Storage for big run logs (docs/supabase.md); the database is DATABASE_URL
    supabase_url: str | None = Field(default=None, validation_alias=AliasChoices("SUPABASE_URL", "CRONPILOT_SUPABASE_URL"))
    supabase_service_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPABASE_SERVICE_KEY", "SUPABASE_SERVICE_ROLE_KEY", "CRONPILOT_SUPABASE_SERVICE_KEY"),
    )
    log_bucket: str = "cronpilot-logs"
    log_archive_bytes: int = Field(default=1024 * 1024, ge=0)  # logs this big or bigger move there

    # email (docs/email.md)
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)  # default: by security
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None

    @field_validator("admins", "slack_allowed", "telegram_allowed", "slack_team_ids",
                     "sql_allow_own_database", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("openai_api_key", "slack_bot_token", "slack_app_token", "slack_signing_secret",
                     "telegram_bot_token", "telegram_webhook_secret", "smtp_password", "secret_key",
                     "supabase_service_key", "record_ahead", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("lease_ttl", "heartbeat_interval", "share_lease", "record_ahead", "min_interval",
                     "model_timeout", "ai_min_interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        # "10s", "1m", "500ms" as every other duration option reads; a bare number is seconds.
        if isinstance(value, str) and value.strip():
            from scheduler.durations import parse_duration
            from scheduler.errors import InvalidRequest

            text = value.strip()
            if text.replace(".", "", 1).isdigit():
                return timedelta(seconds=float(text))
            if text.endswith("ms") and text[:-2].replace(".", "", 1).isdigit():
                return timedelta(milliseconds=float(text[:-2]))
            if text.upper().startswith("P"):
                return value  # ISO 8601 ("PT10S"): pydantic's to read
            try:
                return parse_duration(text)
            except InvalidRequest:
                raise ValueError(f"can't read {text!r} as a duration; use e.g. 500ms, 10s, 15m, 1h") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        from .logs import check_level

        return check_level(value)

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        from .logs import check_format

        return check_format(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        from scheduler.models import check_timezone

        return check_timezone(value.strip()) if value else None

    @property
    def effective_dashboard_url(self) -> str:
        """The dashboard's base URL, without a trailing slash (``/dashboard`` included)."""
        if self.dashboard_url:
            base = self.dashboard_url.rstrip("/")
            return base if base.endswith("/dashboard") else f"{base}/dashboard"
        host = f"[{self.http_host}]" if ":" in self.http_host else self.http_host
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"http://{host}:{self.http_port}/dashboard"

    @property
    def default_timezone(self) -> str:
        return self.timezone or system_timezone()

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Tokens are SecretStr already; database URLs are plain strings that may hold a password.
        for name, value in super().__repr_args__():
            if name == "database_url" and isinstance(value, str):
                value = _hide_password(value)
            elif name == "sql_databases" and isinstance(value, dict):
                value = {k: _hide_password(v) for k, v in value.items()}
            yield name, value

    @property
    def effective_shell_workdir(self) -> Path:
        return self.shell_workdir or self.data_dir / "files"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return _normalize_db_url(self.database_url)
        return f"sqlite:///{self.data_dir / 'cronpilot.db'}"


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database URL>"


def _normalize_db_url(url: str) -> str:
    """Accept the ecosystem's spellings (postgres://, postgresql://) and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def setting_error(exc: ValidationError) -> str:
    """One line for a setting that can't be read, named as the person set it
    (``CRONPILOT_RECORD_AHEAD: ...``, not the field's name)."""
    first = exc.errors()[0]
    loc = first.get("loc") or ("",)
    field = str(loc[0])
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        name = str(alias.choices[0])
    else:
        name = f"CRONPILOT_{field.upper()}" if info is not None else field
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{name}: {message}" if name else message

"""One ``Settings``, read once from the environment and ``.env``; nothing deeper reads os.environ."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
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

    # engine
    lease_ttl: timedelta = timedelta(seconds=30)
    heartbeat_interval: timedelta = timedelta(seconds=10)
    max_concurrent_runs: int = 256
    allow_overlap_cap: int = 16

    # actions
    http_allowed_hosts: list[str] = Field(default_factory=list)
    sql_databases: dict[str, str] = Field(default_factory=dict)
    shell_sandbox: str = "auto"
    shell_user: str = "nobody"

    # model (the agent)
    openai_api_key: str | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    model: str = "gpt-4o-mini"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        from scheduler.models import check_timezone

        return check_timezone(value.strip()) if value else None

    @property
    def default_timezone(self) -> str:
        return self.timezone or system_timezone()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return _normalize_db_url(self.database_url)
        return f"sqlite:///{self.data_dir / 'cronpilot.db'}"


def _normalize_db_url(url: str) -> str:
    """Accept the ecosystem's spellings (postgres://, postgresql://) and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url

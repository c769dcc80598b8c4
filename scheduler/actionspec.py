"""What a task does: the action kinds, as frozen pydantic models discriminated on ``kind``.
Their execution lives in ``scheduler/actions/`` (one module each)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoopAction(_Frozen):
    """Does nothing and succeeds: for benchmarks and dry runs."""

    kind: Literal["noop"] = "noop"


class ReminderAction(_Frozen):
    kind: Literal["reminder"] = "reminder"
    message: str = Field(min_length=1, max_length=4000)


class ShellLimits(_Frozen):
    cpu_seconds: int | None = Field(default=None, ge=1, le=86_400)
    memory_mb: int | None = Field(default=None, ge=16, le=1_048_576)
    max_processes: int | None = Field(default=None, ge=1, le=100_000)
    max_file_mb: int | None = Field(default=None, ge=1, le=1_048_576)
    max_open_files: int | None = Field(default=None, ge=8, le=1_048_576)


class ShellAction(_Frozen):
    """A program run without a shell (``argv``), or through ``sh -c`` only when ``use_shell``."""

    kind: Literal["shell"] = "shell"
    argv: list[str] = Field(min_length=1, max_length=4096)
    use_shell: bool = False
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    limits: ShellLimits = Field(default_factory=ShellLimits)

    @field_validator("argv")
    @classmethod
    def _no_nul(cls, argv: list[str]) -> list[str]:
        if any("\x00" in a for a in argv):
            raise ValueError("arguments may not contain NUL bytes")
        if sum(len(a) for a in argv) > 128 * 1024:
            raise ValueError("the command line is longer than 128 KiB")
        return argv

    @model_validator(mode="after")
    def _shell_form(self) -> ShellAction:
        if self.use_shell and len(self.argv) != 1:
            raise ValueError("with use_shell the command is one string")
        return self


class HttpAction(_Frozen):
    kind: Literal["http"] = "http"
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str = Field(min_length=1, max_length=8192)
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None


class SqlAction(_Frozen):
    kind: Literal["sql"] = "sql"
    database: str = Field(min_length=1, max_length=100, description="a name from settings")
    statement: str = Field(min_length=1, max_length=100_000)
    allow_writes: bool = False


class EmailAction(_Frozen):
    """Send an email over the configured SMTP server."""

    kind: Literal["email"] = "email"
    to: list[str] = Field(min_length=1, max_length=50)
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=200_000)

    @field_validator("to")
    @classmethod
    def _addresses(cls, to: list[str]) -> list[str]:
        for address in to:
            if "@" not in address or any(c in address for c in "\r\n,;<> "):
                raise ValueError(f"not an email address: {address!r}")
        return to


class AIAction(_Frozen):
    kind: Literal["ai"] = "ai"
    prompt: str = Field(min_length=1, max_length=20_000)
    template: str | None = None
    inputs: dict[str, str] = Field(default_factory=dict)


class WorkflowAction(_Frozen):
    """The head of a workflow: firing it starts the workflow's root steps."""

    kind: Literal["workflow"] = "workflow"
    max_parallel: int = Field(default=4, ge=1, le=256, description="steps running at once")


Action = Annotated[
    NoopAction | ReminderAction | ShellAction | HttpAction | SqlAction | EmailAction | AIAction
    | WorkflowAction,
    Field(discriminator="kind"),
]

# What a condition trigger may evaluate.
CheckAction = Annotated[ShellAction | HttpAction | SqlAction, Field(discriminator="kind")]



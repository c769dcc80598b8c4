"""What every action gets and returns, and the bounded output capture they share.

An action is ``async def run(action, ctx) -> ActionResult``. It raises ``ActionFailed`` (or
returns ``ok=False``) for an expected failure with a message for the owner; any other exception
is recorded with its traceback by the engine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..errors import ActionFailed
from ..ports import AIRunner, Notifier
from ..redaction import SecretMasker, StreamMasker
from ..smtp import SmtpConfig

OUTPUT_LIMIT = 64 * 1024
LOG_LIMIT = 10 * 1024 * 1024
TRUNCATION_MARKER = "\n[… output truncated at {limit} bytes; the whole log is in {where}]\n"

__all__ = ["ActionConfig", "ActionContext", "ActionFailed", "ActionResult", "OutputCapture", "SmtpConfig"]


@dataclass(frozen=True)
class ActionConfig:
    """Run-time limits and allowlists, built by the composition root from settings."""

    data_dir: Path
    http_allowed_hosts: frozenset[str] = frozenset()
    http_max_response_bytes: int = 1024 * 1024
    sql_databases: Mapping[str, str] = field(default_factory=dict)  # name -> SQLAlchemy URL
    sql_own_database_url: str | None = None  # cronpilot's own: refused as a target (sql_target)
    sql_allow_own_database: frozenset[str] = frozenset()  # names an admin allowed to be it
    sql_statement_timeout: timedelta = timedelta(seconds=30)
    sql_max_rows: int = 1000
    shell_env_allowlist: tuple[str, ...] = ("PATH", "LANG", "LC_ALL", "TZ", "TERM")
    shell_sandbox: str = "auto"  # auto | bwrap | none
    shell_unprivileged_user: str = "nobody"
    output_limit: int = OUTPUT_LIMIT
    log_limit: int = LOG_LIMIT
    smtp: SmtpConfig | None = None  # None: the email action fails with "email is not configured"
    # The engine running the actions (its worker id): shell runs carry it so a later engine can
    # find what a dead one left (``shell_process.kill_leftovers``). Set by the engine.
    engine_id: str | None = None


class OutputCapture:
    """Keeps the first ``limit`` bytes of each stream for the run row and the whole log (up to
    ``log_limit``) in a file that is created on first write (mode 0600), so silent runs cost no
    file. With a ``masker`` the run's secret values never reach either (see ``redaction``)."""

    def __init__(
        self, log_path: Path | Callable[[], Path], *, limit: int = OUTPUT_LIMIT, log_limit: int = LOG_LIMIT
    ):
        # A callable is asked only when the path is needed: most runs never write a log, and
        # building a Path costs a few microseconds a run at thousands of runs a second.
        self._log_path = log_path
        self.limit = limit
        self.log_limit = log_limit
        self._heads: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
        self._truncated: dict[str, bool] = {"stdout": False, "stderr": False}
        self._logged = 0
        self._log_truncated = False
        self._file: Any = None
        self._masks: dict[str, StreamMasker] | None = None

    def mask_with(self, masker: SecretMasker | None) -> None:
        """Mask these secrets in everything written from now on (set before the action runs)."""
        self._masks = {s: masker.stream() for s in self._heads} if masker else None

    @property
    def log_path(self) -> Path:
        if not isinstance(self._log_path, Path):
            self._log_path = self._log_path()
        return self._log_path

    def write(self, stream: str, data: bytes) -> None:
        if self._masks is not None:
            data = self._masks[stream].feed(data)
        self._keep(stream, data)

    def _keep(self, stream: str, data: bytes) -> None:
        if not data:
            return
        head = self._heads[stream]
        room = self.limit - len(head)
        if room > 0:
            head.extend(data[:room])
        if len(data) > room:
            self._truncated[stream] = True
        self._write_log(stream, data)

    def _write_log(self, stream: str, data: bytes) -> None:
        if self._log_truncated:
            return
        if self._file is None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # 0600 whatever the umask: another local user must not read a run's output.
            fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._file = os.fdopen(fd, "ab")
        room = self.log_limit - self._logged
        chunk = data[:room]
        self._file.write(chunk)
        # Out to the file now: the dashboard streams a running run's log from it.
        self._file.flush()
        self._logged += len(chunk)
        if len(data) > room:
            self._log_truncated = True
            self._file.write(f"\n[log truncated at {self.log_limit} bytes]\n".encode())

    def text(self, stream: str) -> str | None:
        head = self._heads[stream]
        if not head and not self._truncated[stream]:
            return None
        text = bytes(head).decode("utf-8", errors="replace")
        if self._truncated[stream]:
            text += TRUNCATION_MARKER.format(limit=self.limit, where=self.log_path)
        return text

    @property
    def has_log(self) -> bool:
        return self._file is not None

    def close(self) -> None:
        if self._masks is not None:
            masks, self._masks = self._masks, None
            for stream, mask in masks.items():
                self._keep(stream, mask.flush())
        if self._file is not None and not self._file.closed:
            self._file.close()


@dataclass
class ActionContext:
    run_id: int
    task_id: int
    task_name: str
    owner: str
    attempt: int
    timeout: timedelta
    config: ActionConfig
    output: OutputCapture
    notifier: Notifier | None = None
    ai_runner: AIRunner | None = None
    idempotency_key: str = ""
    # Where the task's notices go: the conversation it was created in (Task.origin), e.g.
    # {"platform": "slack", "team": "T1", "channel": "C1", "thread": "5.0"}; empty: the default.
    destination: dict[str, str] = field(default_factory=dict)
    # The run's secret values (to keep them from going where the task didn't send them).
    secrets: SecretMasker | None = None
    # Set when this run catches up a fire missed while nothing ran ("missed at 09:00 while
    # offline"): a reminder delivered late says so.
    late_note: str | None = None
    delivery_key: str | None = None  # ``Notification.key`` for what this run delivers


@dataclass
class ActionResult:
    ok: bool = True
    summary: str | None = None  # one line for listings ("HTTP 200", "exit 0", "3 rows")
    data: dict[str, Any] = field(default_factory=dict)  # kept in the run's ``result``
    error: str | None = None

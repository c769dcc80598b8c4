"""Logging for every cronpilot process, configured here and nowhere else.

The code logs with ``logging.getLogger(__name__)`` and puts its ids in ``extra`` (``run_id``,
``task_id``, ``conversation_id``, ``worker_id``...). Both formats print those: text appends
``key=value`` pairs, JSON (one object per line, for log shippers) carries them as fields.
uvicorn's loggers are routed through the same handler instead of their own.

Level and format come from ``--log-level`` (wins), else ``CRONPILOT_LOG_LEVEL`` /
``CRONPILOT_LOG_FORMAT`` (through ``Settings``, so ``.env`` works too); the default is
``warning`` as text on stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMATS = ("text", "json")
LogFormat = Literal["text", "json"]
# Attributes every LogRecord has; anything else on a record came in through ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")
_override: dict[str, str] = {}


def extras_of(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a call passed in ``extra`` (ids first, in the order they were given)."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class TextFormatter(logging.Formatter):
    """``2026-12-05 21:14:02,123 WARNING scheduler.engine: message run_id=7 task_id=3``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        pairs = " ".join(f"{k}={_text(v)}" for k, v in extras_of(record).items())
        if pairs:
            line = f"{line} {pairs}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the extras."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extras_of(record).items():
            data.setdefault(key, value)
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests swap it per test)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def check_level(value: str) -> str:
    level = value.strip().lower()
    if level not in LEVELS:
        raise ValueError(f"unknown log level {value!r}: use one of {', '.join(LEVELS)}")
    return level


def check_format(value: str) -> str:
    fmt = value.strip().lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {value!r}: use text or json")
    return fmt


def configure(*, level: str | None = None, fmt: str | None = None, override: bool = False) -> None:
    """(Re)configure the root logger's cronpilot handler. ``override`` pins the values (the
    command line's) so later calls with the settings' values don't undo them."""
    if override:
        _override.update({k: v for k, v in (("level", level), ("fmt", fmt)) if v})
    chosen_level = check_level(_override.get("level") or level or "warning")
    chosen_fmt = check_format(_override.get("fmt") or fmt or "text")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if chosen_fmt == "json" else TextFormatter())
    root.setLevel(chosen_level.upper())
    for name in _UVICORN:  # uvicorn installs its own handlers unless told not to: ours instead
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def reset() -> None:
    """Forget the command line's choice (tests run many commands in one process)."""
    _override.clear()


def _text(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (not text or any(c in text for c in ' ="\n')) else text

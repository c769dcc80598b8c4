"""The one exception tree of cronpilot.

    CronpilotError            base; ``str(err)`` is a message fit for a chat user
    ├── NotFound              a task, run or workflow that does not exist
    ├── InvalidRequest        bad input: a cron field, a time zone, a past ``once``...
    ├── PermissionDenied      the actor may not do this
    ├── Conflict              a name already taken, a state that forbids the change
    └── StoreUnavailable      the database cannot be reached

Connectors and the CLI turn these into one-line replies in one place; agent tools turn them
into text the model can act on. Anything else escaping is a bug, caught only at process edges.
"""

from __future__ import annotations


class CronpilotError(Exception):
    """Base of every error cronpilot raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(CronpilotError):
    exit_code = 3


class InvalidRequest(CronpilotError):
    exit_code = 2


class PermissionDenied(CronpilotError):
    exit_code = 4


class Conflict(CronpilotError):
    exit_code = 5


class StoreUnavailable(CronpilotError):
    exit_code = 6

"""The one exception tree of cronpilot.

    CronpilotError            base; ``str(err)`` is a message fit for a chat user
    ├── NotFound              a task, run or workflow that does not exist
    ├── InvalidRequest        bad input: a cron field, a time zone, a past ``once``...
    │   ├── AmbiguousPhrase   a time phrase with two or more sensible readings (named)
    │   └── AmbiguousName     a task name several tasks the caller sees have (ids listed)
    ├── PermissionDenied      the actor may not do this
    ├── Conflict              a name already taken, a state that forbids the change
    │   └── SecretUnreadable  a stored secret whose key is missing or changed
    └── StoreUnavailable      the database cannot be reached

    ActionFailed              a run failed as expected (not a request's error): the message is
                              the run's error for its owner; actions and plug-ins (the AI
                              runner) raise it, the engine records it without a traceback

Connectors and the CLI turn these into one-line replies in one place; agent tools turn them
into text the model can act on. Anything else escaping is a bug, caught only at process edges.
"""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True)
class Reading:
    """One sensible reading of an ambiguous phrase: ``label`` is how to offer it to a person
    ("at the start of Friday (00:00)"), ``phrase`` an unambiguous phrase the parser reads as
    exactly that ("Friday at 00:00"), so a chat can act on the choice by parsing it again."""

    label: str
    phrase: str


class AmbiguousPhrase(InvalidRequest):
    """A time phrase the parser refuses to guess: the message names the readings; a chat turns
    them into a question and parses the chosen ``Reading.phrase`` in the person's next turn."""

    def __init__(self, message: str, readings: tuple[Reading, ...]) -> None:
        super().__init__(message)
        self.readings = readings


class AmbiguousName(InvalidRequest):
    """A task name that more than one task the caller can see has (names are unique per
    owner): the message lists them by id and owner; ``task_ids`` lets a chat ask which one."""

    def __init__(self, message: str, task_ids: tuple[int, ...]) -> None:
        super().__init__(message)
        self.task_ids = task_ids


class PermissionDenied(CronpilotError):
    exit_code = 4


class Conflict(CronpilotError):
    exit_code = 5


class SecretUnreadable(Conflict):
    """A stored secret can't be decrypted: the key it was saved with is gone or changed."""


class StoreUnavailable(CronpilotError):
    exit_code = 6


class ActionFailed(Exception):
    """An expected failure of a run: the message is shown to the owner as the run's error."""

"""How cronpilot words things, for every interface: chat replies and tools, Slack, Telegram, the
CLI and the web dashboard. One home per concept, so a task reads the same everywhere:

- a schedule: :func:`schedule_text` ("every Monday at 09:00, Europe/Berlin"), read from the
  stored triggers with the calendar words the time-phrase parser uses (``calendar``);
  :func:`trigger_source` for the cron or RRULE text itself;
- a time in a zone: :func:`time_text` ("Mon 12 Jan 09:00", labelled with its zone when it is not
  the reader's);
- amounts: :func:`duration_text` ("90 minutes"), :func:`elapsed_text` ("1.2 s"),
  :func:`repeat_text` ("every 15 minutes"), :func:`count_text` ("1 failed run");
- runs: :func:`run_outcome` ("skipped: backup failed in run 1234"), :func:`run_reason`;
- tasks: :func:`action_text` ("remind: stretch"), :func:`provenance` ("created by you in Slack…");
- the apology for a request that failed on our side: :data:`SORRY`.

Pure functions of their arguments (no I/O, no clock: pass ``now``), returning plain text;
interfaces escape it for their markup (``connectors/markup.py``, rich in the CLI).
"""

from __future__ import annotations

from .calendar import calendar_text, day_text, when_text
from .measures import (
    clip,
    count_text,
    duration_text,
    elapsed_text,
    first_line,
    repeat_text,
    time_text,
)
from .schedule import NO_SCHEDULE, schedule_text, trigger_source, trigger_text
from .tasks import SORRY, action_text, conversation_text, provenance, run_outcome, run_reason

__all__ = [
    "NO_SCHEDULE",
    "SORRY",
    "action_text",
    "calendar_text",
    "clip",
    "conversation_text",
    "count_text",
    "day_text",
    "duration_text",
    "elapsed_text",
    "first_line",
    "provenance",
    "repeat_text",
    "run_outcome",
    "run_reason",
    "schedule_text",
    "time_text",
    "trigger_source",
    "trigger_text",
    "when_text",
]

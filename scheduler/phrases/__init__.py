"""English time phrases to exact triggers, deterministically (no model involved).

    parse_schedule("every other Tuesday at 5pm", zone="Europe/Berlin", now=...)
        -> Schedule(kind="recurring", description="every other Tuesday at 17:00, Europe/Berlin", ...)
    preview(schedule, zone=..., after=now, count=5) -> the next fire times (the engine's maths)
    split_request("remind me every Monday at 9 to send the report", ...)
        -> ("send the report", Schedule(...))

Conventions (09:00 when no time is given, bare hours 1-6 read as afternoon, "next Friday" is in
the following week, ...) are written down in docs/time-phrases.md. Anything that is not a
schedule, lies in the past or can't happen raises :class:`~scheduler.errors.InvalidRequest`
with a short explanation and examples; nothing is guessed silently.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.errors import InvalidRequest
from scheduler.models import check_timezone
from scheduler.triggers import DstPolicy
from scheduler.wording import schedule_text

from . import languages
from .candidates import build_in_language
from .cronexpr import cron_trigger, looks_like_cron
from .dstnotes import dst_notes
from .holiday_words import resolve, with_holidays
from .languages.describe import localize, translate
from .normalize import MAX_REQUEST_CHARS, clean
from .schedule import Schedule, preview, with_dst
from .split import split_request as _split_request


def _zone(zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(check_timezone(zone))
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None


# The instants a phrase is read at: the fires after one near year 9999 lie past datetime's end
# (croniter failed with "'*' is not in list" under "year 10000 is out of range").
EARLIEST_YEAR, LATEST_YEAR = 1900, 9000


def _aware(now: datetime) -> datetime:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise InvalidRequest("'now' must be an aware datetime (with a time zone or UTC offset).")
    if not EARLIEST_YEAR <= now.year <= LATEST_YEAR:
        raise InvalidRequest(f"'now' must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}; "
                             f"got {now.year}.")
    return now


def parse_schedule(
    phrase: str, *, zone: str, now: datetime, dst: DstPolicy | None = None,
    locale: str | None = None, holidays: str | None = None,
) -> Schedule:
    """The schedule a time phrase means for a person in ``zone`` at the instant ``now``.

    ``dst`` is the task's DST policy (None: the house rule); it goes into every calendar trigger
    and the notes say what it does to the runs DST touches. ``holidays`` is the task's holiday
    calendar ("DE", "US-NY"; None: none): its calendar triggers skip those public holidays, and
    "except public holidays" without a country means it (else the zone's country). Raises
    InvalidRequest (its child AmbiguousPhrase when the phrase has two sensible readings, named).
    """
    tz = _zone(zone)
    now = _aware(now)
    try:
        return _parse(phrase, tz=tz, now=now, dst=dst, locale=locale, holidays=holidays)
    except OverflowError:  # a date the phrase names, or a fire after it, past year 9999
        raise InvalidRequest("That schedule reaches past the year 9999; pick an earlier date.") from None


def _parse(phrase: str, *, tz: ZoneInfo, now: datetime, dst: DstPolicy | None, locale: str | None,
           holidays: str | None) -> Schedule:
    text = clean(phrase)
    _refuse_odd_numbers(text)
    expression = looks_like_cron(text)
    if expression is not None:
        trigger = cron_trigger(expression)
        desc = schedule_text([trigger], tz.key)
        schedule = Schedule("recurring", desc, [trigger], dst_notes([trigger], tz, now))
    else:
        schedule = build_in_language(text, tz, now, locale)
    schedule = with_calendar(schedule, holidays, tz)
    return with_dst(schedule, dst, tz, now)


# Numbers written in notations the reader has no words for. Its tokenizer would split "1e9" into
# 1, "e", 9 and read "every 1 … 9" as the 1st of the month at 09:00: a wrong reading, not a refusal.
_ODD_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?e[+-]?\d+|\d+(?:_\d+)+|0x[0-9a-f]+)",
                         re.IGNORECASE)


def _refuse_odd_numbers(text: str) -> None:
    match = _ODD_NUMBER.search(text)
    if match is not None:
        raise InvalidRequest(f"'{match.group(0)}' isn't a number I read in a schedule; write it in plain digits "
                             "(e.g. 'every 90 seconds')")


def with_calendar(schedule: Schedule, task_calendar: str | None, tz: ZoneInfo) -> Schedule:
    """``schedule`` skipping the public holidays its phrase or its task asks to skip."""
    code = resolve(schedule.holidays, task_calendar=task_calendar, zone=tz)
    asked = schedule.holidays is not None
    schedule = with_holidays(schedule, code, tz, asked=asked)
    if code is not None and schedule.lang != "en":
        lang = languages.get(schedule.lang)
        if lang is not None:
            schedule = localize(schedule, lang)
    return schedule


def split_request(
    text: str, *, zone: str, now: datetime, locale: str | None = None,
    holidays: str | None = None,
) -> tuple[str, Schedule] | None:
    """(what, when) of a whole request; None when it holds no schedule at all. ``locale`` is
    the person's language as a connector knows it (Slack user locale, Telegram language_code);
    ``holidays`` the task's holiday calendar, as for :func:`parse_schedule`."""
    tz = _zone(zone)
    now = _aware(now)
    found = _split_request(clean(text, limit=MAX_REQUEST_CHARS), tz, now, locale)
    if found is None:
        return None
    what, schedule = found
    return what, with_calendar(schedule, holidays, tz)


_ENGLISH_REPLY = {
    "done": "Done", "updated": "Updated", "task": "task", "next": "next", "note": "Note",
    "approval": "It waits for a person's approval before it can run.",
    "not_running": "",  # English uses the service's own notice
}


def reply_words(code: str) -> dict[str, str]:
    """The chat's words around a task ("Done", "next", "Note"…) in language ``code`` (English
    for English and for languages without a reply table)."""
    lang = languages.get(code) if code != "en" else None
    return lang.reply if lang is not None and lang.reply else _ENGLISH_REPLY


def translate_words(text: str, code: str) -> str:
    """``text`` written by the wording helpers (day and month names, "every", "at"…) in language
    ``code``; unchanged for English."""
    lang = languages.get(code) if code != "en" else None
    return translate(text, lang) if lang is not None else text


__all__ = ["DstPolicy", "Schedule", "parse_schedule", "preview", "reply_words", "split_request",
           "translate_words", "with_dst"]

"""A task's schedule in words, read from its stored triggers: "every Monday at 09:00, Europe/Berlin".

Cron and RFC 5545 triggers are read back into calendar plans (``scheduler.recurrence``) and
worded like the time-phrase parser words what it understood, so a task is described the same way
when it is created, listed in chat, Slack or Telegram, or shown by the CLI. Triggers whose plan
can't be said plainly keep their own text ("cron '0 9 1,15 * 1-5'": the 1st, the 15th or a
weekday). :func:`trigger_source` gives the cron or RRULE text itself, for views that show it
next to the words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.recurrence import Plan, plan_of_cron, plan_of_rrule
from scheduler.triggers import (
    ConditionTrigger,
    CronTrigger,
    EventTrigger,
    FileTrigger,
    IntervalTrigger,
    OnceTrigger,
    PgNotifyTrigger,
    RRuleTrigger,
    Trigger,
)
from scheduler.triggers.event import outcome_source

from .calendar import calendar_text, day_text, hhmm, join, plain_times, when_text
from .measures import duration_text, repeat_text

NO_SCHEDULE = "no schedule (runs when asked)"
# How far ahead a rule's start must lie before it is worth saying: closer than this it is, as
# far as a reader can tell, the next occurrence, which the "next" time shows anyway. (A month
# has room for two: the 2nd Tuesday can be 5 weeks away.)
_PERIOD = {"day": timedelta(days=1), "week": timedelta(weeks=1), "month": timedelta(days=62),
           "year": timedelta(days=366)}
_TIME_KINDS = (CronTrigger, IntervalTrigger, OnceTrigger, RRuleTrigger)


def schedule_text(triggers: Sequence[Trigger], zone: str, *, now: datetime | None = None) -> str:
    """When a task fires, in words, with its zone: 'every weekday at 08:30, Europe/Berlin',
    'every 15 minutes, Europe/Berlin; on event 'deploy''.

    ``now`` (aware) leaves out starts that are already past or simply the next occurrence;
    without it every start is said."""
    if not triggers:
        return NO_SCHEDULE
    tz = ZoneInfo(zone)
    timed: list[Plan | str] = []
    reactive: list[str] = []
    once: list[OnceTrigger] = []
    for trigger in triggers:
        if isinstance(trigger, OnceTrigger):
            once.append(trigger)
        elif isinstance(trigger, _TIME_KINDS):
            timed.append(_timed(trigger, tz, now))
        else:
            reactive.append(trigger_text(trigger, zone))
    parts = [calendar_text(p) if isinstance(p, Plan) else p for p in _merge_times(timed)]
    if once:
        parts.append(_once_text([t.at for t in once], tz))
    text = "; ".join(parts)
    calendars = sorted({code for t in triggers if (code := getattr(t, "holidays", None))})
    if text and calendars:  # as the parser says it: "..., except public holidays (DE), <zone>"
        text += "".join(f", except public holidays ({code})" for code in calendars)
    if text:
        text += f", {zone}"
    return "; ".join([text, *reactive] if text else reactive)


def trigger_text(trigger: Trigger, zone: str, *, now: datetime | None = None) -> str:
    """One trigger in words (without the zone, which :func:`schedule_text` adds once)."""
    tz = ZoneInfo(zone)
    if isinstance(trigger, OnceTrigger):
        return _once_text([trigger.at], tz)
    if isinstance(trigger, _TIME_KINDS):
        timed = _timed(trigger, tz, now)
        return calendar_text(timed) if isinstance(timed, Plan) else timed
    if isinstance(trigger, EventTrigger):
        return _event_text(trigger.event) + _debounce(trigger.debounce)
    if isinstance(trigger, FileTrigger):
        changes = " or ".join("created" if o == "create" else "changed" for o in trigger.on)
        return f"when a file matching '{trigger.glob}' is {changes} in {trigger.path}" + _debounce(trigger.debounce)
    if isinstance(trigger, PgNotifyTrigger):
        where = f" in database {trigger.database}" if trigger.database else ""
        return f"on PostgreSQL NOTIFY '{trigger.channel}'{where}" + _debounce(trigger.debounce)
    if isinstance(trigger, ConditionTrigger):
        return f"when its {trigger.check.kind} check turns true ({repeat_text(trigger.every)})"
    return str(getattr(trigger, "kind", trigger))


def trigger_source(trigger: Trigger) -> str | None:
    """The text a cron or RRULE trigger was written as ('cron 0 9 * * 1'); None for other kinds."""
    if isinstance(trigger, CronTrigger):
        return f"cron {trigger.expression}"
    if isinstance(trigger, RRuleTrigger):
        return f"RRULE {trigger.rule} from {trigger.start:%Y-%m-%d %H:%M:%S}"
    return None


def _timed(trigger: Trigger, zone: ZoneInfo, now: datetime | None) -> Plan | str:
    if isinstance(trigger, CronTrigger):
        plan = plan_of_cron(trigger.expression)
        return plan if plan is not None and plain_times(plan.times) else f"cron '{trigger.expression}'"
    if isinstance(trigger, RRuleTrigger):
        plan = plan_of_rrule(trigger.rule, trigger.start)
        if plan is None:
            return f"rule '{trigger.rule}' from {when_text(trigger.start)}"
        if now is not None and not _start_matters(plan, trigger.start, now.astimezone(zone)):
            plan.start = None
        return plan
    assert isinstance(trigger, IntervalTrigger)
    text = repeat_text(trigger.every)
    anchor = trigger.anchor_at
    # Fires come one step after the anchor; an anchor still ahead is a start worth saying.
    if anchor is not None and (now is None or anchor > now):
        first = (anchor + trigger.every).astimezone(zone).replace(tzinfo=None)
        text += f" from {when_text(first)}"
    return text


def _start_matters(plan: Plan, start: datetime, now: datetime) -> bool:
    wall_now = now.replace(tzinfo=None)
    return start > wall_now + _PERIOD.get(plan.unit, timedelta(0))


def _merge_times(items: list[Plan | str]) -> list[Plan | str]:
    """Plans that differ only in their times of day become one ('at 09:00 and 17:30')."""
    merged: list[Plan | str] = []
    for item in items:
        if isinstance(item, Plan):
            for index, seen in enumerate(merged):
                if isinstance(seen, Plan) and replace(seen, times=[]) == replace(item, times=[]):
                    merged[index] = replace(seen, times=sorted({*seen.times, *item.times}))
                    break
            else:
                merged.append(item)
        else:
            merged.append(item)
    return merged


def _once_text(instants: list[datetime], zone: ZoneInfo) -> str:
    walls = sorted(i.astimezone(zone).replace(tzinfo=None) for i in instants)
    if len(walls) == 1:
        return f"once on {when_text(walls[0])}"
    days = sorted({w.date() for w in walls})
    if len(walls) > 4 or len(days) > 2:
        return f"{len(walls)} times, from {when_text(walls[0])} to {when_text(walls[-1])}"
    return "on " + join([f"{day_text(d)} at " + join([hhmm(w.time()) for w in walls if w.date() == d])
                         for d in days])


def _event_text(event: str) -> str:
    source = outcome_source(event)
    if source is None:
        return f"on event '{event}'"
    verb = "completes" if source[0] == "task.completed" else "fails"
    target = source[1]
    if target is None:
        return f"when any task {verb}"
    return f"when task #{target} {verb}" if target.isdigit() else f"when task '{target}' {verb}"


def _debounce(window: timedelta | None) -> str:
    return f", at most once per {duration_text(window)}" if window else ""

"""A calendar repetition as people say it: :class:`Plan` ("every other Tuesday at 17:00, 3 times").

Three places meet here, so the type lives below all of them:
- the time-phrase parser builds a plan from words (``phrases/planning.py``) and compiles it into
  cron or RFC 5545 triggers (``phrases/rules.py``);
- :func:`plan_of_cron` and :func:`plan_of_rrule` read stored triggers back into plans;
- ``scheduler.wording`` words a plan, so a task's schedule is described from what is stored
  with the same words the parser used when the task was made.

Weekdays are 0 = Monday … 6 = Sunday; months and month days count from 1; times are wall times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

ALL_DAYS = frozenset(range(7))
FREQ = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}  # plan unit -> RRULE
FREQ_UNITS = {freq: unit for unit, freq in FREQ.items()}
RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_CRON_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_CRON_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# Beyond these a plan reads worse than the expression itself ("at 1,440 times a day").
MAX_TIMES = 1440
MAX_MONTH_DAYS = 8
MAX_DATES = 4


@dataclass
class Plan:
    unit: str  # day|week|month|year
    interval: int = 1
    weekdays: set[int] = field(default_factory=set)
    nth: list[tuple[int, int]] = field(default_factory=list)  # (n, weekday): 1st Monday, -1 = last
    monthdays: list[int] = field(default_factory=list)  # -1 = the last day
    months: list[int] = field(default_factory=list)
    dates: list[tuple[int, int]] = field(default_factory=list)  # (month, day)
    yeardays: list[int] = field(default_factory=list)
    weeknos: list[int] = field(default_factory=list)
    setpos: list[int] = field(default_factory=list)
    times: list[time] = field(default_factory=list)
    start: datetime | None = None  # naive local, inclusive
    until: datetime | None = None  # naive local, exclusive
    count: int | None = None
    exdates: list[date] = field(default_factory=list)


# --- cron --------------------------------------------------------------------------------------


def plan_of_cron(expression: str) -> Plan | None:
    """The plan a cron expression runs (5 fields, or 6 with seconds first); None when no plan
    says it plainly (day-of-month OR day-of-week, very long lists, unsupported syntax)."""
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        return None
    sec, minute, hour, dom, mon, dow = fields
    seconds = _cron_values(sec, 0, 59)
    minutes = _cron_values(minute, 0, 59)
    hours = _cron_values(hour, 0, 23)
    monthdays = _cron_values(dom, 1, 31)
    months = _cron_values(mon, 1, 12, names=_CRON_MONTHS, base=1)
    days = _cron_values(dow, 0, 7, names=_CRON_DAYS)
    if None in (seconds, minutes, hours, monthdays, months, days):
        return None
    assert seconds and minutes and hours and monthdays and months and days is not None
    if len(seconds) * len(minutes) * len(hours) > MAX_TIMES:
        return None
    times = [time(h, m, s) for h in hours for m in minutes for s in seconds]
    all_days, all_months = len(monthdays) == 31, len(months) == 12
    weekdays = {(d - 1) % 7 for d in days}
    if not all_days and weekdays != ALL_DAYS:
        return None  # cron fires when either matches: no plan says that plainly
    months_kept = [] if all_months else months
    if not all_days:
        if len(monthdays) > MAX_MONTH_DAYS:
            return None
        if months_kept and len(months_kept) * len(monthdays) <= MAX_DATES:
            dates = [(m, d) for m in months_kept for d in monthdays]
            return Plan(unit="year", dates=dates, times=times)
        return Plan(unit="month", monthdays=monthdays, months=months_kept, times=times)
    if weekdays != ALL_DAYS:
        return Plan(unit="week", weekdays=weekdays, months=months_kept, times=times)
    return Plan(unit="day", months=months_kept, times=times)


def _cron_values(
    text: str, low: int, high: int, *, names: list[str] | None = None, base: int = 0
) -> list[int] | None:
    """The sorted values of one cron field; None for syntax we don't word (L, W, #, ?, H)."""
    values: set[int] = set()
    for part in text.lower().split(","):
        body, _, step_text = part.partition("/")
        if step_text and not step_text.isdigit():
            return None
        step = int(step_text) if step_text else 1
        if body == "*":
            first, last = low, high
        else:
            first_text, dash, last_text = body.partition("-")
            first_value = _cron_value(first_text, names, base)
            last_value = _cron_value(last_text, names, base) if dash else None
            if first_value is None or (dash and last_value is None):
                return None
            first = first_value
            last = last_value if last_value is not None else (high if step_text else first)
        if step < 1 or not low <= first <= last <= high:
            return None
        values.update(range(first, last + 1, step))
    return sorted(values)


def _cron_value(text: str, names: list[str] | None, base: int) -> int | None:
    if text.isdigit():
        return int(text)
    if names and text in names:
        return names.index(text) + base
    return None


# --- RFC 5545 ------------------------------------------------------------------------------------

_RRULE_KEYS = frozenset({"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYYEARDAY", "BYWEEKNO",
                         "BYSETPOS", "BYHOUR", "BYMINUTE", "BYSECOND", "WKST", "COUNT", "UNTIL"})
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def plan_of_rrule(rule: str, start: datetime) -> Plan | None:
    """The plan an RRULE runs from ``start`` (naive local DTSTART, kept as ``Plan.start``);
    None for rules no plan says (sub-daily frequencies, UTC ends, unknown parts)."""
    parts = dict(p.partition("=")[::2] for p in rule.upper().removeprefix("RRULE:").split(";") if p)
    unit = FREQ_UNITS.get(parts.get("FREQ", ""))
    if unit is None or not set(parts) <= _RRULE_KEYS:
        return None
    try:
        plan = Plan(unit=unit, interval=int(parts.get("INTERVAL", "1")), start=start)
        plan.monthdays = _ints(parts.get("BYMONTHDAY"))
        plan.months = _ints(parts.get("BYMONTH"))
        plan.yeardays = _ints(parts.get("BYYEARDAY"))
        plan.weeknos = _ints(parts.get("BYWEEKNO"))
        plan.setpos = _ints(parts.get("BYSETPOS"))
        plan.times = [time(h, m, s) for h in _ints(parts.get("BYHOUR"), start.hour)
                      for m in _ints(parts.get("BYMINUTE"), start.minute)
                      for s in _ints(parts.get("BYSECOND"), start.second)]
        plan.count = int(parts["COUNT"]) if "COUNT" in parts else None
        if "UNTIL" in parts:
            if parts["UNTIL"].endswith("Z"):
                return None  # a UTC end: the plan's ends are wall times
            until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%S")
            plan.until = until + timedelta(seconds=1)  # RRULE's UNTIL is inclusive, a plan's is not
    except ValueError:
        return None
    for item in (parts.get("BYDAY") or "").split(","):
        if not item:
            continue
        match = _BYDAY.match(item)
        if match is None:
            return None
        weekday = RRULE_DAYS.index(match.group(2))
        if match.group(1):
            plan.nth.append((int(match.group(1)), weekday))
        else:
            plan.weekdays.add(weekday)
    _implied_days(plan, start)
    return plan


def _ints(text: str | None, default: int | None = None) -> list[int]:
    if not text:
        return [] if default is None else [default]
    return [int(v) for v in text.split(",")]


def _implied_days(plan: Plan, start: datetime) -> None:
    """RFC 5545: a rule without its BY-day parts repeats on DTSTART's weekday, day or date."""
    if plan.unit == "week" and not plan.weekdays and not plan.nth:
        plan.weekdays = {start.weekday()}
    named = plan.weekdays or plan.nth or plan.monthdays or plan.yeardays or plan.weeknos
    if plan.unit == "month" and not named:
        plan.monthdays = [start.day]
    if plan.unit == "year" and not named:
        if plan.months:
            plan.monthdays = [start.day]
        else:
            plan.dates = [(start.month, start.day)]

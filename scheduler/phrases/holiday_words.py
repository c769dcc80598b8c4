"""Public holidays in a phrase: "except public holidays", "excluding US federal holidays",
"unless it's a bank holiday", "holidays excluded", "except holidays in Germany" (and, through
the languages, "außer an Feiertagen", "salvo festivos en España", "hors jours fériés").

The matcher gives the calendar the phrase names ("DE", "US-NY") or "" when it names none; the
task's calendar or the zone's country fills that in (``resolve``), and ``with_holidays`` puts
the calendar into every calendar trigger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from scheduler.errors import InvalidRequest
from scheduler.lazy import lazy_module
from scheduler.triggers import public_holidays

from . import lexicon
from .schedule import Schedule
from .tokens import Stream

if TYPE_CHECKING:
    import holidays as holiday_tables
else:
    holiday_tables = lazy_module("holidays")


@dataclass
class HolidayRule:
    code: str  # "DE", "US-NY"; "" when the phrase names no country
    text: str = ""


_HOLIDAY = ("holiday", "holidays")
_QUALIFIERS = (
    "public", "bank", "federal", "national", "official", "statutory", "legal", "state",
    "government", "stat", "all",
)  # fmt: skip
_LEADS = ("except", "excluding", "exclude", "skipping", "skip", "besides", "without")
_AFTER = ("excluded", "off", "skipped", "exempted", "aside", "exempt")
_ADJECTIVES = {
    "american": "US", "german": "DE", "french": "FR", "spanish": "ES", "portuguese": "PT",
    "brazilian": "BR", "british": "GB", "english": "GB", "canadian": "CA", "indian": "IN",
    "nepali": "NP", "australian": "AU", "irish": "IE", "italian": "IT", "dutch": "NL",
    "swiss": "CH", "austrian": "AT", "belgian": "BE", "mexican": "MX", "japanese": "JP",
}  # fmt: skip
_NAMES = {
    "us": "US", "usa": "US", "america": "US", "united states of america": "US", "uk": "GB",
    "britain": "GB", "great britain": "GB", "england": "GB", "holland": "NL",
}  # fmt: skip


@cache
def _country_names() -> dict[str, str]:
    """'germany' -> 'DE', 'united states' -> 'US', from the holiday tables' own registry."""
    names = dict(_NAMES)
    for class_name, code, *_ in holiday_tables.registry.COUNTRIES.values():
        names.setdefault(" ".join(re.findall(r"[A-Z][a-z]*", class_name)).lower(), code)
    return names


_REGION_COUNTRIES = ("US", "CA", "AU", "DE", "AT", "CH", "ES", "PT", "BR", "IN", "GB")


@cache
def _region_names() -> dict[str, str]:
    """'new york' -> 'US-NY', 'bayern' -> 'DE-BY': regions of the countries people most often
    name them for; a name two countries share is left out."""
    names: dict[str, str] = {}
    shared: set[str] = set()
    for country in _REGION_COUNTRIES:
        table = type(holiday_tables.country_holidays(country))
        for name, region in getattr(table, "subdivisions_aliases", {}).items():
            key = name.lower()
            if len(key) < 4:
                continue
            if key in names and names[key] != f"{country}-{region}":
                shared.add(key)
            names[key] = f"{country}-{region}"
    return {k: v for k, v in names.items() if k not in shared}


def match_holidays(s: Stream, i: int) -> tuple[HolidayRule, int] | None:
    """'except (public|bank|US federal) holidays [in Germany]', 'unless it's a holiday',
    'not on holidays', '(public) holidays excluded'."""
    j = _lead(s, i)
    if j is not None:
        got = _holidays_at(s, s.skip(j, "on", "in", "during", "for", "the", "a", "any"))
        if got is None:
            return None
        code, end = got
        return HolidayRule(code, s.span(i, end)), end
    got = _holidays_at(s, s.skip(i, "the", "on"))
    if got is None or not s.is_word(got[1], *_AFTER):
        return None
    code, end = got
    return HolidayRule(code, s.span(i, end + 1)), end + 1


def _lead(s: Stream, i: int) -> int | None:
    if s.is_word(i, *_LEADS):
        return i + 1
    if s.is_word(i, "but", "and") and s.is_word(i + 1, "not", "skip", "except"):
        return i + 2
    if s.is_word(i, "apart", "other") and s.is_word(i + 1, "from", "than"):
        return i + 2
    if s.is_word(i, "not") and s.is_word(i + 1, "on", "during"):
        return i + 1
    if s.is_word(i, "unless"):
        j = s.skip(i + 1, "it's", "its", "there's", "it", "there", "is", "falls", "on")
        return j
    return None


def _holidays_at(s: Stream, j: int) -> tuple[str, int] | None:
    """'[US federal|public|bank] holidays [in|of <country>]' from ``j``: (code or '', end)."""
    code = ""
    k = j
    while True:
        got = _country(s, k)
        if got is not None and not code:
            code, k = got
            continue
        if s.is_word(k, *_QUALIFIERS):
            k += 1
            continue
        break
    if not s.is_word(k, *_HOLIDAY):
        return None
    end = k + 1
    if s.is_word(end, "in", "of", "for"):
        place = s.skip(end + 1, "the")
        got = _country(s, place) or _region(s, place)
        if got is not None:
            code, end = got
        elif _unknown_place(s, place):
            raise InvalidRequest(
                f"I don't know the public holidays of '{s.span(place, place + 1)}'; name a "
                f"country or use a calendar code, e.g. 'except holidays in Germany' or --holidays DE-BY."
            )
    return code, end


def _unknown_place(s: Stream, k: int) -> bool:
    """A word after 'holidays in' that is no schedule word: a place the tables don't know."""
    w = s.word(k)
    schedule_words = (lexicon.MONTHS, lexicon.WEEKDAYS, lexicon.PERIODS, lexicon.UNITS, lexicon.NAMED_TIMES)
    return w is not None and w.isalpha() and not any(w in table for table in schedule_words) \
        and w not in ("a", "an", "each", "every", "this", "that", "which", "case")


def _region(s: Stream, k: int) -> tuple[str, int] | None:
    names = _region_names()
    for size in (4, 3, 2, 1):
        words = [s.word(k + n) for n in range(size)]
        if all(words) and (key := " ".join(words)) in names:  # type: ignore[arg-type]
            return names[key], k + size
    return None


def _country(s: Stream, k: int) -> tuple[str, int] | None:
    """A country or calendar at ``k``: 'germany', 'the us', 'u.s.', 'german', 'DE', 'US-NY'."""
    w = s.word(k)
    if w is None:
        return None
    if w in _ADJECTIVES:
        return _ADJECTIVES[w], k + 1
    if w == "u" and s.is_punct(k + 1, ".") and s.is_word(k + 2, "s"):
        return "US", s.skip_dot(k + 3)
    names = _country_names()
    for size in (4, 3, 2, 1):
        words = [s.word(k + n) for n in range(size)]
        if all(words) and " ".join(words) in names:  # type: ignore[arg-type]
            code, end = names[" ".join(words)], k + size  # type: ignore[arg-type]
            if s.is_punct(end, "-") and s.word(end + 1):
                return _with_region(code, s.word(end + 1) or "", end + 2, fallback=(code, end))
            return code, end
    if len(w) == 2 and s.is_punct(k + 1, "-") and s.word(k + 2):
        return _with_region(w, s.word(k + 2) or "", k + 3, fallback=None)
    return None


def _with_region(country: str, region: str, end: int,
                 fallback: tuple[str, int] | None) -> tuple[str, int] | None:  # fmt: skip
    try:
        return public_holidays.normalize(f"{country}-{region}"), end
    except ValueError:
        return fallback


def resolve(named: str | None, *, task_calendar: str | None, zone: ZoneInfo) -> str | None:
    """The calendar a schedule follows: the one the phrase names, else the task's; a phrase
    that asks for holidays without naming a country takes the zone's country."""
    if named is None:
        return task_calendar
    if named:
        return named
    code = task_calendar or public_holidays.country_of_zone(zone.key)
    if code is None:
        raise InvalidRequest(
            f"Which country's public holidays? {zone.key} belongs to none; say e.g. "
            f"'except public holidays in Germany' (or give the task a calendar, --holidays DE)."
        )
    return code


def with_holidays(schedule: Schedule, code: str | None, zone: ZoneInfo, *, asked: bool) -> Schedule:
    """``schedule`` skipping the public holidays of ``code`` on its calendar triggers. ``asked``:
    the phrase itself asked (then a fixed interval, which can't skip days, is refused)."""
    if code is None:
        return schedule
    calendar = [t for t in schedule.triggers if t.kind in ("cron", "rrule")]
    if asked and len(calendar) < len(schedule.triggers):
        raise InvalidRequest(
            "Only calendar schedules can skip public holidays; name the days and times, e.g. "
            "'every weekday at 9am except public holidays'."
        )
    if not calendar:
        return schedule
    try:
        code = public_holidays.normalize(code)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    triggers = [t.model_copy(update={"holidays": code}) if t.kind in ("cron", "rrule") else t
                for t in schedule.triggers]  # fmt: skip
    suffix = f", {zone.key}"
    description = schedule.description.removesuffix(suffix) + f", {holiday_text(code)}{suffix}"
    return replace(schedule, triggers=triggers, description=description, holidays=code)


def holiday_text(code: str) -> str:
    """'except public holidays (DE)' (in English; the languages translate the fragment)."""
    return f"except public holidays ({code})"

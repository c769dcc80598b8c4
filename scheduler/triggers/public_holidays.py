"""Public holidays per country, for calendar triggers that skip them (the ``holidays`` package).

A calendar is an ISO 3166 country code, optionally with a subdivision: ``"DE"``, ``"US-NY"``,
``"DE-BY"`` (``"UK"`` is accepted for ``"GB"``). A trigger with ``holidays="DE"`` has no run on
a German public holiday (the day is taken in the task's zone); for positions in a period ("the
first business day of the month") the days are counted without the holidays, so the position
moves to the next working day instead of vanishing.

Only the official public holidays the package lists by default (its ``public`` category) count:
no half days, no bank-only days. Tables are built per (calendar, year) and cached.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from ..lazy import lazy_module

if TYPE_CHECKING:
    import holidays as holiday_tables
else:
    holiday_tables = lazy_module("holidays")  # read when a trigger names a calendar

_ALIASES = {"UK": "GB"}


def normalize(code: str) -> str:
    """'de' -> 'DE', 'us-ny' -> 'US-NY'; ValueError with the reason for an unknown calendar."""
    text = code.strip().upper().replace("_", "-")
    country, _, subdivision = text.partition("-")
    country = _ALIASES.get(country, country)
    supported = holiday_tables.list_supported_countries()
    if country not in supported:
        raise ValueError(
            f"unknown holiday calendar {code.strip()!r}: use a country code such as DE, US or FR, "
            f"optionally with a region (US-NY, DE-BY)"
        )
    if subdivision:
        regions = {s.upper(): s for s in supported[country]}
        if subdivision not in regions:
            raise ValueError(
                f"{country} has no region {subdivision!r} in the holiday tables; "
                f"known: {', '.join(sorted(supported[country])[:12])}…"
            )
        return f"{country}-{regions[subdivision]}"
    return country


@lru_cache(maxsize=512)
def _table(code: str, year: int) -> dict[date, str]:
    country, _, subdivision = code.partition("-")
    return dict(holiday_tables.country_holidays(country, subdiv=subdivision or None, years=year))


def name_of(day: date, code: str) -> str | None:
    """The holiday's name (in English) when ``day`` is a public holiday of ``code``, else None."""
    return _table(code, day.year).get(day)


def is_holiday(day: date, code: str) -> bool:
    return day in _table(code, day.year)


def between(code: str, low: date, high: date) -> list[tuple[date, str]]:
    """The holidays in [low, high], in order (for previews)."""
    found = []
    for year in range(low.year, high.year + 1):
        found += [(d, n) for d, n in _table(code, year).items() if low <= d <= high]
    return sorted(found)


def skip_holidays(walls: Iterable[datetime], code: str | None) -> Iterator[datetime]:
    """The naive wall times of ``walls`` whose day is not a public holiday of ``code``."""
    for wall in walls:
        if code is None or not is_holiday(wall.date(), code):
            yield wall


@cache
def _zone_countries() -> dict[str, str]:
    table = importlib.resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text()
    out = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            out[parts[2]] = parts[0]
    return out


def country_of_zone(zone: str) -> str | None:
    """The country an IANA zone belongs to ('Europe/Berlin' -> 'DE'); None for UTC, 'Etc/…'."""
    code = _zone_countries().get(zone)
    if code is None or code not in holiday_tables.list_supported_countries():
        return None
    return code

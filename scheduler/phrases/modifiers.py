"""Qualifiers of a repetition: counts ("twice", "for 5 times", "3x"), ends ("until November",
"for the next three weeks"), starts ("starting tomorrow", "from Jan 1"), exceptions ("except
weekends", "except in June"), daily windows ("between 9 and 17") and named time zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from . import lexicon
from .dates import month_at
from .days import DaySpec
from .daywords import match_day
from .durations import Delta, match_duration
from .pattern import WEEKDAYS_MF, weekday_list
from .times import TimeSpec, match_times, single_time
from .tokens import Stream


@dataclass(frozen=True)
class Bound:
    """A start or an end: a day, a month (its 1st), a time of day, or now + a duration."""

    day: DaySpec | None = None
    month: int | None = None
    year: int | None = None
    time: TimeSpec | None = None
    delta: Delta | None = None
    text: str = ""


@dataclass(frozen=True)
class Count:
    n: int
    text: str = ""


@dataclass(frozen=True)
class Until:
    bound: Bound


@dataclass(frozen=True)
class Start:
    bound: Bound
    until: Bound | None = None  # "from Jan 1 to March 25th"


@dataclass
class Except:
    weekdays: set[int] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    days: list[DaySpec] = field(default_factory=list)
    text: str = ""


@dataclass(frozen=True)
class Window:
    start: TimeSpec
    end: TimeSpec
    text: str = ""


@dataclass(frozen=True)
class Zone:
    name: str | None  # IANA key, or None with ``offset`` minutes
    offset: int | None = None
    text: str = ""


@dataclass(frozen=True)
class WeekNumbers:
    weeks: tuple[int, ...]


_COUNT_NOUNS = (
    "times",
    "time",
    "occurrences",
    "occurrence",
    "occurences",
    "repetitions",
    "reps",
    "x",
)


def match_count(s: Stream, i: int) -> tuple[Count, int] | None:
    j = s.skip(i, "for", "up", "to", "only", "just")
    w = s.word(j)
    if w in ("twice", "thrice", "once"):
        n, end = {"twice": 2, "thrice": 3, "once": 1}[w], j + 1
        if w == "once" and j == i:
            return None
        if s.is_word(
            end, "a", "per", "each", "every", "daily", "weekly", "monthly", "yearly", "an"
        ):
            return None
        return Count(n, s.span(i, end)), end
    got = s.integer(j)
    if got is None:
        return None
    n, k = got
    if not s.is_word(k, *_COUNT_NOUNS):
        return None
    if s.word(k) == "x" and not s.at(k).glued and j == i:
        return None
    end = k + 1
    if s.is_word(end, "a", "per", "each", "every", "an", "daily", "weekly", "monthly"):
        return None
    nxt = s.tok(end)
    bare = s.word(k) in ("time", "times") and j == i
    if (
        bare
        and nxt is not None
        and nxt.kind == "word"
        and nxt.text not in ("only", "total", "in", "and")
    ):
        return None  # "2 times table": words, not a count
    return Count(n, s.span(i, end)), end


def _named_day(s: Stream, i: int) -> DaySpec:
    """The day at ``i`` where the words there always name one ("next month")."""
    got = match_day(s, i)
    if got is None:
        raise ValueError(f"no day at token {i}: {s.span(i, i + 2)!r}")
    return got[0]


def _bound(s: Stream, i: int) -> tuple[Bound, int] | None:
    if s.is_word(i, "in"):
        dur = match_duration(s, i + 1)
        if dur is not None:
            return Bound(delta=dur[0], text=s.span(i, dur[1])), dur[1]
    j = s.skip(i, "the", "on")
    if s.is_word(j, "next", "this") and s.is_word(j + 1, "month", "week", "year"):
        return Bound(day=_named_day(s, j) if s.word(j) == "next" else None,
                     text=s.span(i, j + 2)), j + 2  # fmt: skip
    if s.is_word(s.skip(i, "in"), "next") and s.is_word(s.skip(i, "in") + 1, "month"):
        k = s.skip(i, "in")
        return Bound(day=_named_day(s, k), text=s.span(i, k + 2)), k + 2
    k = s.skip(i, "in", "early", "the", "beginning", "start", "of")
    mon = month_at(s, k)
    if mon is not None and not (
        s.tok(mon[1]) is not None
        and ((s.at(mon[1]).kind == "num" and len(s.at(mon[1]).text) <= 2) or s.ordinal(mon[1]))
    ):
        end = mon[1]
        year = None
        t = s.tok(end)
        if t is not None and t.kind == "num" and len(t.text) == 4:
            year, end = t.value, end + 1
        return Bound(month=mon[0], year=year, text=s.span(i, end)), end
    for k in dict.fromkeys((i, s.skip(i, "on", "the"))):
        day = match_day(s, k)
        if day is not None:
            return Bound(day=day[0], text=s.span(i, day[1])), day[1]
    k = s.skip(i, "the")
    if s.is_word(k, "end") and (mon := month_at(s, s.skip(k + 1, "of"))) is not None:
        # "until the end of June", "bis Ende Juni": through its last day
        spec = DaySpec("month_end", month=mon[0], text=s.span(i, mon[1]))
        return Bound(day=spec, text=spec.text), mon[1]
    t = s.tok(i)
    if t is not None and t.kind == "num" and len(t.text) == 4 and 1900 <= t.value <= 2999:
        return Bound(month=1, year=t.value, text=t.text), i + 1
    tm = match_times(s, i)
    if tm is not None and len(tm[0]) == 1:
        return Bound(time=tm[0][0], text=s.span(i, tm[1])), tm[1]
    return None


def match_until(s: Stream, i: int) -> tuple[Until, int] | None:
    w = s.word(i)
    j: int | None = None
    if w in ("until", "till", "til", "through", "thru", "untill", "ending", "ends", "end"):
        j = s.skip(i + 1, "on", "at")
        if s.is_word(j, "in") and match_duration(s, j + 1) is None:
            j += 1
        if w in ("ending", "ends", "end") and j == i + 1 and not s.is_word(i + 1, "on", "in"):
            j = None if w == "end" else j
        if (
            w == "until"
            and j is not None
            and s.is_word(j, "the")
            and s.is_word(j + 1, "end")
            and s.is_word(j + 2, "of")
        ):
            day = match_day(s, j)
            if day is not None:
                return Until(Bound(day=day[0], text=s.span(i, day[1]))), day[1]
    elif w == "up" and s.is_word(i + 1, "to", "until", "till"):
        j = i + 2
    elif w == "for":
        return _for_span(s, i)
    if j is None:
        return None
    got = _bound(s, j)
    if got is None:
        return None
    bound, end = got
    return Until(bound), end


def _for_span(s: Stream, i: int) -> tuple[Until, int] | None:
    """'for the next three weeks', 'for 2 months', 'for up to 14 months', 'for a year'."""
    j = s.skip(i + 1, "the", "next", "up", "to", "another", "a", "an")
    if s.is_word(j - 1, "a", "an") and s.word(j) in lexicon.UNITS:
        j -= 1
    elif (unit := s.word(j)) in ("week", "month", "year", "fortnight") and s.is_word(j - 1, "next"):
        delta = {"week": Delta(days=7), "month": Delta(months=1), "year": Delta(years=1),
                 "fortnight": Delta(days=14)}[unit]  # fmt: skip
        return Until(Bound(delta=delta, text=s.span(i, j + 1))), j + 1
    got = match_duration(s, j)
    if got is None:
        return None
    delta, end = got
    if not delta.has_calendar:
        return None  # "for 10 minutes" is how long the task takes, not when it ends
    return Until(Bound(delta=delta, text=s.span(i, end))), end


def match_start(s: Stream, i: int) -> tuple[Start, int] | None:
    w = s.word(i)
    if w in (
        "starting",
        "starts",
        "start",
        "beginning",
        "begin",
        "begins",
        "commencing",
        "effective",
    ):
        j = s.skip(i + 1, "on", "from", "at", "with")
        if s.is_word(j, "in") and match_duration(s, j + 1) is None:
            j += 1
        if w in ("start", "begin") and j == i + 1:
            return None
    elif w == "from":
        j = i + 1
    elif w == "as" and s.is_word(i + 1, "of"):
        j = i + 2
    else:
        return None
    if s.is_word(j, "now") and not s.is_word(j + 1, "on", "at"):
        return Start(Bound(text=s.span(i, j + 1))), j + 1
    got = _bound(s, j) or _range_day(s, j)
    if got is None:
        return None
    bound, end = got
    if bound.time is None and (s.is_word(end, "to", "through", "thru", "until", "till")
                               or s.is_punct(end, "-")):  # fmt: skip
        to = _bound(s, end + 1)
        if to is not None and to[0].time is None:
            return Start(_same_month(bound, to[0]), to[0]), to[1]
    return Start(bound), end


def _range_day(s: Stream, j: int) -> tuple[Bound, int] | None:
    """A bare day number opening a range: '15' in 'from 15 to 17 june'."""
    k = s.skip(j, "the")
    o = s.ordinal(k)
    day, end = (o[0], o[1]) if o is not None and o[0] > 0 else (s.num(k), k + 1)
    if day is None or not 1 <= day <= 31:
        return None
    if not (s.is_word(end, "to", "through", "thru", "until", "till") or s.is_punct(end, "-")):
        return None
    return Bound(day=DaySpec("monthday", day=day, text=s.span(j, end)), text=s.span(j, end)), end


def _same_month(start: Bound, end: Bound) -> Bound:
    """'from the 15th to June 17th', 'vom 15. bis 17. Juni': the start is in the end's month."""
    day, last = start.day, end.day
    if day is None or last is None or day.kind != "monthday" or last.kind != "date":
        return start
    spec = DaySpec("date", year=last.year, month=last.month, day=day.day, text=day.text)
    if (last.day or 0) < (day.day or 0):
        return start
    return Bound(day=spec, text=start.text)


def match_except(s: Stream, i: int) -> tuple[Except, int] | None:
    w = s.word(i)
    if w in ("except", "excluding", "exclude", "skipping", "skip", "besides"):
        j = i + 1
    elif (
        (w == "but"
        and s.is_word(i + 1, "not"))
        or (w in ("apart", "other")
        and s.is_word(i + 1, "from", "than"))
    ):
        j = i + 2
    elif w == "not" and s.is_word(i + 1, "on", "in"):
        j = i + 1
    else:
        return None
    j = s.skip(j, "for", "on", "in", "during", "the")
    exc = Except()
    end = j
    while True:
        k = s.skip(end, "on", "in", "the", "during")
        wl = (
            weekday_list(s, k)
            if s.word(k) not in ("weekday", "weekdays")
            else ([*WEEKDAYS_MF], k + 1)
        )
        if wl is not None and s.word(wl[1]) not in lexicon.MONTHS:
            exc.weekdays.update(wl[0])
            end = wl[1]
        elif (mon := month_at(s, k)) is not None and not _day_follows(s, mon[1]):
            exc.months.add(mon[0])
            end = mon[1]
            t = s.tok(end)
            if t is not None and t.kind == "num" and len(t.text) == 4:
                end += 1
        elif (day := match_day(s, k)) is not None:
            exc.days.append(day[0])
            end = day[1]
        else:
            break
        nxt = end + 1 if s.is_punct(end, ",") else end
        nxt = nxt + 1 if s.is_word(nxt, "and", "or", "&") else nxt
        if nxt == end:
            break
        probe = s.skip(nxt, "on", "in", "the")
        if (
            weekday_list(s, probe) is None
            and month_at(s, probe) is None
            and match_day(s, probe) is None
        ):
            break
        end = nxt
    if end == j:
        return None
    exc.text = s.span(i, end)
    return exc, end


def _day_follows(s: Stream, j: int) -> bool:
    t = s.tok(j)
    return t is not None and ((t.kind == "num" and len(t.text) <= 2) or s.ordinal(j) is not None)


_HOURS_WORDS = ("business", "working", "work", "office")


def match_window(s: Stream, i: int) -> tuple[Window, int] | None:
    """'between 9 and 17', 'from 9am to 5pm', '9-17', 'during business hours'."""
    w = s.word(i)
    if w == "during" and s.is_word(i + 1, *_HOURS_WORDS) and s.is_word(i + 2, "hours"):
        return Window(TimeSpec(9), TimeSpec(17), s.span(i, i + 3)), i + 3
    if w in ("between", "from"):
        a = single_time(s, s.skip(i + 1, "the", "hours", "of"), anchored=True)
        if a is None:
            return None
        k = a[1]
        if not (
            s.is_word(k, "and", "to", "until", "till", "til", "thru", "through")
            or s.is_punct(k, "-")
        ):
            return None
        if w == "from" and s.is_word(k, "and"):
            return None
        b = single_time(s, k + 1, anchored=True)
        if b is None:
            return None
        start, end = _same_clock(a[0], b[0])
        return Window(start, _overnight_end(start, end), s.span(i, b[1])), b[1]
    t = s.tok(i)
    if t is not None and t.kind == "numsep" and t.value[1] == "-" and len(t.value[0]) == 2:
        lo, hi = (int(p) for p in t.value[0])
        hours_word = s.is_word(i + 1, "h", "hrs", "hours", "o'clock")
        if (s.is_word(i - 1, "between", "from") or hours_word) and lo <= 24 and hi <= 24:
            start = TimeSpec(lo, 0, 0, None, 1 <= lo <= 12)
            return Window(
                start, TimeSpec(hi, 0, 0, None, 1 <= hi <= 12), t.text
            ), i + 2 if hours_word else i + 1
    return None


def _overnight_end(start: TimeSpec, end: TimeSpec) -> TimeSpec:
    """'entre las 22 y las 2', 'between 8pm and 6': a bare end hour that would run the window
    past midnight anyway is the first such hour after the start (02:00, not 14:00)."""
    if not end.fuzzy or end.meridiem is not None or not 1 <= end.hour < 12:
        return end
    if end.resolve() > start.resolve():
        return end
    return replace(end, fuzzy=False, meridiem="am")


def _same_clock(a: TimeSpec, b: TimeSpec) -> tuple[TimeSpec, TimeSpec]:
    """'zwischen 1 und 5 Uhr', 'entre 8 et 9 heures': an hour mark on one end is on both."""
    if a.soft24 and b.fuzzy and b.meridiem is None:
        b = replace(b, fuzzy=False, soft24=True)
    elif b.soft24 and a.fuzzy and a.meridiem is None:
        a = replace(a, fuzzy=False, soft24=True)
    return a, b


def match_weeknos(s: Stream, i: int) -> tuple[WeekNumbers, int] | None:
    if not (s.is_word(i, "in", "on", "during") and s.is_word(i + 1, "week", "weeks")):
        return None
    weeks: list[int] = []
    end = i + 2
    while (n := s.num(end)) is not None and 1 <= n <= 53:
        weeks.append(n)
        nxt = end + 1
        nxt = nxt + 1 if s.is_punct(nxt, ",") else nxt
        nxt = nxt + 1 if s.is_word(nxt, "and") else nxt
        if s.num(nxt) is None:
            end += 1
            break
        end = nxt
    return (WeekNumbers(tuple(weeks)), end) if weeks else None


_CITY_ZONES: dict[str, str] | None = None


def _city_zones() -> dict[str, str]:
    global _CITY_ZONES
    if _CITY_ZONES is None:
        from zoneinfo import available_timezones

        _CITY_ZONES = {}
        for key in sorted(available_timezones()):
            if "/" in key and not key.startswith(("Etc/", "SystemV/", "US/")):
                _CITY_ZONES.setdefault(key.rsplit("/", 1)[1].lower().replace("_", " "), key)
    return _CITY_ZONES


def match_zone(s: Stream, i: int) -> tuple[Zone, int] | None:
    """'UTC', 'PT', 'CET', 'Vancouver time', 'New York time' (after a time of day)."""
    w = s.word(i)
    if w is None:
        return None
    if w in lexicon.ZONE_ABBREVIATIONS and w != "z":
        value = lexicon.ZONE_ABBREVIATIONS[w]
        if isinstance(value, str):
            return Zone(value, None, w), i + 1
        return Zone(None, value, w), i + 1
    for n in (3, 2, 1):
        words = [s.word(k) for k in range(i, i + n)]
        if None in words or not s.is_word(i + n, "time"):
            continue
        key = _city_zones().get(" ".join(words))  # type: ignore[arg-type]
        if key is not None:
            ZoneInfo(key)
            return Zone(key, None, s.span(i, i + n + 1)), i + n + 1
    return None

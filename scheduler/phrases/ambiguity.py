"""Phrases that must not be guessed: vague ones are refused with the reason, and phrases with
two sensible readings raise :class:`~scheduler.errors.AmbiguousPhrase` naming them.

Each reading carries a phrase the parser reads as exactly that reading (an ISO date and time, or
the original phrase with the ambiguous words replaced), so a chat can ask "which one?" and parse
the answer. Checked on the scanned phrase before any schedule is built.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from scheduler.errors import AmbiguousPhrase, InvalidRequest, Reading

from . import lexicon
from .dates import weekday_at
from .days import resolve
from .daywords import match_day
from .scan import Scan
from .times import single_time
from .tokens import Stream

_VAGUE = {
    ("sometime",), ("someday",), ("whenever",), ("some", "time"), ("some", "day"),
    ("at", "some", "point"), ("in", "a", "while"), ("in", "a", "bit"), ("asap",),
    ("one", "of", "these", "days"), ("at", "some", "stage"),
}  # fmt: skip
_EOD = (("end", "of", "day"), ("end", "of", "the", "day"), ("eod",), ("cob",),
        ("close", "of", "business"), ("end", "of", "business"), ("end", "of", "the", "working", "day"))  # fmt: skip


def _match(s: Stream, i: int, words: tuple[str, ...]) -> bool:
    return all(s.is_word(i + k, w) for k, w in enumerate(words))


def _vague(sc: Scan) -> None:
    s = Stream(sc.tokens, sc.text)
    for i in range(s.n):
        for words in _VAGUE:
            if _match(s, i, words):
                raise InvalidRequest(
                    f"'{s.span(i, i + len(words))}' doesn't say when, so I won't guess. "
                    f"Name a day and time, e.g. 'next Monday at 10am' or 'tomorrow at 3pm'."
                )
        after_unit = s.word(i - 1) in lexicon.UNITS
        if s.is_word(i, "soon", "later") and not after_unit and (
                i + 1 == s.n or s.is_word(i + 1, "today", "tonight", "this")):  # fmt: skip
            raise InvalidRequest(
                f"'{s.span(i, i + 1)}' doesn't say when. Give a time, e.g. 'in 2 hours' or 'at 5pm'."
            )


def _iso(dt: datetime) -> str:
    return f"{dt:%Y-%m-%d %H:%M}"


def _label_day(dt: datetime) -> str:
    return f"{lexicon.WEEKDAY_NAMES[dt.weekday()]} {dt.day} {lexicon.MONTH_NAMES[dt.month - 1][:3]}"


def _specific_day(sc: Scan, now_wall: datetime, at: time) -> datetime | None:
    days = [p.value for p in sc.pieces if p.kind == "day"]
    if len(days) != 1 or sc.of("recur"):
        return None
    return datetime.combine(resolve(days[0], now_wall, at), time(0))


def _midnight_of_a_day(sc: Scan, now_wall: datetime) -> None:
    """'midnight on Friday': the start of Friday or its end?"""
    has_midnight = any(sc.tokens[k].text == "midnight" for p in sc.of("time")
                       for k in range(p.start, p.end))  # fmt: skip
    if not has_midnight or any(p.value[0] == "tonight" for p in sc.of("period")):
        return
    day = _specific_day(sc, now_wall, time(23, 59))
    if day is None:
        return
    end = day + timedelta(days=1)
    readings = [Reading(f"at the end of {_label_day(day)} (midnight into {_label_day(end)}, 00:00)",
                        _iso(end))]  # fmt: skip
    if day > now_wall:
        readings.insert(0, Reading(f"at the start of {_label_day(day)} (00:00)", _iso(day)))
    if len(readings) > 1:
        raise AmbiguousPhrase(
            f"'{sc.text}': midnight at the start of {_label_day(day)} or at the end of it?",
            tuple(readings),
        )


def _end_of_day(sc: Scan, now_wall: datetime) -> None:
    """'end of day Thursday': the end of the working day, or just before midnight?"""
    s = Stream(sc.tokens, sc.text)
    hit = next(((i, w) for i in range(s.n) for w in _EOD if _match(s, i, w)), None)
    if hit is None or sc.of("recur") or sc.of("time"):
        return
    day = _specific_day(sc, now_wall, time(23, 59)) or datetime.combine(now_wall.date(), time(0))
    options = [(time(17), "at the end of the working day"), (time(23, 59), "just before midnight")]
    readings = tuple(
        Reading(f"{text} on {_label_day(day)} ({at:%H:%M})", _iso(datetime.combine(day.date(), at)))
        for at, text in options if datetime.combine(day.date(), at) > now_wall
    )  # fmt: skip
    what = s.span(hit[0], hit[0] + len(hit[1]))
    if len(readings) < 2:
        raise InvalidRequest(f"'{what}' doesn't name a time; say e.g. 'today at 5pm'.")
    raise AmbiguousPhrase(
        f"'{sc.text}': '{what}' could mean 17:00 (the end of the working day) or 23:59.", readings
    )


def _alternatives(sc: Scan) -> None:
    """'at 7 or 8 tomorrow': two times (or days) offered as alternatives."""
    s = Stream(sc.tokens, sc.text)
    for p in sc.of("time"):
        if not s.is_word(p.end, "or"):
            continue
        other = single_time(s, s.skip(p.end + 1, "at"), anchored=True)
        if other is None:
            continue
        first_tok = p.start + 1 if s.is_word(p.start, "at", "@", "by") else p.start
        text = sc.text
        keep_first = text[: sc.tokens[p.end - 1].end] + text[sc.tokens[other[1] - 1].end :]
        keep_second = text[: sc.tokens[first_tok].start] + text[sc.tokens[s.skip(p.end + 1, "at")].start :]
        a, b = " ".join(keep_first.split()), " ".join(keep_second.split())
        raise AmbiguousPhrase(
            f"'{sc.text}' gives two times; which one?",
            (Reading(a, a), Reading(b, b)),
        )


def _day_alternatives(sc: Scan, now_wall: datetime) -> None:
    """'tomorrow or the day after', 'Friday or Saturday at 9': two days offered for a one-off."""
    if sc.of("recur"):
        return
    s = Stream(sc.tokens, sc.text)
    for p in sc.of("day"):
        if not s.is_word(p.end, "or"):
            continue
        k = s.skip(p.end + 1, "on")
        if s.is_word(k, "the") and s.is_word(k + 1, "day") and s.is_word(k + 2, "after"):
            other_day = resolve(p.value, now_wall, time(23, 59)) + timedelta(days=1)
        else:
            got = match_day(s, k)
            if got is None:
                continue
            other_day = resolve(got[0], now_wall, time(23, 59))
        first_day = resolve(p.value, now_wall, time(23, 59))
        times = [t.resolve() for q in sc.of("time") for t in q.value] or [lexicon.DEFAULT_TIME]
        a, b = (datetime.combine(d, times[0]) for d in (first_day, other_day))
        raise AmbiguousPhrase(
            f"'{sc.text}' offers two days; which one?",
            (Reading(f"{_label_day(a)} at {a:%H:%M}", _iso(a)),
             Reading(f"{_label_day(b)} at {b:%H:%M}", _iso(b))),
        )


def _every_second_weekday(sc: Scan) -> None:
    """'every second Tuesday': every other Tuesday, or the 2nd Tuesday of each month?"""
    s = Stream(sc.tokens, sc.text)
    for i in range(s.n - 2):
        if not (s.is_word(i, "every", "each") and s.is_word(i + 1, "second")):
            continue
        wd = weekday_at(s, i + 2)
        if wd is None or s.is_word(wd[1], "of", "in"):
            continue
        name = lexicon.WEEKDAY_NAMES[wd[0]]
        head, tail = sc.text[: sc.tokens[i].start], sc.text[sc.tokens[wd[1] - 1].end :]
        other = " ".join(f"{head}every other {name}{tail}".split())
        monthly = " ".join(f"{head}2nd {name} of every month{tail}".split())
        raise AmbiguousPhrase(
            f"'{s.span(i, wd[1])}' could mean every other {name} or the second {name} of each month.",
            (Reading(f"every other {name} (every two weeks)", other),
             Reading(f"the second {name} of every month", monthly)),
        )


def check(sc: Scan, now_wall: datetime) -> None:
    """Raise when ``sc`` is vague (InvalidRequest) or has two readings (AmbiguousPhrase)."""
    _vague(sc)
    _every_second_weekday(sc)
    _alternatives(sc)
    _day_alternatives(sc, now_wall)
    _midnight_of_a_day(sc, now_wall)
    _end_of_day(sc, now_wall)


def quarterly_positions(sc: Scan, first_fire: datetime, positions: list[int]) -> None:
    """'quarterly on the 15th': in the calendar quarters (Jan, Apr, Jul, Oct) or every three
    months from the next 15th? Asked when the two differ (they agree when the next one falls
    in a quarter's first month, or its last for a position from the end)."""
    s = Stream(sc.tokens, sc.text)
    at = next((i for i in range(s.n) if s.is_word(i, "quarterly")), None)
    if at is None or not positions:
        return
    from_end = all(p < 0 for p in positions)
    if first_fire.month % 3 == (0 if from_end else 1):
        return
    head, tail = sc.text[: sc.tokens[at].start], sc.text[sc.tokens[at].end :]
    months = "March, June, September and December" if from_end else "January, April, July and October"
    raise AmbiguousPhrase(
        f"'{s.span(at, at + 1)}' could follow the calendar quarters or count three months from "
        f"the next one ({first_fire:%d %b %Y}).",
        (Reading(f"in the calendar quarters ({months})", " ".join(f"{head}every quarter{tail}".split())),
         Reading(f"every three months from {first_fire:%d %b %Y}",
                 " ".join(f"{head}every 3 months{tail}".split()))),
    )

"""Scanning a phrase into schedule pieces and message content.

Left to right, each position is tried against the matchers in a fixed priority (repetition
first, then qualifiers, relative offsets, days, times, parts of day, zones); the first that
matches consumes its tokens. Tokens no matcher takes are message content. A few words are
schedule words whatever follows ("every", "until"): left unconsumed they make the phrase
unreadable rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from scheduler.errors import InvalidRequest

from . import lexicon
from .dates import day_number, month_at, weekday_at
from .days import DaySpec, check_date
from .daywords import match_day
from .durations import match_relative
from .holiday_words import match_holidays
from .languages import Language
from .languages.rewrite import rewrite
from .modifiers import (
    match_count,
    match_except,
    match_start,
    match_until,
    match_weeknos,
    match_window,
    match_zone,
)
from .monthly import NOT_UNITS, match_business_day_number, match_instances, match_ordinal_first
from .pattern import Recur, weekday_list
from .recurring import match_every, match_frequency_word, match_times_per
from .times import TimeSpec, match_minute_marks, match_period, match_times
from .tokens import Stream, Token, tokenize


@dataclass
class Piece:
    kind: (
        str  # recur|count|until|start|holidays|except|window|weeknos|relative|day|days|time|period|zone|now
    )
    value: Any
    start: int  # token index
    end: int


@dataclass
class Scan:
    text: str
    tokens: list[Token]
    pieces: list[Piece] = field(default_factory=list)
    content: list[int] = field(default_factory=list)
    strays: list[int] = field(default_factory=list)

    def of(self, kind: str) -> list[Piece]:
        return [p for p in self.pieces if p.kind == kind]

    def span_text(self, piece: Piece) -> str:
        toks = self.tokens[piece.start : piece.end]
        return self.text[toks[0].start : toks[-1].end] if toks else ""


_STRAY_WORDS = {"every", "until", "till", "everyday", "except", "excluding"}
_GLUE = {"on", "at", "the", "and", ",", "of", "in", "for", "@", "-", "from"}


def _weekday_set(s: Stream, i: int) -> tuple[list[int], int] | None:
    """'on mon and fri', 'mon thru wed': two or more weekdays (a one-off can't take them)."""
    j = s.skip(i, "on")
    if weekday_at(s, j) is None and s.word(j) not in ("weekday", "weekdays", "weekend", "weekends"):
        return None
    got = weekday_list(s, j)
    if got is None or len(got[0]) < 2:
        return None
    return got


def _is_range(s: Stream, i: int, end: int) -> bool:
    return any(s.is_punct(k, "-") or s.is_word(k, "to", "thru", "through", "till", "until")
               for k in range(i, end))  # fmt: skip


_RECUR: tuple[Callable[[Stream, int], Any], ...] = (
    match_every, match_times_per, match_instances, match_ordinal_first, match_frequency_word,
    match_business_day_number,
)  # fmt: skip
_QUALIFIERS: tuple[tuple[str, Callable[[Stream, int], Any]], ...] = (
    ("window", match_window), ("count", match_count), ("until", match_until),
    ("start", match_start), ("holidays", match_holidays), ("except", match_except),
    ("weeknos", match_weeknos),
)  # fmt: skip


def _try(s: Stream, i: int, last: Piece | None) -> Piece | None:
    for matcher in _RECUR:
        got = matcher(s, i)
        if got is not None:
            return Piece("recur", got[0], i, got[1])
    for kind, matcher in _QUALIFIERS:
        got = matcher(s, i)
        if got is not None:
            return Piece(kind, got[0], i, got[1])
    got = match_relative(s, i)
    if got is not None:
        return Piece("relative", got[0], i, got[1])
    ws = _weekday_set(s, i)
    if ws is not None and _is_range(s, i, ws[1]):
        # "mon-fri at 7", "monday to friday": a span of weekdays is a weekly rule
        return Piece("recur", Recur(unit="week", weekdays=set(ws[0]), text=s.span(i, ws[1])), i, ws[1])
    if ws is not None:
        return Piece("days", ws[0], i, ws[1])
    days = [got for j in ((i, i + 1) if s.is_word(i, "on") else (i,)) if (got := match_day(s, j))]
    if days:  # "on 3rd October": the date, not the 3rd of this month and a stray month
        best = max(days, key=lambda got: got[1])
        return Piece("day", best[0], i, best[1])
    marks = match_minute_marks(s, i)
    if marks is not None:
        return Piece("minutes", marks[0], i, marks[1])
    got = match_times(s, i)
    if got is not None:
        return Piece("time", got[0], i, got[1])
    got = match_period(s, i)
    if got is not None:
        return Piece("period", got[:2], i, got[2])
    if (last is not None and last.kind == "time" and last.end == i) or s.word(i + 1) == "time":
        got = match_zone(s, i)
        if got is not None:
            return Piece("zone", got[0], i, got[1])
    if s.is_word(i, "now") and not s.is_word(i - 1, "from", "before", "after"):
        return Piece("now", None, i, i + 1)
    return None


def scan(text: str, lang: Language | None = None) -> Scan:
    """Pieces and content of ``text``; ``lang`` (a language data module) rewrites its words."""
    tokens = tokenize(text, None if lang is None else partial(rewrite, lang=lang))
    s = Stream(tokens, text)
    result = Scan(text, tokens)
    i = 0
    last: Piece | None = None
    while i < s.n:
        tok = tokens[i]
        if tok.kind == "quote":
            result.content.append(i)
            i += 1
            continue
        if tok.kind == "iso" and len(tok.value) > 3:  # "2026-12-01t09:00"
            y, m, d, h, mi, *sec = tok.value
            check_date(y, m, d, tok.text)
            if h > 23 or mi > 59 or (sec and sec[0] > 59):
                raise InvalidRequest(f"'{tok.text}' is not a time I can read.")
            result.pieces.append(
                Piece("day", DaySpec("date", year=y, month=m, day=d, text=tok.text), i, i + 1)
            )
            last = Piece("time", [TimeSpec(h, mi, sec[0] if sec else 0)], i, i + 1)
            result.pieces.append(last)
            i += 1
            continue
        piece = _try(s, i, last)
        if piece is None or piece.end <= i:
            if last is not None and last.end == i and _counted_by(s, last, i):
                raise unknown_unit(s, last, i)
            result.content.append(i)
            if (
                (tok.kind == "word"
                and tok.text in _STRAY_WORDS)
                or (
                    tok.kind == "word"
                    and tok.text in lexicon.MONTHS
                    and tok.text not in lexicon.WEAK_MONTHS
                )
            ):
                result.strays.append(i)
            i += 1
            continue
        _ordinal_neighbours(s, piece, result)
        result.pieces.append(piece)
        last = piece
        i = piece.end
        if piece.kind == "day" and piece.value.kind in ("date", "monthday"):
            for extra in _date_list_tail(s, piece):
                result.pieces.append(extra)
                last = extra
                i = extra.end
    return result


def _counted_by(s: Stream, piece: Piece, i: int) -> bool:
    """Whether the unread word at ``i`` is what the "every <ordinal>" piece before it counts:
    "every 5th foo" is no more "the 5th of every month" than "every 5 foo" is."""
    word = s.word(i)
    return (
        piece.kind == "recur" and s.is_word(piece.start, *lexicon.EVERY_WORDS)
        and word is not None and word not in NOT_UNITS
        and (s.word(piece.end - 1) in lexicon.ORDINAL_WORDS or _is_ordinal(s, piece.end - 1))
    )  # fmt: skip


def unknown_unit(s: Stream, piece: Piece, i: int) -> InvalidRequest:
    said = s.span(piece.start, i + 1)
    return InvalidRequest(f"I don't know '{s.word(i)}' as a unit of time in '{said}'; say e.g. "
                          "'every 3rd day', 'every 2 weeks' or 'on the 5th of every month'.")


def _ordinal_neighbours(s: Stream, piece: Piece, result: Scan) -> None:
    """An ordinal right next to a schedule piece ("mondays 4th") is a schedule word left unread."""
    before = piece.start - 1
    if before in result.content and _is_ordinal(s, before):
        result.strays.append(before)
    after = piece.end
    if (
        _is_ordinal(s, after)
        and not s.is_word(after + 1, *lexicon.UNITS)
        and s.tok(after + 2) is None
    ):
        result.strays.append(after)


def _is_ordinal(s: Stream, i: int) -> bool:
    t = s.tok(i)
    return (
        t is not None
        and t.kind == "word"
        and t.text in lexicon.ORDINAL_SUFFIXES
        and s.num(i - 1) is not None
    )


def _date_list_tail(s: Stream, piece: Piece) -> list[Piece]:
    """'december 21st and 31st': more days of the same month after a date."""
    spec: DaySpec = piece.value
    out: list[Piece] = []
    end = piece.end
    while True:
        k = end + 1 if s.is_punct(end, ",") else end
        k = k + 1 if s.is_word(k, "and", "&") else k
        if k == end:
            break
        dn = day_number(s, s.skip(k, "the"), words=False)
        if (
            dn is None
            or not dn[2]
            or s.word(dn[1]) in lexicon.UNITS
            or month_at(s, dn[1]) is not None
        ):
            break
        day, stop, _ = dn
        if spec.kind == "monthday" and not 1 <= day <= 31:
            break
        check_date(spec.year or 2024, spec.month or 1, day, s.span(piece.start, stop))
        out.append(Piece("day", replace(spec, day=day, text=s.span(k, stop)), k, stop))
        end = stop
    return out


def stray_error(sc: Scan) -> InvalidRequest:
    tok = sc.tokens[sc.strays[0]]
    tail = sc.text[tok.start :].split()
    snippet = " ".join(tail[:4])
    return InvalidRequest(
        f"I couldn't read '{snippet}' as a schedule. Try: 'every Monday at 9am', 'in 15 minutes', "
        f"'tomorrow at 3pm', 'every 2 hours'."
    )

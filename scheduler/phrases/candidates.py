"""Choosing the reading of a phrase: which language it is in, and whether a reading left
schedule words unread.

A phrase is read in the language detection names (best first). A reading that leaves a schedule
word unread ("hors jours fériés" when holidays were not understood, "10h" when "h" was not an
hour mark) is not trusted: it would drop the word and schedule what is left, the worst kind of
mistake. Short messages detection can't place ("Mo-Fr um 7", "ds 10 min", "le 3/7 à 10h") are
tried in English first and then in each language that knows one of their words; a reading that
reads everything wins.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduler.errors import AmbiguousPhrase, InvalidRequest

from . import languages, lexicon
from .assemble import build
from .languages import Language, fold
from .languages.describe import localize
from .scan import Scan, scan
from .schedule import Schedule
from .tokens import tokenize_plain

# English words that carry schedule meaning: left unread, the reading missed something.
_SCHEDULE_WORDS = (
    set(lexicon.WEEKDAYS) | set(lexicon.MONTHS) | set(lexicon.UNITS) | set(lexicon.PERIODS)
    | set(lexicon.ORDINAL_WORDS) | set(lexicon.NAMED_TIMES)
    | {"every", "daily", "weekly", "monthly", "yearly", "hourly", "until", "except", "starting",
       "between", "times", "twice", "today", "tomorrow", "tonight", "yesterday", "weekday",
       "weekdays", "weekend", "weekends", "business", "quarter", "holiday", "holidays", "last",
       "next", "th", "o'clock"}
)  # fmt: skip


@lru_cache(maxsize=1)
def _foreign_schedule_words() -> frozenset[str]:
    """Folded words of the supported languages that translate to schedule words."""
    out: set[str] = set()
    for code in languages.SUPPORTED:
        lang = languages.get(code)
        assert lang is not None
        out |= {w for w, e in lang.words.items() if set(e.split(" ")) & _SCHEDULE_WORDS}
    return frozenset(out - languages.ENGLISH_WORDS)


def unread(sc: Scan) -> int | None:
    """The index of a content token that is a schedule word (or a number), else None."""
    for i in sc.content:
        tok = sc.tokens[i]
        if tok.kind in ("num", "clock", "numsep", "iso"):
            return i
        if tok.kind != "word":
            continue
        written = sc.text[tok.start:tok.end].lower()
        translated = tok.text != written
        if (translated and tok.text in _SCHEDULE_WORDS) or fold(written) in _foreign_schedule_words():
            return i
    return None


def _unread_error(sc: Scan, i: int) -> InvalidRequest:
    tok = sc.tokens[i]
    snippet = " ".join(sc.text[tok.start:].split()[:4])
    return InvalidRequest(
        f"I couldn't read '{snippet}' as part of a schedule, so I won't guess. Try e.g. "
        f"'every Monday at 9am', 'tomorrow at 3pm', 'every 2 hours'."
    )


def _read(text: str, tz: ZoneInfo, now: datetime, lang: Language | None) -> tuple[Schedule, Scan]:
    sc = scan(text, lang)
    schedule = build(sc, tz, now)
    if lang is not None:
        schedule = localize(schedule, lang)
    return schedule, sc


def build_in_language(text: str, tz: ZoneInfo, now: datetime, locale: str | None) -> Schedule:
    """Parse ``text`` in the language it is written in (see :mod:`.languages`).

    A message detected as another language is never re-read as English: English would drop the
    foreign words and schedule what is left. When two languages score alike (Spanish and
    Portuguese share many words) each is tried, best first.
    """
    candidates = languages.detect(tokenize_plain(text), locale)
    if candidates:
        return _first_reading(text, tz, now, candidates)
    sc = scan(text)
    try:
        schedule = build(sc, tz, now)
    except AmbiguousPhrase:
        raise
    except InvalidRequest as exc:
        if not _foreign_words(sc):
            raise  # English read it all and said no (a zone, a past date...): that stands
        return _other_languages(text, tz, now, exc, None)
    unit = _unread_unit(sc)
    if unit is not None:
        # "every 1 foo seconds" read as the 1st of the month with "seconds" dropped: what the
        # phrase counts (or dates) was missed, so the English reading is no fallback (another
        # language that reads every word still may).
        first = min((i for i in sc.content if i <= unit), default=unit)  # "foo seconds", not "seconds"
        return _other_languages(text, tz, now, _unread_error(sc, first), None)
    if unread(sc) is None:
        return schedule
    return _other_languages(text, tz, now, None, schedule)


def _unread_unit(sc: Scan) -> int | None:
    """The index of a number or an English unit word ("seconds", "days") the reading left
    unread ("on 31 Dec 3000" read as this year's 31 Dec, "3000" dropped)."""
    for i in sc.content:
        tok = sc.tokens[i]
        if tok.kind in ("num", "clock", "numsep", "iso") or (tok.kind == "word" and tok.text in lexicon.UNITS):
            return i
    return None


def _foreign_words(sc: Scan) -> bool:
    """Whether English left words unread that another language knows."""
    for i in sc.content:
        word = fold(sc.tokens[i].text)
        if sc.tokens[i].kind == "word" and any(
                word in lang.words or word in lang.phrase_words
                for code in languages.SUPPORTED if (lang := languages.get(code))):  # fmt: skip
            return True
    return bool(sc.strays)


def _first_reading(text: str, tz: ZoneInfo, now: datetime, candidates: list[Language]) -> Schedule:
    first_error: InvalidRequest | None = None
    for lang in candidates:
        try:
            schedule, sc = _read(text, tz, now, lang)
        except InvalidRequest as exc:
            if isinstance(exc, AmbiguousPhrase):
                raise
            first_error = first_error or exc
            continue
        left = unread(sc)
        if left is None:
            return schedule
        first_error = first_error or _unread_error(sc, left)
    assert first_error is not None
    raise first_error


def _other_languages(text: str, tz: ZoneInfo, now: datetime, error: InvalidRequest | None,
                     fallback: Schedule | None) -> Schedule:  # fmt: skip
    """English failed or left words unread: a language that knows the words and reads them all."""
    words = {fold(t.text) for t in tokenize_plain(text) if t.kind == "word"}
    readings: list[tuple[int, Schedule]] = []
    for code in languages.SUPPORTED:
        lang = languages.get(code)
        assert lang is not None
        if not words & (set(lang.words) | lang.phrase_words):
            continue
        try:
            schedule, sc = _read(text, tz, now, lang)
        except AmbiguousPhrase:
            raise
        except InvalidRequest:
            continue
        if unread(sc) is None:  # the reading that leaves the fewest words unread wins
            readings.append((len(sc.content), schedule))
    if readings:
        return min(readings, key=lambda r: r[0])[1]
    if fallback is not None:
        return fallback
    assert error is not None
    raise error

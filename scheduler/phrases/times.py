"""Times of day: "3pm", "15:00", "9.30", "21h", "noon", "quarter past 5", "at two", "930am"...

A bare hour (no am/pm, no 24-hour form) is read with the phrase's part of day when there is one
("8 tonight", "at 5 in the morning"), else by cronpilot's convention: 1-6 afternoon, 7-11
morning, 12 noon. Out-of-range times ("28pm", "10:99") raise InvalidRequest: they are mistakes
to point out, not words to skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from scheduler.errors import InvalidRequest

from . import lexicon
from .tokens import Stream

_FILLERS = (
    "around",
    "about",
    "approximately",
    "approx",
    "roughly",
    "exactly",
    "precisely",
    "sharp",
)
_OCLOCK = ("o'clock", "oclock")


@dataclass(frozen=True)
class TimeSpec:
    hour: int
    minute: int = 0
    second: int = 0
    meridiem: str | None = None  # "am" | "pm"
    fuzzy: bool = False  # a bare 1-12 hour still to be read with the part of day
    minus: int = 0  # minutes before the hour ("quarter to 9")
    soft24: bool = False  # "17h", "9 Uhr", "9 heures": 24-hour, but "5h in the afternoon" is 17:00

    def resolve(self, period: str | None = None) -> time:
        h = self.hour
        if self.meridiem == "am":
            h = 0 if h == 12 else h
        elif self.meridiem == "pm":
            h = 12 if h == 12 else h + 12
        elif self.fuzzy or (self.soft24 and 1 <= h <= 11 and period in ("afternoon", "evening", "tonight", "night")):
            h = _fuzzy_hour(h, period)
        h %= 24
        total = (h * 60 + self.minute - self.minus) % (24 * 60)
        return time(total // 60, total % 60, self.second)


def _fuzzy_hour(h: int, period: str | None) -> int:
    if period == "morning":
        return 0 if h == 12 else h
    if period in ("afternoon", "evening", "tonight"):
        return h if h == 12 else h + 12
    if period == "night":
        return 0 if h == 12 else (h + 12 if h >= 6 else h)
    if 1 <= h <= 6:
        return h + 12
    return h


def _bad_time(text: str) -> InvalidRequest:
    return InvalidRequest(
        f"'{text}' is not a time of day. Write times like '9am', '5:30pm', '17:00' or 'noon'."
    )


def meridiem(s: Stream, i: int) -> tuple[str, int] | None:
    """am/pm after a time: "pm", "p.m.", "p m", glued "3p"."""
    w = s.word(i)
    if w in ("am", "pm"):
        return lexicon.MERIDIEM[w], s.skip_dot(i + 1)
    if w in ("a", "p"):
        t = s.tok(i)
        nxt = s.skip_dot(i + 1)
        if s.is_word(nxt, "m"):
            return lexicon.MERIDIEM[w], s.skip_dot(nxt + 1)
        if t is not None and t.glued:
            return lexicon.MERIDIEM[w], nxt
    return None


def _check(h: int, m: int, sec: int, text: str, *, twelve: bool = False) -> None:
    if twelve and not 1 <= h <= 12:
        raise _bad_time(text)
    if h > 24 or m > 59 or sec > 59 or (h == 24 and (m or sec)):
        raise _bad_time(text)


def _span_text(s: Stream, i: int, j: int) -> str:
    return s.span(i, j)


def _tail(s: Stream, j: int) -> int:
    """Skip "o'clock", "sharp", glued "ish" after a time."""
    while True:
        if s.is_word(j, *_OCLOCK, "sharp"):
            j += 1
        elif s.is_word(j, "o") and s.is_word(j + 1, "clock"):
            j += 2
        elif s.is_word(j, "ish") and s.at(j).glued:
            j += 1
        else:
            return j


def _period_follows(s: Stream, j: int) -> bool:
    if s.is_word(j, "tonight"):
        return True
    if s.is_word(j, "this", "tomorrow", "in") and s.word(s.skip(j + 1, "the")) in lexicon.PERIODS:
        return True
    if s.is_word(j, "in") and s.is_word(j + 1, "the") and s.is_word(j + 2, "am", "pm"):
        return True
    return s.is_word(j, "at") and s.is_word(j + 1, "night")


def _word_minutes(s: Stream, j: int) -> tuple[int, int] | None:
    """Minutes spoken as words after an hour: "thirty", "fifty nine", "oh five", "o five"."""
    if s.is_word(j, "oh", "o") and (nw := s.word(j + 1)) in lexicon.NUMBER_WORDS:
        v = lexicon.NUMBER_WORDS[nw]
        return (v, j + 2) if 0 < v < 10 else None
    got = s.integer(j)
    if got is None or s.at(j).kind != "word":
        return None
    v, k = got
    return (v, k) if 10 <= v <= 59 else None


def single_time(s: Stream, i: int, *, anchored: bool) -> tuple[TimeSpec, int] | None:
    """One time of day at ``i``; ``anchored`` when "at"/"@" came before (bare numbers allowed)."""
    t = s.tok(i)
    if t is None:
        return None
    if t.kind == "word" and t.text in lexicon.NAMED_TIMES:
        nt = lexicon.NAMED_TIMES[t.text]
        return TimeSpec(nt.hour, nt.minute), i + 1
    if t.kind == "word" and t.text == "lunch" and anchored:
        return TimeSpec(12), i + 1
    if t.kind == "num" and t.value == 12 and s.is_word(i + 1, "noon", "midday", "midnight"):
        nt = lexicon.NAMED_TIMES[s.at(i + 1).text]
        return TimeSpec(nt.hour), i + 2
    got = _relative_to_hour(s, i)
    if got is not None:
        return got
    if t.kind == "clock":
        h, m, sec, leading_zero = t.value[:4]
        if len(t.value) > 4:  # a local convention's time: "17 Uhr 30" on the 24-hour clock,
            # a spoken one ("halb drei", "las 8 y media") read like a bare hour (1-6 afternoon)
            if t.value[4] == "spoken" and 1 <= h <= 12:
                return TimeSpec(h, m, sec, None, True), _tail(s, i + 1)
            return TimeSpec(h, m, sec, None, False, soft24=True), _tail(s, i + 1)
        mer = meridiem(s, i + 1)
        _check(h, m, sec, _span_text(s, i, mer[1] if mer else i + 1), twelve=mer is not None)
        if mer:
            return TimeSpec(h, m, sec, mer[0]), _tail(s, mer[1])
        fuzzy = not leading_zero and 1 <= h <= 12
        return TimeSpec(h, m, sec, None, fuzzy), _tail(s, i + 1)
    if t.kind == "numsep" and t.value[1] == "." and len(t.value[0]) == 2:
        hh, mm = t.value[0]
        mer = meridiem(s, i + 1)
        if (
            len(mm) == 2
            and len(hh) <= 2
            and (anchored or mer or s.word(i + 1) not in lexicon.UNITS)
        ):
            h, m = int(hh), int(mm)
            _check(h, m, 0, t.text, twelve=mer is not None)
            if mer:
                return TimeSpec(h, m, 0, mer[0]), _tail(s, mer[1])
            return TimeSpec(h, m, 0, None, not hh.startswith("0") and 1 <= h <= 12), _tail(s, i + 1)
        return None
    if t.kind == "num":
        return _numeric_time(s, i, anchored)
    if t.kind == "word" and t.text in lexicon.NUMBER_WORDS:
        return _word_time(s, i, anchored)
    return None


def _numeric_time(s: Stream, i: int, anchored: bool) -> tuple[TimeSpec, int] | None:
    t = s.at(i)
    v, digits = t.value, len(t.text)
    j = i + 1
    if s.is_word(j, "ish") and s.at(j).glued:
        j += 1
    mer = meridiem(s, j)
    # "1730" alone, "thu 0930", "tmrw 1730": a 4-digit 24-hour time next to a day (not a year)
    day_words = ("today", "tomorrow", "tonight", "daily", "weekdays", "weekends", "everyday")
    day_before = s.word(i - 1) in lexicon.WEEKDAYS or s.is_word(i - 1, *day_words)
    day_before = day_before or (s.word(j) in lexicon.WEEKDAYS or s.is_word(j, *day_words))
    alone = s.n == 1 and digits == 4
    if digits == 4 and (alone or day_before) and v % 100 < 60 and v // 100 < 24:
        anchored = True
    if digits in (3, 4) and (mer or anchored or s.is_word(j, "hrs", "hours", "h")):
        h, m = divmod(v, 100)
        _check(h, m, 0, _span_text(s, i, mer[1] if mer else j), twelve=mer is not None)
        if mer:
            return TimeSpec(h, m, 0, mer[0]), _tail(s, mer[1])
        if s.is_word(j, "hrs", "hours", "h"):
            j += 1
        fuzzy = digits == 3 and 1 <= h <= 12
        return TimeSpec(h, m, 0, None, fuzzy), _tail(s, j)
    if digits > 2:
        return None
    if mer:
        _check(v, 0, 0, _span_text(s, i, mer[1]), twelve=True)
        return TimeSpec(v, 0, 0, mer[0]), _tail(s, mer[1])
    if s.is_word(j, "h") and s.at(j).glued:
        mins = s.tok(j + 1)
        if mins is not None and mins.kind == "num" and mins.glued and len(mins.text) == 2:
            _check(v, mins.value, 0, _span_text(s, i, j + 2))
            return TimeSpec(v, mins.value, soft24=True), j + 2
        if v >= 13 or anchored:
            _check(v, 0, 0, _span_text(s, i, j + 1))
            return TimeSpec(v, soft24=True), j + 1
        return None
    oclock = _tail(s, j) > j
    if anchored or oclock or _period_follows(s, j):
        if anchored and not oclock and v > 24:
            nxt = s.tok(j)
            if (
                nxt is None
                or nxt.kind == "punct"
                or s.is_word(j, "on", "and", "every", "tomorrow", "today")
            ):
                raise _bad_time(_span_text(s, i - 1, j))
            return None
        if v > 24:
            return None
        k = _tail(s, j)
        mer = meridiem(s, k)
        if mer:
            _check(v, 0, 0, _span_text(s, i, mer[1]), twelve=True)
            return TimeSpec(v, 0, 0, mer[0]), mer[1]
        minutes = s.tok(k)
        spoken = minutes is not None and minutes.kind == "num" and len(minutes.text) == 2
        if (
            anchored
            and not oclock
            and minutes is not None
            and spoken
            and minutes.value <= 59
            and s.word(k + 1) not in lexicon.UNITS
        ):
            mer = meridiem(s, k + 1)  # "at 3 15"
            end = mer[1] if mer else k + 1
            meridian = mer[0] if mer else None
            return TimeSpec(v, minutes.value, 0, meridian, not mer and 1 <= v <= 12), end
        if s.word(k) in lexicon.UNITS or s.is_word(k, "times", "x"):
            return None
        return TimeSpec(v, 0, 0, None, 1 <= v <= 12), k
    return None


def _word_time(s: Stream, i: int, anchored: bool) -> tuple[TimeSpec, int] | None:
    got = s.integer(i)
    if got is None:
        return None
    h, j = got
    if not 0 <= h <= 12 and not (anchored and h <= 23):
        return None
    minute = 0
    wm = _word_minutes(s, j)
    if wm is not None:
        minute, j = wm
    k = _tail(s, j)
    mer = meridiem(s, k)
    if mer:
        if not 1 <= h <= 12:
            raise _bad_time(_span_text(s, i, mer[1]))
        return TimeSpec(h, minute, 0, mer[0]), mer[1]
    if anchored or k > j or _period_follows(s, k):
        if s.word(k) in lexicon.UNITS or s.is_word(k, "times"):
            return None
        return TimeSpec(h, minute, 0, None, 1 <= h <= 12), k
    return None


def _hour_ref(s: Stream, i: int) -> tuple[TimeSpec, int] | None:
    """The hour named in "quarter past X": a number, a number word, noon or midnight."""
    t = s.tok(i)
    if t is None:
        return None
    if t.kind == "word" and t.text in ("noon", "midday", "midnight"):
        return TimeSpec(lexicon.NAMED_TIMES[t.text].hour), i + 1
    got = s.integer(i)
    if got is None or (not 1 <= got[0] <= 12 and not (t.kind == "num" and got[0] <= 23)):
        return None
    h, j = got
    mer = meridiem(s, j)
    if mer:
        return TimeSpec(h, 0, 0, mer[0]), mer[1]
    return TimeSpec(h, 0, 0, None, 1 <= h <= 12), _tail(s, j)


def _relative_to_hour(s: Stream, i: int) -> tuple[TimeSpec, int] | None:
    """'quarter past 5', 'half past 8', 'ten to six', '20 minutes to noon', 'half three'."""
    j = s.skip(i, "a")
    minutes: int | None = None
    if s.is_word(j, "quarter"):
        minutes, k = 15, j + 1
    elif s.is_word(j, "half"):
        minutes, k = 30, j + 1
    else:
        got = s.integer(j)
        if got is None:
            return None
        minutes, k = got
        said_minutes = s.is_word(k, "minutes", "minute", "mins", "min")
        if said_minutes:
            k += 1
        if not 1 <= minutes <= 59:
            return None
        digits = s.at(j).kind == "num"
        before = s.is_word(k, "to", "of", "till", "til", "before")
        if (
            before
            and digits
            and not said_minutes
            and not s.is_word(k + 1, "noon", "midday", "midnight")
        ):
            return None  # "9 to 5" is a span of hours, not 4:51
    if s.is_word(k, "past", "after"):
        hour = _hour_ref(s, k + 1)
        if hour is None:
            return None
        spec, end = hour
        return TimeSpec(spec.hour, minutes, 0, spec.meridiem, spec.fuzzy), end
    if s.is_word(k, "to", "of", "till", "til", "before") and minutes != 30:
        hour = _hour_ref(s, k + 1)
        if hour is None:
            return None
        spec, end = hour
        return TimeSpec(spec.hour, 0, 0, spec.meridiem, spec.fuzzy, minutes), end
    if minutes == 30 and s.is_word(j, "half") and j == i:
        hour = _hour_ref(s, k)
        if hour is not None and s.word(hour[1]) not in lexicon.UNITS:
            spec, end = hour
            return TimeSpec(spec.hour, 30, 0, spec.meridiem, spec.fuzzy), end
    return None


def match_times(s: Stream, i: int) -> tuple[list[TimeSpec], int] | None:
    """A time or a list of times at ``i``: "at 9am", "at 9 and 17", "9am, 1pm and 5pm"."""
    j = i
    anchored = False
    if s.is_word(j, "at", "by") or s.is_punct(j, "@"):
        anchored, j = True, j + 1
    k = s.skip(j, *_FILLERS)
    anchored = anchored or k > j
    j = k
    first = single_time(s, j, anchored=anchored)
    if first is None:
        return None
    times = [first[0]]
    end = first[1]
    while True:
        k = end
        if s.is_punct(k, ",", "&", "/"):
            k += 1
        if s.is_word(k, "and", "&"):
            k += 1
        if k == end:
            break
        k2 = k + 1 if s.is_word(k, "at") else k
        nxt = single_time(s, k2, anchored=True)
        if nxt is None:
            break
        times.append(nxt[0])
        end = nxt[1]
    return times, end


def match_period(s: Stream, i: int) -> tuple[str, int | None, int] | None:
    """A part of the day: ("morning", day offset or None, end). "tonight" is today's evening."""
    w = s.word(i)
    if w == "tonight":
        return "tonight", 0, i + 1
    if w == "today" and s.is_word(i + 1, "at") and s.is_word(i + 2, "night"):
        return "tonight", 0, i + 3
    if w in ("this", "today") and (period := s.word(i + 1)) in lexicon.PERIODS:
        return lexicon.PERIODS[period], 0, i + 2
    if w == "in" and s.is_word(i + 1, "the") and (period := s.word(i + 2)) in lexicon.PERIODS:
        return lexicon.PERIODS[period], None, i + 3
    if w == "in" and s.is_word(i + 1, "the") and s.is_word(i + 2, "am", "pm"):
        return ("morning" if s.word(i + 2) == "am" else "afternoon"), None, i + 3
    if w in ("at", "by") and s.is_word(i + 1, "night"):
        return "night", None, i + 2
    if w in lexicon.PERIODS and w in ("morning", "afternoon", "evening", "night"):
        return lexicon.PERIODS[w], None, i + 1
    return None


def match_minute_marks(s: Stream, i: int) -> tuple[list[int], int] | None:
    """Minutes past each hour: 'at :20 and :50', 'on the hour', 'on the half hour',
    'at 15 past the hour', 'at quarter past every hour'."""
    j = s.skip(i, "at", "on")
    if s.is_word(j, "the") and s.is_word(j + 1, "hour"):
        return [0], j + 2
    if s.is_word(j, "the") and s.is_word(j + 1, "half") and s.is_word(j + 2, "hour"):
        return [30], j + 3
    if s.is_word(j, "the") and s.is_word(j + 1, "half") and s.is_punct(j + 2, "-") and s.is_word(j + 3, "hour"):
        return [30], j + 4
    marks: list[int] = []
    k = j
    while s.is_punct(k, ":") and (m := s.num(k + 1)) is not None and len(s.at(k + 1).text) == 2:
        if m > 59:
            raise _bad_time(s.span(k, k + 2))
        marks.append(m)
        k += 2
        nxt = k + 1 if s.is_punct(k, ",", "&") else k
        nxt = nxt + 1 if s.is_word(nxt, "and", "or") else nxt
        if not s.is_punct(nxt, ":"):
            break
        k = nxt
    if marks:
        return marks, k
    nums: list[int] = []
    k = j
    while True:
        word = {"quarter": 15, "half": 30}.get(s.word(k) or "")
        n = word if word is not None else s.num(k)
        if n is None:
            return None
        nums.append(n)
        nxt = k + 1
        nxt = nxt + 1 if s.is_punct(nxt, ",") else nxt
        if not s.is_word(nxt, "and", "&") and nxt == k + 1:
            k += 1
            break
        k = nxt + 1 if s.is_word(nxt, "and", "&") else nxt
    if not s.is_word(k, "past", "after") or not s.is_word(k + 1, "the", "each", "every"):
        return None
    if not s.is_word(k + 2, "hour"):
        return None
    for n in nums:
        if not 0 <= n <= 59:
            raise _bad_time(s.span(j, k + 3))
    return nums, k + 3 if s.word(k + 1) == "the" else k + 1

"""Rewriting a language's tokens into the English tokens the parser reads.

Left to right: a clock convention ("halb neun", "8 y media", "17 uhr 30") becomes one clock
token; the longest known phrase, or else a known word, becomes its English words; anything
else stays. Every new token keeps the span of the words it stands for, so message text is cut
from what the person wrote.
"""

from __future__ import annotations

from ..tokens import Token, tokenize_plain
from . import Language, fold


def _clock(h: int, m: int, src: list[Token]) -> Token:
    h, m = (h + (m // 60)) % 24, m % 60
    return Token("clock", f"{h}:{m:02d}", src[0].start, src[-1].end, src[0].glued,
                 (h, m, 0, True, "local"))  # fmt: skip


def _english(text: str, src: list[Token]) -> list[Token]:
    """Tokens of ``text`` (English words) standing for the source tokens ``src``."""
    out = []
    for k, t in enumerate(tokenize_plain(text)):
        glued = src[0].glued if k == 0 else t.glued
        out.append(Token(t.kind, t.text, src[0].start, src[-1].end, glued, t.value))
    return out


def _number(lang: Language, tok: Token | None) -> int | None:
    if tok is None:
        return None
    if tok.kind == "num":
        return int(tok.value)
    return lang.numbers.get(fold(tok.text)) if tok.kind == "word" else None


def _minutes_word(lang: Language, toks: list[Token], k: int) -> tuple[int, int] | None:
    """Minutes after PLUS/MINUS at ``k``: 'media' 30, 'cuarto'/'le quart' 15, a number."""
    w = fold(toks[k].text) if k < len(toks) else ""
    if w in ("le", "um", "o") and k + 1 < len(toks) and fold(toks[k + 1].text) in lang.quarter:
        return 15, k + 2
    if w in lang.half:
        return 30, k + 1
    if w in lang.quarter:
        return 15, k + 1
    n = _number(lang, toks[k] if k < len(toks) else None)
    if n is not None and 0 < n < 60:
        return n, k + 1
    return None


def _hour_at(lang: Language, toks: list[Token], k: int) -> tuple[int, int] | None:
    """An hour at ``k`` ('8', 'ocho', '8h', '8 uhr', '8 heures'): (hour, index after)."""
    if k >= len(toks):
        return None
    h = _number(lang, toks[k])
    if h is None and toks[k].kind == "clock" and toks[k].value[1] == 0:
        h = toks[k].value[0]
    if h is None or not 0 <= h <= 24:
        return None
    j = k + 1
    if j < len(toks) and (fold(toks[j].text) in lang.hour_marks or
                          (toks[j].text == "h" and toks[j].glued)):  # fmt: skip
        j += 1
    return h, j


# Words after which "2 horas" / "3 Stunden" is a duration, not a time of day.
_QUANTITY_BEFORE = {
    "cada", "alle", "toutes", "tous", "todas", "todos", "in", "dans", "en", "em", "dentro", "de",
    "a", "daqui", "durante", "pendant", "fur", "per", "pro", "por", "pour", "nach", "apres",
    "despues", "depois", "every", "for", "after", "les", "las", "los", "as", "os", "die",
}  # fmt: skip


def _quantity(toks: list[Token], i: int) -> bool:
    return i > 0 and toks[i - 1].kind == "word" and fold(toks[i - 1].text) in _QUANTITY_BEFORE


def _convention(lang: Language, toks: list[Token], i: int) -> tuple[Token, int] | None:
    """A local clock convention starting at ``i``: (clock token, index after)."""
    w = fold(toks[i].text) if toks[i].kind == "word" else ""
    if w in lang.half_before or w in lang.quarter_before:
        got = _hour_at(lang, toks, i + 1)
        if got is not None and 1 <= got[0] <= 12:
            minutes = 30 if w in lang.half_before else 45
            return _clock(got[0] - 1, minutes, toks[i:got[1]]), got[1]
        return None
    got = _hour_at(lang, toks, i)
    if got is None:
        return None
    h, j = got
    marked = j == i + 2 and fold(toks[i + 1].text) in lang.hour_marks and not _quantity(toks, i)
    if marked and j < len(toks) and toks[j].kind == "num" and len(toks[j].text) == 2 \
            and toks[j].value < 60:  # fmt: skip
        return _clock(h, toks[j].value, toks[i:j + 1]), j + 1  # "17 uhr 30"
    if j < len(toks) and fold(toks[j].text) in lang.plus | lang.minus:
        mins = _minutes_word(lang, toks, j + 1)
        if mins is not None:
            m, end = mins
            if fold(toks[j].text) in lang.minus:
                return _clock(h - 1, 60 - m, toks[i:end]), end
            return _clock(h, m, toks[i:end]), end
    if marked and toks[i].kind == "num" and h <= 23:
        return _clock(h, 0, toks[i:j]), j  # "9 uhr", "17 heures": on the 24-hour clock
    return None


_UNIT_WORDS = {"second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week",
               "weeks", "month", "months", "year", "years", "time", "times"}  # fmt: skip
_DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mondays",
         "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "weekday",
         "business"}  # fmt: skip


def _th(num: Token, src: list[Token]) -> list[Token]:
    return [Token("num", num.text, src[0].start, src[-1].end, num.glued, num.value),
            Token("word", "th", src[0].start, src[-1].end, True)]  # fmt: skip


def _ordinal(lang: Language, toks: list[Token], i: int, folded: list[str]) -> tuple[list[Token], int] | None:
    """Day ordinals written the local way: '1er', '2º', 'am 15.', 'el 15 de', 'dia 5'."""
    tok = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if tok.kind == "num" and nxt is not None and nxt.glued:
        if nxt.kind == "word" and folded[i + 1] in lang.ordinal_suffixes:
            return _th(tok, toks[i:i + 2]), i + 2
        after = toks[i + 2] if i + 2 < len(toks) else None
        if lang.ordinal_dot and nxt.text == "." and 1 <= tok.value <= 31 and (
                after is None or after.kind == "word"):  # fmt: skip
            return _th(tok, toks[i:i + 2]), i + 2
    if tok.kind == "word" and folded[i] in lang.day_articles and nxt is not None \
            and nxt.kind == "num" and 1 <= nxt.value <= 31 and len(nxt.text) <= 2:  # fmt: skip
        after = folded[i + 2] if i + 2 < len(toks) else ""
        if after not in lang.hour_marks and after not in ("h", ":", "y", "e", "et"):
            return _th(nxt, toks[i:i + 2]), i + 2
    if tok.kind == "word" and folded[i] in lang.ordinal_weekdays:
        day, ordinal = lang.ordinal_weekdays[folded[i]]
        k = i + 1
        while k < len(toks) and folded[k] in ("-", "feira", "feiras"):
            k += 1
        if k > i + 1:
            return _english(day, toks[i:k]), k
        follower = lang.words.get(folded[k], folded[k]) if k < len(toks) else ""
        first = follower.split(" ")[0] if follower else ""
        if first in _DAYS or first in _UNIT_WORDS or (folded[k:k + 1] and folded[k] in lang.ordinal_weekdays):
            return _english(ordinal, [tok]), i + 1
        return _english(day, [tok]), i + 1
    return None


def rewrite(tokens: list[Token], lang: Language) -> list[Token]:
    """``tokens`` with ``lang``'s words, phrases and clock conventions in English."""
    out: list[Token] = []
    folded = [fold(t.text) for t in tokens]
    i = 0
    while i < len(tokens):
        if tokens[i].kind == "quote":
            out.append(tokens[i])
            i += 1
            continue
        conv = _convention(lang, tokens, i)
        if conv is not None:
            out.append(conv[0])
            i = conv[1]
            continue
        ordinal = _ordinal(lang, tokens, i, folded)
        if ordinal is not None:
            out.extend(ordinal[0])
            i = ordinal[1]
            continue
        for n in range(min(lang.max_phrase, len(tokens) - i), 1, -1):
            key = tuple(folded[i:i + n])
            article_then_day = key[-1] in lang.day_articles and i + n < len(tokens) \
                and tokens[i + n].kind == "num"  # "todo dia 15": the 15th, not every day
            if key in lang.phrases and not article_then_day:
                out.extend(_english(lang.phrases[key], tokens[i:i + n]))
                i += n
                break
        else:
            tok = tokens[i]
            english = lang.words.get(folded[i]) if tok.kind == "word" else None
            if english is None:
                out.append(tok)
            elif english:
                out.extend(_english(english, [tok]))
            i += 1
    return out

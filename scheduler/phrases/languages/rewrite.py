"""Rewriting a language's tokens into the English tokens the parser reads.

Left to right: a clock convention ("halb neun", "8 y media", "17 uhr 30") becomes one clock
token; a day written the local way ("am 15.", "el día 5", "24.12.", "3/7") becomes the English
order; the longest known phrase, or else a known word, becomes its English words; anything
else stays. A first pass marks the words that only mean "from"/"to" in a range ("de 9 a 18",
"lun a vie", "del 15 al 17") or "every other" ("un lundi sur deux"). Every new token keeps the
span of the words it stands for, so message text is cut from what the person wrote.
"""

from __future__ import annotations

from ..tokens import Token, tokenize_plain
from . import Language, fold
from .typos import correct


def _clock(h: int, m: int, src: list[Token], *, spoken: bool = False) -> Token:
    """A clock token; ``spoken`` times ("halb drei") are read like a bare hour later on."""
    h, m = (h + (m // 60)) % 24, m % 60
    if spoken and h == 0:
        h = 12  # "halb eins", "las 12 y media": on the 12-hour clock
    return Token("clock", f"{h}:{m:02d}", src[0].start, src[-1].end, src[0].glued,
                 (h, m, 0, True, "spoken" if spoken else "local"))  # fmt: skip


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


def _named_hour(lang: Language, toks: list[Token], k: int) -> tuple[int, int] | None:
    """'midi', 'mediodía', 'meio-dia', 'meia-noite' at ``k``: (hour, index after)."""
    for n in (3, 1):
        key = tuple(fold(t.text) for t in toks[k:k + n])
        english = lang.phrases.get(key) if n > 1 else lang.words.get(key[0]) if key else None
        if english in ("noon", "midnight"):
            return (12 if english == "noon" else 0), k + n
    return None


def _minutes_word(lang: Language, toks: list[Token], k: int) -> tuple[int, int, bool] | None:
    """Minutes after PLUS/MINUS at ``k``: 'media' 30, 'cuarto'/'le quart' 15, a number
    (the flag says whether a number was written)."""
    w = fold(toks[k].text) if k < len(toks) else ""
    if w in ("le", "um", "o") and k + 1 < len(toks) and fold(toks[k + 1].text) in lang.quarter:
        return 15, k + 2, False
    if w in lang.half:
        return 30, k + 1, False
    if w in lang.quarter:
        return 15, k + 1, False
    n = _number(lang, toks[k] if k < len(toks) else None)
    if n is not None and 0 < n < 60:
        return n, k + 1, True
    return None


def _is_mark(lang: Language, toks: list[Token], j: int) -> bool:
    return j < len(toks) and (fold(toks[j].text) in lang.hour_marks or
                              (toks[j].text == "h" and toks[j].glued))  # fmt: skip


def _hour_at(lang: Language, toks: list[Token], k: int) -> tuple[int, int, bool] | None:
    """An hour at ``k`` ('8', 'ocho', '8h', '8 uhr', '8 heures', 'midi'): (hour, end, marked)."""
    if k >= len(toks):
        return None
    named = _named_hour(lang, toks, k)
    if named is not None:
        return named[0], named[1], True
    h = _number(lang, toks[k])
    if h is None and toks[k].kind == "clock" and toks[k].value[1] == 0:
        h = toks[k].value[0]
    if h is None or not 0 <= h <= 24:
        return None
    j = k + 1
    if _is_mark(lang, toks, j):
        return h, j + 1, True
    return h, j, False


# Words after which "2 horas" / "3 Stunden" is a duration, not a time of day.
_QUANTITY_BEFORE = {
    "cada", "alle", "toutes", "tous", "todas", "todos", "in", "dans", "en", "em", "dentro",
    "durante", "pendant", "fur", "per", "pro", "por", "pour", "nach", "apres", "despues",
    "depois", "every", "for", "after", "daqui", "ogni",
}  # fmt: skip
# Articles and prepositions that make a duration only after one of the words above:
# "toutes les 2 heures", "dentro de 2 horas", "daqui a 2 horas" (but "à 8 heures" is a time).
_QUANTITY_GLUE = {"les", "las", "los", "as", "os", "die", "de", "a", "des"}
_BETWEEN = {"entre", "zwischen", "between"}


def _quantity(toks: list[Token], i: int) -> bool:
    def word(k: int) -> str:
        return fold(toks[k].text) if k >= 0 and toks[k].kind == "word" else ""

    if word(i - 1) in _QUANTITY_BEFORE:
        return True
    return word(i - 1) in _QUANTITY_GLUE and word(i - 2) in _QUANTITY_BEFORE


def _offset_half(lang: Language, toks: list[Token], i: int) -> tuple[Token, int] | None:
    """German 'fünf vor halb acht' (7:25), 'zehn nach halb neun' (8:40)."""
    n = _number(lang, toks[i])
    if n is None or not 1 <= n <= 29 or i + 2 >= len(toks):
        return None
    side = fold(toks[i + 1].text)
    if side not in lang.offset_before | lang.offset_after or fold(toks[i + 2].text) not in lang.half_before:
        return None
    got = _hour_at(lang, toks, i + 3)
    if got is None or not 1 <= got[0] <= 12:
        return None
    minutes = 30 - n if side in lang.offset_before else 30 + n
    return _clock(got[0] - 1, minutes, toks[i:got[1]], spoken=True), got[1]


def _to_hour(lang: Language, toks: list[Token], i: int) -> tuple[Token, int] | None:
    """Portuguese 'quinze para as nove' (8:45), 'um quarto para as três'."""
    k = i
    n: int | None
    if fold(toks[k].text) in ("um", "o") and k + 1 < len(toks) and fold(toks[k + 1].text) in lang.quarter:
        n, k = 15, k + 2
    else:
        n = _number(lang, toks[k])
        if n is None:
            return None
        k += 1
    if not 1 <= n <= 30 or k >= len(toks) or fold(toks[k].text) not in lang.to_hour:
        return None
    k += 1
    if k < len(toks) and fold(toks[k].text) in ("as", "a", "o"):
        k += 1
    got = _hour_at(lang, toks, k)
    if got is None or not 0 <= got[0] <= 12:
        return None
    return _clock(got[0] - 1, 60 - n, toks[i:got[1]], spoken=not got[2]), got[1]


def _convention(lang: Language, toks: list[Token], i: int) -> tuple[Token, int] | None:
    """A local clock convention starting at ``i``: (clock token, index after)."""
    tok = toks[i]
    w = fold(tok.text) if tok.kind == "word" else ""
    if tok.kind == "clock" and _is_mark(lang, toks, i + 1) and not _quantity(toks, i):
        h, m = tok.value[:2]  # "2:30 Uhr", "14:30 h": the 24-hour clock
        return _clock(h, m, toks[i:i + 2]), i + 2
    if w in lang.half_before or w in lang.quarter_before or w in lang.quarter_past_before:
        got = _hour_at(lang, toks, i + 1)
        if got is not None and 1 <= got[0] <= 12:
            minutes = 30 if w in lang.half_before else 45 if w in lang.quarter_before else 15
            return _clock(got[0] - 1, minutes, toks[i:got[1]], spoken=True), got[1]
        return None
    for rule in (_offset_half, _to_hour):
        found = rule(lang, toks, i)
        if found is not None:
            return found
    got = _hour_at(lang, toks, i)
    if got is None:
        return None
    h, j, marked = got
    marked = marked and not _quantity(toks, i)
    if marked and j < len(toks) and toks[j].kind == "num" and len(toks[j].text) == 2 \
            and toks[j].value < 60 and j == i + 2:  # fmt: skip
        return _clock(h, toks[j].value, toks[i:j + 1]), j + 1  # "17 uhr 30"
    if j < len(toks) and fold(toks[j].text) in lang.plus | lang.minus:
        mins = _minutes_word(lang, toks, j + 1)
        if mins is not None and not _not_minutes(lang, toks, i, mins):
            m, end, _ = mins
            if fold(toks[j].text) in lang.minus:
                return _clock(h - 1, 60 - m, toks[i:end], spoken=not marked), end
            return _clock(h, m, toks[i:end], spoken=not marked), end
    if marked and _named_hour(lang, toks, i) is None and h <= 23:
        return _clock(h, 0, toks[i:j]), j  # "9 uhr", "17 heures", "quince horas": 24-hour
    return None


def _not_minutes(lang: Language, toks: list[Token], i: int, mins: tuple[int, int, bool]) -> bool:
    """'22h et 2h', 'entre 8 y 9': a second hour, not minutes after the first."""
    _, end, written = mins
    if not written:
        return False
    if _is_mark(lang, toks, end):
        return True
    before = {fold(toks[k].text) for k in (i - 1, i - 2) if k >= 0}
    return bool(before & _BETWEEN)


def _th(num: Token, src: list[Token], *, on_the: bool = False) -> list[Token]:
    lead = [Token("word", w, src[0].start, src[-1].end, False) for w in ("on", "the")] if on_the else []
    return [*lead, Token("num", num.text, src[0].start, src[-1].end, num.glued, num.value),
            Token("word", "th", src[0].start, src[-1].end, True)]  # fmt: skip


_UNIT_WORDS = {"second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week",
               "weeks", "month", "months", "year", "years", "time", "times"}  # fmt: skip
_DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mondays",
         "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "weekday",
         "business"}  # fmt: skip


def _day_number_at(lang: Language, toks: list[Token], k: int, folded: list[str]) -> int | None:
    """A day of the month at ``k``: '15', '1er' (the suffix glued), not a time ('15h')."""
    t = toks[k] if k < len(toks) else None
    if t is None or t.kind != "num" or not 1 <= t.value <= 31 or len(t.text) > 2:
        return None
    after = folded[k + 1] if k + 1 < len(toks) else ""
    then = folded[k + 2] if k + 2 < len(toks) else ""
    if after in lang.hour_marks or after in ("h", ":") or (
            after in lang.plus | lang.minus and (then in lang.half | lang.quarter or then == "le")):
        return None  # "15 h", "8 y media": a time of day  # fmt: skip
    glued = toks[k + 1:k + 2] and toks[k + 1].glued
    if glued and (after in lang.ordinal_suffixes or (lang.ordinal_dot and after == ".")):
        return k + 2  # "1er", "15."
    return k + 1


def _ordinal(lang: Language, toks: list[Token], i: int, folded: list[str]) -> tuple[list[Token], int] | None:
    """Day ordinals written the local way: '1er', '2º', 'am 15.', 'el 15 de', 'dia 5', 'los
    días 1 y 15' (a list of days of the month)."""
    tok = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if tok.kind == "num" and nxt is not None and nxt.glued:
        if nxt.kind == "word" and folded[i + 1] in lang.ordinal_suffixes:
            return _th(tok, toks[i:i + 2]), i + 2
        after = toks[i + 2] if i + 2 < len(toks) else None
        if lang.ordinal_dot and nxt.text == "." and 1 <= tok.value <= 31 and (
                after is None or after.kind == "word"):  # fmt: skip
            return _th(tok, toks[i:i + 2]), i + 2
    if tok.kind == "word" and folded[i] in lang.day_articles and nxt is not None and nxt.kind == "numsep":
        return [], i + 1  # "dia 3/7", "el 24.12.": the date says it all
    if tok.kind == "word" and folded[i] in lang.day_articles:
        end = _day_number_at(lang, toks, i + 1, folded)
        if end is not None:
            out = _th(toks[i + 1], toks[i:end], on_the=True)
            return _day_list(lang, toks, end, folded, out)
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


def _day_list(lang: Language, toks: list[Token], k: int, folded: list[str],
              out: list[Token]) -> tuple[list[Token], int]:  # fmt: skip
    """More days after a day of the month: 'y 15', 'et le 15', 'e 20'."""
    while k + 1 < len(toks) and (lang.words.get(folded[k]) == "and" or folded[k] == ","):
        j = k + 1
        while j < len(toks) and folded[j] in lang.day_articles:
            j += 1
        end = _day_number_at(lang, toks, j, folded)
        if end is None:
            break
        out = out + _english("and", [toks[k]]) + _th(toks[j], toks[j:end])
        k = end
    return out, k


def _numeric_date(lang: Language, toks: list[Token], i: int) -> tuple[list[Token], int] | None:
    """'24.12.', '3/7', '20/12/2026': day first, rewritten month first as the parser reads it."""
    tok = toks[i]
    if not lang.day_first or tok.kind != "numsep":
        return None
    parts, sep = tok.value
    end = i + 1
    if sep == ".":
        dotted = end < len(toks) and toks[end].text == "." and toks[end].glued
        if len(parts) == 2 and not dotted:
            return None  # "9.30" is a time
        end += 1 if dotted else 0
    elif sep != "/":
        return None
    day, month = int(parts[0]), int(parts[1])
    if not (1 <= day <= 31 and 1 <= month <= 12) or len(parts[0]) > 2:
        return None
    text = "/".join([str(month), str(day), *parts[2:]])
    value = ((str(month), str(day), *parts[2:]), "/")
    return [Token("numsep", text, tok.start, toks[end - 1].end, tok.glued, value)], end


def _every_n(lang: Language, toks: list[Token], i: int, folded: list[str]) -> tuple[list[Token], int] | None:
    """German '14-täglich', '2-wöchentlich': every N days/weeks."""
    if toks[i].kind != "num" or i + 2 >= len(toks) or toks[i + 1].text != "-":
        return None
    unit = lang.every_n_suffix.get(folded[i + 2])
    if unit is None:
        return None
    return _english(f"every {toks[i].value} {unit}", toks[i:i + 3]), i + 3


def _minute_marks(lang: Language, toks: list[Token], i: int, folded: list[str]) -> tuple[list[Token], int] | None:
    """'a los 15 y a los 45 minutos', 'aos 15 e aos 45 minutos': minutes past each hour."""
    marks: list[Token] = []
    k = i
    while True:
        lead = next((lead for lead in lang.minute_leads if tuple(folded[k:k + len(lead)]) == lead), None)
        if lead is None or k + len(lead) >= len(toks):
            return None
        num = toks[k + len(lead)]
        if num.kind != "num" or num.value > 59:
            return None
        sep = [] if not marks else _english("and", [toks[k - 1]])
        marks += [*sep, Token("punct", ":", num.start, num.end, False),
                  Token("num", f"{num.value:02d}", num.start, num.end, True, num.value)]  # fmt: skip
        k += len(lead) + 1
        if k < len(toks) and folded[k] in ("minutos", "minutes", "min"):
            return marks, k + 1
        if k + 1 < len(toks) and lang.words.get(folded[k]) == "and":
            k += 1
            continue
        return None


def _forced(lang: Language, toks: list[Token], folded: list[str]) -> dict[int, str]:
    """Words that only mean 'from'/'to' in a range, or 'every other': index -> English."""
    out: dict[int, str] = {}
    n = len(toks)

    def rangeable(k: int) -> tuple[int, str] | None:
        """(end, kind) of an hour ('h'), a bare number ('n') or a weekday ('w') at ``k``."""
        if k >= n:
            return None
        if toks[k].kind == "clock":
            return k + 1, "h"
        named = _named_hour(lang, toks, k)
        if named is not None:
            return named[1], "h"
        if toks[k].kind == "num" and toks[k].value <= 31 and len(toks[k].text) <= 2:
            if _is_mark(lang, toks, k + 1):
                return k + 2, "h"
            if k + 1 < n and (folded[k + 1] in lang.ordinal_suffixes or toks[k + 1].text == ".") \
                    and toks[k + 1].glued:  # fmt: skip
                return k + 2, "n"
            return k + 1, "n"
        english = lang.words.get(folded[k], "")
        return (k + 1, "w") if english.split(" ")[0] in _DAYS else None

    for k in range(1, n):
        if folded[k] not in lang.to_words:
            continue
        left = next(((b, got[1]) for b in (k - 1, k - 2, k - 3)
                     if b >= 0 and (got := rangeable(b)) is not None and got[0] == k), None)  # fmt: skip
        right_at = k + 2 if k + 1 < n and folded[k + 1] in ("las", "la", "as", "le") else k + 1
        right = rangeable(right_at)
        if left is None or right is None:
            continue
        start, kind = left
        opened = start > 0 and folded[start - 1] in lang.from_words
        if kind != right[1] and not (opened and {kind, right[1]} == {"h", "n"}):
            continue  # "às 20h até 12 de junho": an end date, not a span of hours
        out[k] = "to"
        if opened:
            out[start - 1] = "" if kind == "w" else "from"  # "du lundi au vendredi": weekdays
        if kind == "n" and _month_follows(lang, folded, right[0]):
            out[start], out[right_at] = DAY, DAY  # "del 15 al 17 de junio": days, not hours
    for k in range(n - 3):
        if folded[k] in lang.every_other_lead and (folded[k + 2], folded[k + 3]) == lang.every_other_tail:
            out[k], out[k + 2], out[k + 3] = "every other", "", ""  # "un lundi sur deux"
    return out


DAY = "\x00day"  # a forced day number: rewritten "Nth"


def _month_follows(lang: Language, folded: list[str], k: int) -> bool:
    k += 1 if k < len(folded) and folded[k] in ("de", "del", "of", "do", "des") else 0
    return k < len(folded) and lang.words.get(folded[k], "") in _MONTHS


_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"}  # fmt: skip


def rewrite(tokens: list[Token], lang: Language) -> list[Token]:
    """``tokens`` with ``lang``'s words, phrases and clock conventions in English."""
    tokens = _elide(tokens, lang)
    out: list[Token] = []
    folded = [fold(t.text) for t in tokens]
    forced = _forced(lang, tokens, folded)
    i = 0
    while i < len(tokens):
        if tokens[i].kind == "quote":
            out.append(tokens[i])
            i += 1
            continue
        if i in forced and forced[i] == DAY:
            end = _day_number_at(lang, tokens, i, folded) or i + 1
            out.extend(_th(tokens[i], tokens[i:end]))
            i = end
            continue
        if i in forced:
            if forced[i]:
                out.extend(_english(forced[i], [tokens[i]]))
            i += 1
            continue
        step = (_convention(lang, tokens, i) or _numeric_date(lang, tokens, i)
                or _every_n(lang, tokens, i, folded) or _minute_marks(lang, tokens, i, folded))
        if step is not None:
            out.extend(step[0] if isinstance(step[0], list) else [step[0]])
            i = step[1]
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
            if key in lang.phrases and not article_then_day and not any(i + k in forced for k in range(1, n)):
                out.extend(_english(lang.phrases[key], tokens[i:i + n]))
                i += n
                break
        else:
            tok = tokens[i]
            english = lang.words.get(folded[i]) if tok.kind == "word" else None
            if english is None and tok.kind == "word":
                english = correct(lang, folded[i])
            nxt = folded[i + 1] if i + 1 < len(tokens) else ""
            if english and english.split(" ")[0] in _DAYS and nxt in lang.postposed_next:
                out.extend(_english(f"next {english}", tokens[i:i + 2]))  # "lundi prochain"
                i += 2
                continue
            if english is None:
                out.append(tok)
            elif english:
                out.extend(_english(english, [tok]))
            i += 1
    return out


def _elide(tokens: list[Token], lang: Language) -> list[Token]:
    """French elision: "l'avant-dernier" reads as "avant-dernier" (the article says nothing)."""
    if not lang.elisions:
        return tokens
    out: list[Token] = []
    for t in tokens:
        head, sep, rest = t.text.partition("'")
        if t.kind == "word" and sep and rest and fold(head + "'") in lang.elisions \
                and fold(t.text) not in lang.words and fold(t.text) not in lang.phrase_words:  # fmt: skip
            cut = len(head) + 1
            out.append(Token("word", rest, t.start + cut, t.end, False))
            continue
        out.append(t)
    return out

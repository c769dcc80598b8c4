"""Languages other than English, as data feeding the one parser.

A language is a data module (``de.py``, ``es.py``, ...) with word and phrase tables that map its
schedule vocabulary onto the English tokens the parser reads, plus its local clock conventions
("halb neun" = 8:30, "las 8 menos cuarto" = 7:45) as data for a few shared rules here. The
rewrite happens on tokens, which keep their spans in the person's text, so the "what" of a
request is still cut from their own words. Words a table doesn't know stay as they are: message
content, or a stray that makes the phrase unreadable (never a silent guess).

Detection is per message: each language scores the words only it knows (names of days and
months, units, frequency words); the best score wins, a ``locale`` hint breaks ties and wins
whenever its language has any word in the message, English when nothing else scores.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ..tokens import Token

SUPPORTED = ("de", "es", "fr", "pt")


def fold(word: str) -> str:
    """Lower case without accents: 'Mañana' -> 'manana', 'Mär' -> 'mar'."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ß", "ss")


@dataclass(frozen=True)
class Language:
    code: str
    words: dict[str, str]  # folded word -> English words ("" drops it)
    phrases: dict[tuple[str, ...], str]  # folded token texts -> English words
    half_before: frozenset[str] = frozenset()  # "halb neun" = 8:30
    quarter_before: frozenset[str] = frozenset()  # "dreiviertel neun" = 8:45
    plus: frozenset[str] = frozenset()  # "8 y media", "8 et quart": minutes after the hour
    minus: frozenset[str] = frozenset()  # "8 menos cuarto": minutes before the hour
    half: frozenset[str] = frozenset()  # "media", "demie", "meia"
    quarter: frozenset[str] = frozenset()  # "cuarto", "quart", "le quart"
    hour_marks: frozenset[str] = frozenset()  # "uhr", "heures", "horas": "17 uhr 30" = 17:30
    numbers: dict[str, int] = field(default_factory=dict)
    day_articles: frozenset[str] = frozenset()  # "el 15 de cada mes": the 15th
    ordinal_suffixes: frozenset[str] = frozenset()  # "1er", "2º": glued after a number
    ordinal_dot: bool = False  # German "am 15.": the 15th
    ordinal_weekdays: dict[str, tuple[str, str]] = field(default_factory=dict)  # pt "segunda"
    describe: tuple[tuple[str, str], ...] = ()  # English description fragments -> local
    natural: dict[str, Any] = field(default_factory=dict)  # native order of common shapes (natural.py)
    detect_words: frozenset[str] = frozenset()  # words that point to this language
    max_phrase: int = 1
    quarter_past_before: frozenset[str] = frozenset()  # "viertel neun" = 8:15 (east German)
    offset_before: frozenset[str] = frozenset()  # "fünf vor halb acht" = 7:25
    offset_after: frozenset[str] = frozenset()  # "fünf nach halb acht" = 7:35
    to_hour: frozenset[str] = frozenset()  # "quinze para as nove" = 8:45
    from_words: frozenset[str] = frozenset()  # "de 9 a 18", "von 9 bis 17"
    to_words: frozenset[str] = frozenset()
    day_first: bool = True  # "3/7" is the 3rd of July
    elisions: frozenset[str] = frozenset()  # "l'", "d'"
    every_other_lead: frozenset[str] = frozenset()  # "un lundi sur deux"
    every_other_tail: tuple[str, str] = ("", "")
    phrase_words: frozenset[str] = frozenset()
    typo_targets: tuple[tuple[str, str], ...] = ()  # (folded word, English) typos may stand for
    every_n_suffix: dict[str, str] = field(default_factory=dict)  # "14-täglich": every 14 days
    minute_leads: tuple[tuple[str, ...], ...] = ()  # "a los 15 y a los 45 minutos": :15, :45
    postposed_next: frozenset[str] = frozenset()  # "lundi prochain": next Monday
    remind_lead: re.Pattern[str] | None = None  # "erinnere mich an", "recuérdame": cut from the what
    reply: dict[str, str] = field(default_factory=dict)  # the chat's own words (REPLY_KEYS)


def _load(module: ModuleType) -> Language:
    phrases = {tuple(_key_tokens(k)): v for k, v in module.PHRASES.items()}
    numbers = {fold(k): v for k, v in module.NUMBERS.items()}
    words = {fold(k): v for k, v in module.WORDS.items()}
    words.update({k: str(v) for k, v in numbers.items() if k not in words})
    distinct = {w for w in words if len(w) > 2} | {w for key in phrases for w in key if len(w) > 2}
    distinct |= {fold(k) for k in getattr(module, "ORDINAL_WEEKDAYS", {})}
    return Language(
        code=module.CODE, words=words, phrases=phrases,
        half_before=frozenset(map(fold, getattr(module, "HALF_BEFORE", ()))),
        quarter_before=frozenset(map(fold, getattr(module, "QUARTER_BEFORE", ()))),
        plus=frozenset(map(fold, getattr(module, "PLUS", ()))),
        minus=frozenset(map(fold, getattr(module, "MINUS", ()))),
        half=frozenset(map(fold, getattr(module, "HALF", ()))),
        quarter=frozenset(map(fold, getattr(module, "QUARTER", ()))),
        hour_marks=frozenset(map(fold, getattr(module, "HOUR_MARKS", ()))),
        numbers=numbers, describe=tuple(getattr(module, "DESCRIBE", ())),
        natural=getattr(module, "NATURAL", {}),
        day_articles=frozenset(map(fold, getattr(module, "DAY_ARTICLES", ()))),
        ordinal_suffixes=frozenset(map(fold, getattr(module, "ORDINAL_SUFFIXES", ()))),
        ordinal_dot=getattr(module, "ORDINAL_DOT", False),
        ordinal_weekdays={fold(k): v for k, v in getattr(module, "ORDINAL_WEEKDAYS", {}).items()},
        detect_words=frozenset(distinct - _ENGLISH),
        max_phrase=max((len(k) for k in phrases), default=1),
        quarter_past_before=_set(module, "QUARTER_PAST_BEFORE"),
        offset_before=_set(module, "OFFSET_BEFORE"), offset_after=_set(module, "OFFSET_AFTER"),
        to_hour=_set(module, "TO_HOUR"), from_words=_set(module, "FROM_WORDS"),
        to_words=_set(module, "TO_WORDS"), elisions=_set(module, "ELISIONS"),
        every_other_lead=_set(module, "EVERY_OTHER_LEAD"),
        every_other_tail=tuple(map(fold, getattr(module, "EVERY_OTHER_TAIL", ("", "")))),  # type: ignore[arg-type]
        phrase_words=frozenset(w for key in phrases for w in key),
        postposed_next=_set(module, "POSTPOSED_NEXT"),
        every_n_suffix={fold(k): v for k, v in getattr(module, "EVERY_N_SUFFIX", {}).items()},
        minute_leads=tuple(tuple(_key_tokens(k)) for k in getattr(module, "MINUTE_LEADS", ())),
        remind_lead=(re.compile(module.REMIND_LEAD, re.IGNORECASE)
                     if hasattr(module, "REMIND_LEAD") else None),
        reply=_reply(module),
        typo_targets=tuple((w, e) for w, e in words.items()
                           if len(w) >= 5 and e.split(" ")[0] in _TYPO_WORDS),
    )  # fmt: skip


# What the chat says around a task in a person's language: "Done: 'x' (task #3), every Monday
# at 09:00; next Mon 7 Dec 09:00." Each language module's REPLY has every key.
REPLY_KEYS = ("done", "updated", "task", "next", "note", "approval", "not_running")


def _reply(module: ModuleType) -> dict[str, str]:
    reply = dict(getattr(module, "REPLY", {}))
    missing = [k for k in REPLY_KEYS if k not in reply]
    if reply and missing:
        raise ValueError(f"{module.__name__}.REPLY lacks {', '.join(missing)}")
    return reply


def _set(module: ModuleType, name: str) -> frozenset[str]:
    return frozenset(map(fold, getattr(module, name, ())))


# What a misspelt word may be corrected to: day and month names (long enough to tell apart).
_TYPO_WORDS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
               "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
               "january", "february", "march", "april", "june", "july", "august", "september",
               "october", "november", "december", "tomorrow"}  # fmt: skip


def _key_tokens(key: str) -> list[str]:
    from ..tokens import tokenize_plain

    return [fold(t.text) for t in tokenize_plain(key)]


# Words that are English too: they never count as evidence for another language.
_COMMON_ENGLISH = {
    "a", "at", "end", "week", "on", "in", "to", "the", "and", "of", "for", "from", "until", "every", "each",
    "am", "pm", "h", "no", "me", "die", "den", "des", "alle", "last", "per", "after", "before",
    "est", "total", "base", "fine", "mid", "semester", "date", "so", "man", "um", "an", "once",
    "twice", "daily", "weekly", "monthly", "yearly", "hourly", "next", "this", "todo", "favor",
    "sex", "dim", "ten", "tag", "mal", "pro", "bis", "pile", "minute", "minutes", "second",
    "seconds", "hour", "hours", "day", "days", "weeks", "month", "months", "year",
    "years", "august", "april", "september", "november", "december", "mayo", "ano", "mes",
    "eine", "elf", "null", "acht", "ora", "vers", "plus", "sept", "huit", "six", "sit",
    "message", "report", "team", "call", "standup", "meeting", "lunch", "ago", "now", "remind",
}  # fmt: skip


def _english_words() -> set[str]:
    from .. import lexicon

    tables = (lexicon.WEEKDAYS, lexicon.MONTHS, lexicon.NUMBER_WORDS, lexicon.ORDINAL_WORDS,
              lexicon.UNITS, lexicon.PERIODS, lexicon.NAMED_TIMES, lexicon.SHORTHAND,
              lexicon.ZONE_ABBREVIATIONS)  # fmt: skip
    return {w for t in tables for w in t} | set(lexicon.FILLER) | _COMMON_ENGLISH


_ENGLISH = _english_words()
ENGLISH_WORDS = frozenset(_ENGLISH)

_LANGUAGES: dict[str, Language] = {}


def get(code: str) -> Language | None:
    """The language for a code or locale ('de', 'pt-BR', 'es_ES'), or None (English, unknown)."""
    base = code.replace("_", "-").split("-")[0].lower().strip()
    if base not in SUPPORTED:
        return None
    if base not in _LANGUAGES:
        from importlib import import_module

        _LANGUAGES[base] = _load(import_module(f"{__name__}.{base}"))
    return _LANGUAGES[base]


def detect(tokens: Iterable[Token], locale: str | None = None) -> list[Language]:
    """Candidate languages for a message, best first ([] = English)."""
    words = [fold(t.text) for t in tokens if t.kind == "word"]
    hint = get(locale) if locale else None
    scored: list[tuple[int, int, Language]] = []
    for rank, code in enumerate(SUPPORTED):
        lang = get(code)
        assert lang is not None
        score = sum(1 for w in words if w in lang.detect_words)
        if score:  # ties go to the language that knows more of the message's words
            known = sum(1 for w in words if w in lang.words or any(w in k for k in lang.phrases))
            scored.append((-score * 100 - known, rank if lang is not hint else -1, lang))
    if hint is not None and any(lang is hint for _, _, lang in scored):
        return [hint] + [lang for _, _, lang in sorted(scored, key=lambda x: x[:2]) if lang is not hint]
    return [lang for _, _, lang in sorted(scored, key=lambda x: x[:2])]

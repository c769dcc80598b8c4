"""Tokens of a cleaned phrase, and the small reading helpers every matcher shares.

A token keeps its span in the cleaned text, whether it was glued to the previous token ("3pm",
"21h") and a parsed value for numbers, clock times ("3:15") and digit groups ("12/17/2020",
"9.30", "2026-12-01"). Quoted passages collapse into a single ``quote`` token that no matcher
reads, so a schedule written inside quotes stays message content.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import lexicon
from .normalize import quoted_spans

_TOKEN = re.compile(
    r"(?P<iso>\d{4}-\d{1,2}-\d{1,2}(?:t\d{1,2}:\d{2}(?::\d{2})?)?)"
    r"|(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)"
    r"|(?P<numsep>\d{1,4}(?:[/.\-]\d{1,4}){1,2}(?![\d]))"
    r"|(?P<num>\d+)"
    r"|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)*)"
    r"|(?P<punct>\S)"
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # word | num | clock | numsep | iso | punct | quote
    text: str
    start: int
    end: int
    glued: bool = False
    value: Any = None


def tokenize(text: str, rewrite: Callable[[list[Token]], list[Token]] | None = None) -> list[Token]:
    """Tokens of the lower-cased ``text`` (spans index ``text`` itself); with ``rewrite`` (a
    language's, ``languages.rewrite``) its words are rewritten into the English the parser
    reads, and shorthand people type ("tmrw", "wkdays", "tonite") into the words it stands for.
    The rewrite is passed in, so this module, below the languages, never imports them."""
    tokens = _merge_numeric_shorthand(_tokenize(text))
    if rewrite is not None:
        tokens = rewrite(tokens)
    return [_unshort(t) for t in tokens]


_NUMERIC_SHORTHAND = {"moro": "tomorrow", "morrow": "tomorrow", "mrw": "tomorrow",
                      "nite": "tonight", "night": "tonight"}  # "2moro", "2nite"


def _merge_numeric_shorthand(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        prev = out[-1] if out else None
        if (prev is not None and prev.kind == "num" and prev.text == "2" and tok.glued
                and tok.kind == "word" and tok.text in _NUMERIC_SHORTHAND):  # fmt: skip
            out[-1] = Token("word", _NUMERIC_SHORTHAND[tok.text], prev.start, tok.end, prev.glued)
            continue
        out.append(tok)
    return out


def _unshort(tok: Token) -> Token:
    full = lexicon.SHORTHAND.get(tok.text) if tok.kind == "word" else None
    if full is None:
        return tok
    return Token("word", full, tok.start, tok.end, tok.glued)


def tokenize_plain(text: str) -> list[Token]:
    """Tokens of ``text`` as written (lower-cased), without quotes or rewriting."""
    return _plain_tokens(text.lower(), 0, len(text))


def _tokenize(text: str) -> list[Token]:
    lowered = text.lower()
    quotes = quoted_spans(text)
    tokens: list[Token] = []
    pos = 0
    for q_start, q_end in [*quotes, (len(text), len(text))]:
        tokens.extend(_plain_tokens(lowered, pos, q_start))
        if q_end > q_start:
            tokens.append(Token("quote", text[q_start:q_end], q_start, q_end))
        pos = q_end
    return tokens


def _plain_tokens(text: str, start: int, end: int) -> list[Token]:
    out: list[Token] = []
    last_end = -1
    for m in _TOKEN.finditer(text, start, end):
        kind = m.lastgroup or "punct"
        raw = m.group()
        glued = m.start() == last_end
        last_end = m.end()
        value: Any = None
        if kind == "num":
            value = int(raw)
        elif kind == "clock":
            parts = [int(p) for p in raw.split(":")]
            value = (parts[0], parts[1], parts[2] if len(parts) > 2 else 0, raw.startswith("0"))
        elif kind == "numsep":
            sep = next(ch for ch in raw if ch in "/.-")
            if any(ch in "/.-" and ch != sep for ch in raw):
                out.extend(_split_mixed(raw, m.start(), glued))
                continue
            value = (tuple(raw.split(sep)), sep)
        elif kind == "iso":
            date_part, _, time_part = raw.partition("t")
            y, mo, d = (int(p) for p in date_part.split("-"))
            hms = [int(p) for p in time_part.split(":")] if time_part else []
            value = (y, mo, d, *hms)
        out.append(Token(kind, raw, m.start(), m.end(), glued, value))
    return out


def _split_mixed(raw: str, offset: int, glued: bool) -> list[Token]:
    """'1/2-3' style runs with two different separators: numbers and punctuation one by one."""
    out: list[Token] = []
    for m in re.finditer(r"\d+|\S", raw):
        kind = "num" if m.group().isdigit() else "punct"
        value = int(m.group()) if kind == "num" else None
        out.append(
            Token(kind, m.group(), offset + m.start(), offset + m.end(), glued or bool(out), value)
        )
    return out


class Stream:
    """Read-only access to a token list with the lookups matchers need."""

    def __init__(self, tokens: list[Token], text: str = "") -> None:
        self.tokens = tokens
        self.n = len(tokens)
        self.text = text

    def span(self, i: int, j: int) -> str:
        """The original text of tokens ``i`` up to ``j`` (exclusive)."""
        toks = self.tokens[max(i, 0) : j]
        if not toks:
            return ""
        if not self.text:
            return " ".join(t.text for t in toks)
        return self.text[toks[0].start : toks[-1].end]

    def tok(self, i: int) -> Token | None:
        return self.tokens[i] if 0 <= i < self.n else None

    def at(self, i: int) -> Token:
        """The token at ``i`` where the caller has already seen one there (``word``, ``num``,
        ``is_word``...): ``tok`` without the None its type would make every caller check."""
        t = self.tok(i)
        if t is None:
            raise IndexError(f"no token at {i}")
        return t

    def word(self, i: int) -> str | None:
        t = self.tok(i)
        return t.text if t is not None and t.kind == "word" else None

    def is_word(self, i: int, *options: str) -> bool:
        w = self.word(i)
        return w is not None and w in options

    def is_punct(self, i: int, *options: str) -> bool:
        t = self.tok(i)
        return t is not None and t.kind == "punct" and (not options or t.text in options)

    def num(self, i: int) -> int | None:
        t = self.tok(i)
        return t.value if t is not None and t.kind == "num" else None

    def skip(self, i: int, *words: str) -> int:
        """Index after any run of the given filler words."""
        while self.is_word(i, *words):
            i += 1
        return i

    def skip_dot(self, i: int) -> int:
        """Skip an abbreviation dot ("wed.", "p.m.") glued to the previous token."""
        t = self.tok(i)
        return i + 1 if t is not None and t.kind == "punct" and t.text == "." and t.glued else i

    # --- numbers -------------------------------------------------------------------------

    def number(self, i: int, *, articles: bool = True) -> tuple[float, int] | None:
        """A cardinal at ``i``: digits, "2.5", words ("twenty five", "a", "a couple of")."""
        t = self.tok(i)
        if t is None:
            return None
        if t.kind == "num":
            value: float = t.value
            j = i + 1
            return self.and_a_half(value, j)
        if t.kind == "numsep" and t.value[1] in ".," and len(t.value[0]) == 2:
            whole, frac = t.value[0]
            return float(f"{whole}.{frac}"), i + 1
        if t.kind == "numsep" and t.value[1] == "/" and len(t.value[0]) == 2:
            num, den = (int(p) for p in t.value[0])
            if den and 0 < num < den <= 4:
                return num / den, i + 1
            return None
        if t.kind != "word":
            return None
        w = t.text
        if articles and w in ("a", "an"):
            if self.is_word(i + 1, "couple", "pair"):
                return 2, self.skip(i + 2, "of")
            if self.is_word(i + 1, "few"):
                return 3, self.skip(i + 2, "of")
            if self.is_word(i + 1, "dozen"):
                return 12, i + 2
            if self.is_word(i + 1, "half"):
                return 0.5, i + 2
            if self.is_word(i + 1, "quarter"):
                return 0.25, self.skip(i + 2, "of")
            return 1, i + 1
        if w == "couple" and articles:
            return 2, self.skip(i + 1, "of")
        if w == "few" and articles:
            return 3, self.skip(i + 1, "of")
        if w == "half" and articles:
            return 0.5, self.skip(i + 1, "a", "an")
        if w == "dozen":
            return 12, i + 1
        if w not in lexicon.NUMBER_WORDS:
            return None
        value = lexicon.NUMBER_WORDS[w]
        j = i + 1
        if w in lexicon.TENS:
            k = j + 1 if self.is_punct(j, "-") else j
            unit = self.word(k)
            if unit in lexicon.NUMBER_WORDS and 0 < lexicon.NUMBER_WORDS[unit] < 10:
                value += lexicon.NUMBER_WORDS[unit]
                j = k + 1
        if self.is_word(j, "hundred"):
            value *= 100
            j += 1
        return self.and_a_half(value, j)

    def and_a_half(self, value: float, j: int) -> tuple[float, int]:
        """``value`` followed by "and a half" at ``j`` ("two and a half hours")."""
        if self.is_word(j, "and") and self.is_word(j + 1, "a", "an") and self.is_word(j + 2, "half"):
            return value + 0.5, j + 3
        return value, j

    def integer(self, i: int, *, articles: bool = False) -> tuple[int, int] | None:
        got = self.number(i, articles=articles)
        if got is None or got[0] != int(got[0]):
            return None
        return int(got[0]), got[1]

    def ordinal(self, i: int) -> tuple[int, int] | None:
        """An ordinal at ``i``: "3rd", "third", "twenty-first", "last" (-1), "2nd to last" (-2)."""
        t = self.tok(i)
        if t is None:
            return None
        value: int | None = None
        j = i + 1
        if (
            t.kind == "num"
            and self.word(i + 1) in lexicon.ORDINAL_SUFFIXES
            and self.at(i + 1).glued
        ):
            value, j = t.value, i + 2
        elif t.kind == "word" and t.text in ("last", "final"):
            return -1, i + 1
        elif t.kind == "word" and t.text == "penultimate":
            return -2, i + 1
        elif t.kind == "word" and t.text in lexicon.ORDINAL_WORDS:
            value = lexicon.ORDINAL_WORDS[t.text]
        elif t.kind == "word" and t.text in lexicon.TENS:
            k = i + 2 if self.is_punct(i + 1, "-") else i + 1
            unit = self.word(k)
            if unit in lexicon.ORDINAL_WORDS and lexicon.ORDINAL_WORDS[unit] < 10:
                value, j = lexicon.NUMBER_WORDS[t.text] + lexicon.ORDINAL_WORDS[unit], k + 1
        if value is None:
            return None
        # "2nd to last", "second-to-last", "third from the end"
        k = j + 1 if self.is_punct(j, "-") else j
        if self.is_word(k, "to", "from"):
            m = self.skip(k + 1 + (1 if self.is_punct(k + 1, "-") else 0), "the")
            if self.is_word(m, "last") or (self.is_word(k, "from") and self.is_word(m, "end")):
                return -value, m + 1
        return value, j

"""Misspelt day and month names ("Mitwoch", "Diensatg", "mercedi"): one slip away from a name
the language knows, read as that name.

A slip is one letter missing, added, changed, or two neighbours swapped (Damerau distance 1).
Only long words are corrected (five letters or more), the first letter must match, and a word
that is a known name plus a letter at the end ("Montage" = Montag + e) is left alone: that is
usually another word, not a typo.
"""

from __future__ import annotations

from functools import lru_cache

from . import Language


def _one_slip(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:k] + long_[k + 1:] == short for k in range(len(long_)))


@lru_cache(maxsize=4096)
def _correct(code: str, word: str, targets: tuple[tuple[str, str], ...]) -> str | None:
    if len(word) < 5 or any(target == word[:-1] for target, _ in targets):
        return None  # "montage" is Montag + e: another word, not a slip
    found = {english for target, english in targets
             if target[0] == word[0] and _one_slip(word, target)
             and not (word.startswith(target) and len(word) == len(target) + 1)}  # fmt: skip
    return found.pop() if len(found) == 1 else None


def correct(lang: Language, word: str) -> str | None:
    """The English for a misspelt day or month name of ``lang``, or None."""
    return _correct(lang.code, word, lang.typo_targets)

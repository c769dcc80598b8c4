"""Input hygiene: the checks a new or changed task (and an emitted payload) passes, whichever
interface it came from. Each raises ``InvalidRequest`` with one sentence saying what to change.

They run on create and on change (``Rules.checked``), never when a stored task is read back, so
a task saved before a rule existed still loads and runs; it meets the rule when that part of it
is next changed.

- Names: no control, format (bidi overrides, zero-width) or unassigned characters, which can make
  a name display as another; and no name that looks like an existing one (a Cyrillic "а" in
  "bаckup" beside "backup"): both reduce to the same *skeleton* (Unicode confusables, UTS #39).
- Recurring schedules: no two fires closer than the minimum interval (``CRONPILOT_MIN_INTERVAL``).
- Shell environment: no variable that changes how programs load or what the shell runs
  (``LD_PRELOAD``, ``PATH``, ``BASH_ENV``, ``PYTHONPATH``…).
- HTTP headers: no CR, LF or NUL (header injection), names are RFC 9110 tokens.
- Event payloads: JSON a database can keep (no NaN/Infinity, no lone surrogates, bounded depth).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from .errors import InvalidRequest

# Ten seconds: a fire is a run row, a log and a wake-up of the engine; at 1 s one task writes
# 86,400 rows a day and keeps a worker busy. Ten seconds is the smallest catch-up window Temporal
# allows and still covers "poll every few seconds" uses; CRONPILOT_MIN_INTERVAL lowers it (to 1s)
# on installs that really want faster.
DEFAULT_MIN_INTERVAL = timedelta(seconds=10)
MAX_PAYLOAD_DEPTH = 64
# Categories whose characters show as nothing, or as something else: controls (Cc), format
# characters such as bidi overrides and zero-width joiners (Cf), surrogates (Cs), private use
# (Co), unassigned (Cn), line and paragraph separators (Zl, Zp).
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

# Environment variables that let a value take over the process: the dynamic loader's, the
# shells' start-up files and options, interpreters' module paths and options.
_DANGEROUS_ENV = frozenset({
    "PATH", "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "IFS", "CDPATH", "GLOBIGNORE",
    "PROMPT_COMMAND", "GCONV_PATH", "LOCPATH", "NLSPATH", "HOSTALIASES", "RESOLV_HOST_CONF",
    "GLIBC_TUNABLES", "PERLLIB", "PERL5LIB", "PERL5OPT", "RUBYLIB", "RUBYOPT", "NODE_OPTIONS",
    "NODE_PATH", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH", "LESSOPEN",
    "LESSCLOSE", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_CONFIG",
    "GIT_CONFIG_GLOBAL", "OPENSSL_CONF",
})
_DANGEROUS_PREFIXES = ("LD_", "DYLD_", "PYTHON", "BASH_FUNC_", "MALLOC_", "GIT_CONFIG_", "PERL", "RUBY")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")


def check_name(name: str) -> str:
    """``name`` when it shows as what it is; ``InvalidRequest`` naming the first hidden character."""
    for ch in name:
        if unicodedata.category(ch) in _HIDDEN:
            raise InvalidRequest(f"the name contains an invisible or control character (U+{ord(ch):04X}); "
                                 "use visible characters only")
    return name


def skeleton(text: str) -> str:
    """What ``text`` looks like: every character replaced by one representative of the set it
    can't be told apart from (Unicode's confusables), after compatibility normalisation (so
    full-width and mathematical letters count as the plain ones)."""
    classes = _confusable_classes()
    folded = unicodedata.normalize("NFKD", text)
    return "".join(classes.get(ch, ch) for ch in folded if not unicodedata.combining(ch))


def confusable_with(name: str, others: Iterable[str]) -> str | None:
    """An existing name that ``name`` looks like without being it, or None. Only names with a
    character outside ASCII are compared: two ASCII names differ visibly enough ("task1" and
    "taskl" are both allowed), while a homoglyph attack needs another script."""
    candidates = [o for o in others if not o.isascii()] if name.isascii() else list(others)
    if not candidates:
        return None
    mine = skeleton(name)
    for other in candidates:
        if other != name and skeleton(other) == mine:
            return other
    return None


@cache
def _confusable_classes() -> dict[str, str]:
    """Character → the representative of its confusable class (ASCII when the class has one),
    from the confusables table that ``confusable-homoglyphs`` ships (read once, on first use)."""
    from confusable_homoglyphs.confusables import confusables_data  # type: ignore[import-untyped]

    parent: dict[str, str] = {}

    def find(ch: str) -> str:
        root = ch
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(ch, ch) != root:
            parent[ch], ch = root, parent[ch]
        return root

    def rank(ch: str) -> tuple[bool, str]:
        return (not ch.isascii(), ch)

    for key, glyphs in confusables_data.items():
        for glyph in glyphs:
            other = glyph["c"].replace("\u200e", "").replace("\u200f", "")
            if len(key) != 1 or len(other) != 1:
                continue  # multi-character look-alikes ("rn" ~ "m") are left out
            a, b = find(key), find(other)
            if a != b:
                low, high = sorted((a, b), key=rank)
                parent[high] = low
                parent.setdefault(low, low)
    return {ch: find(ch) for ch in parent if find(ch) != ch}


def shortest_gap(fires: list[datetime]) -> timedelta | None:
    gaps = [b - a for a, b in itertools.pairwise(fires)]
    return min(gaps) if gaps else None


def check_interval(every: timedelta, minimum: timedelta, *, what: str) -> None:
    if every < minimum:
        raise InvalidRequest(f"{what} every {_seconds(every)} is more often than the minimum of "
                             f"{_seconds(minimum)} (CRONPILOT_MIN_INTERVAL)")


def check_fire_gap(fires: list[datetime], minimum: timedelta) -> None:
    gap = shortest_gap(fires)
    if gap is not None and gap < minimum:
        raise InvalidRequest(f"this schedule fires {_seconds(gap)} apart, more often than the minimum of "
                             f"{_seconds(minimum)} (CRONPILOT_MIN_INTERVAL)")


def _seconds(value: timedelta) -> str:
    seconds = value.total_seconds()
    return f"{seconds:g} s"


def check_env(env: Mapping[str, str]) -> None:
    """Shell environment names that are valid and harmless; values without NUL."""
    for name, value in env.items():
        if not _ENV_NAME.match(name):
            raise InvalidRequest(f"{name!r} is not an environment variable name (letters, digits, _)")
        upper = name.upper()
        if upper in _DANGEROUS_ENV or upper.startswith(_DANGEROUS_PREFIXES):
            raise InvalidRequest(f"the environment variable {name} can't be set for a task: it changes "
                                 "how programs are loaded or what the shell runs")
        if "\x00" in value:
            raise InvalidRequest(f"the value of {name} contains a NUL byte")


def check_headers(headers: Mapping[str, str]) -> None:
    """HTTP header names that are tokens, values without CR, LF or NUL (no injected headers)."""
    for name, value in headers.items():
        if not _TOKEN.match(name):
            raise InvalidRequest(f"{name!r} is not a valid HTTP header name")
        if any(ch in value for ch in "\r\n\x00"):
            raise InvalidRequest(f"the value of the header {name} contains a line break or NUL")


def check_payload(value: Any, *, what: str = "the event data") -> Any:
    """``value`` when it is JSON a database keeps: finite numbers, text without lone surrogates,
    string keys, at most ``MAX_PAYLOAD_DEPTH`` deep (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_PAYLOAD_DEPTH:
            raise InvalidRequest(f"{what} nests deeper than {MAX_PAYLOAD_DEPTH} levels")
        if isinstance(item, float) and not math.isfinite(item):
            raise InvalidRequest(f"{what} holds {item}, which is not a JSON number")
        elif isinstance(item, str):
            _check_text(item, what)
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise InvalidRequest(f"{what} has a key that is not text")
                _check_text(key, what)
                stack.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)
        elif item is not None and not isinstance(item, bool | int | float):
            raise InvalidRequest(f"{what} holds a {type(item).__name__}, which is not JSON")
    return value


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"{what} holds text with a lone surrogate (not valid Unicode)") from None
    if "\x00" in text:
        raise InvalidRequest(f"{what} holds a NUL character")


__all__ = [
    "DEFAULT_MIN_INTERVAL", "check_env", "check_fire_gap", "check_headers", "check_interval", "check_name",
    "check_payload", "confusable_with", "skeleton",
]

"""Turning data into message text a platform accepts: escaped for its markup, and cut into
pieces within its size limits.

Nothing that came from a task or a model may mention people or channels in Slack (``<!channel>``,
``<@U123>``), spoof a link, or break a Telegram HTML message; our own formatting is added around
escaped text, never inside it. Limits are on the *rendered* text (escaped, formatted), which is
longer than the raw text, so splitting is driven by a ``measure`` of the rendered size.
"""

from __future__ import annotations

import html
from collections.abc import Callable

TELEGRAM_LIMIT = 4096  # characters of a sendMessage text after entity parsing
SLACK_BLOCK_LIMIT = 3000  # characters of one section block's text
SLACK_TEXT_LIMIT = 40_000  # chat.postMessage truncates text beyond this


def slack_escape(text: str) -> str:
    """Slack's three control characters: with ``& < >`` escaped, ``<!channel>`` and ``<@U1>``
    are shown as text and never notify anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def telegram_html(text: str) -> str:
    """Text for Telegram's HTML parse mode: ``& < >`` (and quotes) escaped."""
    return html.escape(text, quote=True)


# Characters that make text show as something else: every C0 and C1 control but newline and tab
# (ESC starts terminal sequences; U+009B is an 8-bit CSI), and the bidi controls that reorder
# what follows them ("Trojan Source").
_UNPRINTABLE = frozenset(
    [chr(c) for c in range(32) if chr(c) not in "\n\t"] + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
)
_DROP = dict.fromkeys(map(ord, _UNPRINTABLE))


def printable(text: str) -> str:
    """``text`` without control characters (except newline and tab) or bidi controls: terminal
    escape sequences lose their ESC and show as plain text, nothing reorders the line."""
    return text.translate(_DROP)


def split_text(text: str, limit: int, *, measure: Callable[[str], int] = len) -> list[str]:
    """Pieces of ``text`` whose ``measure`` is at most ``limit`` each, cut at the last blank line
    that fits, else the last line break, else the last space, else anywhere (a very long word).
    Joining the pieces with the separators they were cut at gives ``text`` back, less the
    whitespace at each cut."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip("\n")
    while rest and measure(rest) > limit:
        head = _cut_at_boundary(rest[: _fitting_prefix(rest, limit, measure)])
        pieces.append(head.rstrip())
        rest = rest[len(head):].lstrip("\n ")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p.strip()] or [""]


def _fitting_prefix(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """The longest prefix length whose rendered size fits (binary search: measure is monotonic)."""
    low, high = 1, min(len(text), limit)
    if measure(text[:high]) <= limit:
        return high
    while low < high:
        mid = (low + high + 1) // 2
        if measure(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return low


def _cut_at_boundary(window: str) -> str:
    # Prefer the coarsest boundary that still leaves a reasonably full piece (at least a third of
    # the window), so a blank line near the start doesn't produce a string of tiny messages.
    floor = len(window) // 3
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at > floor:
            return window[: at + len(separator)]
    return window

"""Input hygiene for time phrases: length cap, Unicode normalization, invisible characters, digits.

Everything the parser reads goes through :func:`clean` first. The cleaned text keeps the
person's wording (case included) so the "what" of a request can be cut out of it verbatim;
matching happens on a lower-cased copy of the same length.
"""

from __future__ import annotations

import re
import unicodedata

from scheduler.errors import InvalidRequest

MAX_PHRASE_CHARS = 256
MAX_REQUEST_CHARS = 2000

# Zero-width characters, bidi embeddings/overrides/isolates, the BOM and the soft hyphen: they
# change how text looks (or nothing at all) and can hide what a phrase really says.
_INVISIBLE = dict.fromkeys(
    [173, 6158, 1564, 65279, *list(range(8203, 8208)), *list(range(8234, 8239)), *list(range(8288, 8293)), *list(range(8294, 8298))],
    None,
)
_PUNCT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_SPACES = re.compile(r"\s+")

EXAMPLES = "'every Monday at 9am', 'in 15 minutes', 'tomorrow at 3pm', 'every 2 hours'"


def clean(text: object, *, limit: int = MAX_PHRASE_CHARS) -> str:
    """Return ``text`` normalized for parsing, or raise :class:`InvalidRequest`."""
    if not isinstance(text, str):
        raise InvalidRequest("A schedule must be given as text, e.g. " + EXAMPLES + ".")
    if len(text) > limit * 4:
        raise InvalidRequest(_too_long(limit))
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_PUNCT)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        raise InvalidRequest(_too_long(limit))
    for ch in text:
        if ch.isdigit() and not ("0" <= ch <= "9"):
            name = unicodedata.name(ch, "a non-ASCII digit")
            raise InvalidRequest(
                f"I can only read the digits 0-9 in a schedule, not {name.lower()} ({ch!r}). "
                f"Try: {EXAMPLES}."
            )
    if not text:
        raise InvalidRequest("The schedule is empty. Try: " + EXAMPLES + ".")
    return text


def _too_long(limit: int) -> str:
    return (
        f"That is too long to read as a schedule (at most {limit} characters). "
        f"Try something short such as {EXAMPLES}."
    )


_QUOTED = re.compile(r'"[^"]*"|`[^`]*`|(?<![\w])\'(?=\S)[^\']*(?<=\S)\'(?![\w])')


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of quoted passages ("...", `...`, '...'): message content, never schedule.

    A single quote opens only at the start of a word and closes only at the end of one, so
    apostrophes ("o'clock", "weeks' time") are not taken for quotes.
    """
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]

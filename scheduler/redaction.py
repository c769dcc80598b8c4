"""Masking secret values in what a run leaves behind: its output (row and log file), error,
traceback and result. A value is replaced by ``[secret NAME]`` as written and in the forms a
program commonly prints it in: URL-encoded, base64 (standard and URL-safe, with and without
padding) and JSON-escaped.

Output arrives in chunks, and a value may be split across two of them, so the stream masker
holds back the last (longest form - 1) bytes until more arrives or the stream ends.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus


def mask_label(name: str) -> str:
    return f"[secret {name}]"


def _forms(value: str) -> set[str]:
    raw = value.encode("utf-8")
    forms = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
    }
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        forms |= {text, text.rstrip("=")}
    return {f for f in forms if f}


class SecretMasker:
    """Replaces the values of ``secrets`` (name → value) in text, bytes and JSON-like data."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        labels: dict[str, str] = {}
        # Longer values first: a value that contains another is masked whole.
        for name, value in sorted(secrets.items(), key=lambda item: -len(item[1])):
            for form in _forms(value):
                labels.setdefault(form, mask_label(name))
        ordered = sorted(labels, key=len, reverse=True)
        self._labels = labels
        self._text = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._bytes_labels = {f.encode("utf-8"): label.encode() for f, label in labels.items()}
        self._bytes = (re.compile(b"|".join(re.escape(f.encode("utf-8")) for f in ordered))
                       if ordered else None)
        self.longest = max((len(f.encode("utf-8")) for f in ordered), default=0)

    def __bool__(self) -> bool:
        return self._text is not None

    def text(self, value: str) -> str:
        if self._text is None or not value:
            return value
        return self._text.sub(lambda m: self._labels[m.group()], value)

    def data(self, value: Any) -> Any:
        """``value`` (strings, lists, dicts) with every string masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.data(v) for k, v in value.items()}
        return value

    def stream(self) -> StreamMasker:
        return StreamMasker(self)

    def _mask_bytes(self, data: bytes, *, upto: int) -> tuple[bytes, int]:
        """Mask matches that start before ``upto``; returns the masked prefix and where it
        ends (at least ``upto``, further when a match crosses it)."""
        assert self._bytes is not None
        out = bytearray()
        pos = 0
        for match in self._bytes.finditer(data):
            if match.start() >= upto:
                break
            out += data[pos:match.start()]
            out += self._bytes_labels[match.group()]
            pos = match.end()
        end = max(upto, pos)
        out += data[pos:end]
        return bytes(out), end


class StreamMasker:
    """One output stream: ``feed`` returns what is safe to keep now, ``flush`` the rest."""

    def __init__(self, masker: SecretMasker) -> None:
        self._masker = masker
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        if not self._masker:
            return data
        buffer = self._pending + data
        # A value starting before ``safe`` ends inside the buffer, so it is found whole now.
        safe = max(len(buffer) - (self._masker.longest - 1), 0)
        out, end = self._masker._mask_bytes(buffer, upto=safe)
        self._pending = buffer[end:]
        return out

    def flush(self) -> bytes:
        if not self._pending:
            return b""
        out, _ = self._masker._mask_bytes(self._pending, upto=len(self._pending))
        self._pending = b""
        return out

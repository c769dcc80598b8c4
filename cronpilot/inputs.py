"""Reading what the CLI is given, with a cap: a file or stream handed to a command is read up to
a limit and refused past it, quickly, never read whole first (``-f /dev/zero`` is refused at
once instead of filling memory until the kernel kills the process)."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from scheduler.errors import InvalidRequest

MAX_FILE_BYTES = 1024 * 1024  # a workflow file; real ones are a few KB
MAX_SECRET_BYTES = 64 * 1024  # a token, a key, a certificate chain
MAX_LINE_CHARS = 64 * 1024  # one line of chat input (the assistant takes 4,000 characters)


def read_text_file(path: Path, *, limit: int = MAX_FILE_BYTES, what: str = "the file") -> str:
    """The UTF-8 text of ``path``, or ``InvalidRequest`` when it can't be read, is over ``limit``
    bytes or is not UTF-8."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InvalidRequest(f"can't read {path}: {exc.strerror or exc}") from None
    return _text(data, limit, f"{what} {path}")


def read_stream(stream: IO[str], *, limit: int, what: str) -> str:
    """At most ``limit`` bytes of a text stream (stdin), ``InvalidRequest`` past it."""
    source = getattr(stream, "buffer", None)
    if source is not None:
        return _text(source.read(limit + 1), limit, what)
    text = stream.read(limit + 1)
    if len(text) > limit:
        raise InvalidRequest(f"{what} is over {limit} bytes")
    return text


def read_line(stream: IO[str], *, limit: int = MAX_LINE_CHARS) -> str | None:
    """The next line without its newline (None at the end); a longer line is cut at ``limit``
    characters and the rest of it skipped, a piece at a time."""
    line = stream.readline(limit + 1)
    if not line:
        return None
    if len(line) > limit and not line.endswith("\n"):
        while (rest := stream.readline(limit)) and not rest.endswith("\n"):
            pass
        return line[:limit]
    return line.rstrip("\n")


def _text(data: bytes, limit: int, what: str) -> str:
    if len(data) > limit:
        raise InvalidRequest(f"{what} is over {limit // 1024} KiB; cronpilot reads no more")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest(f"{what} is not UTF-8 text") from None

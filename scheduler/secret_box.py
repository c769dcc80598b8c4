"""Encryption of stored secrets: Fernet (AES-128-CBC with an HMAC-SHA256 tag, from the
``cryptography`` library) under one key.

The key comes from ``CRONPILOT_SECRET_KEY`` (the composition root reads it) or from a key file
in the data folder, created with mode 0600 the first time a secret is saved. Every stored value
carries the fingerprint of the key that sealed it (``key_id``), so a lost or replaced key is
named as such ("the key changed") instead of surfacing as a bare decryption error.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from .errors import InvalidRequest, SecretUnreadable

KEY_FILE_NAME = "secret.key"
NEW_KEY_HINT = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


def key_fingerprint(key: bytes) -> str:
    """16 hex characters naming a key without revealing it (a truncated SHA-256)."""
    return hashlib.sha256(b"cronpilot-secret-key:" + key).hexdigest()[:16]


def _checked_key(text: str, where: str) -> bytes:
    key = text.strip().encode()
    try:
        raw = base64.urlsafe_b64decode(key)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidRequest(
            f"{where} is not a valid secret key (44 characters of URL-safe base64); make one with: "
            f"{NEW_KEY_HINT}"
        )
    return key


class SecretBox:
    """Seals and opens secret values. ``key`` (from the environment) wins over ``key_file``;
    with neither present, ``seal`` creates the key file (``create_key=True``) and ``open``
    explains that the key is missing."""

    def __init__(self, *, key: str | None = None, key_file: Path | None = None) -> None:
        self._env_key = _checked_key(key, "CRONPILOT_SECRET_KEY") if key else None
        self.key_file = key_file
        self._fernet: Fernet | None = None
        self._key_id: str | None = None

    @property
    def source(self) -> str:
        """Where the key comes from, for messages."""
        if self._env_key is not None:
            return "CRONPILOT_SECRET_KEY"
        return str(self.key_file) if self.key_file else "no key configured"

    def has_key(self) -> bool:
        return self._env_key is not None or bool(self.key_file and self.key_file.exists())

    @property
    def key_id(self) -> str | None:
        """The current key's fingerprint, or None while there is no key."""
        return self._load(create=False)[1] if self.has_key() else None

    def seal(self, value: str, *, create_key: bool = True) -> tuple[str, str]:
        """(token, key_id) for ``value``; creates the key file on first use when allowed."""
        fernet, key_id = self._load(create=create_key)
        return fernet.encrypt(value.encode("utf-8")).decode("ascii"), key_id

    def open(self, token: str, key_id: str, *, name: str) -> str:
        """The plain value. Raises ``SecretUnreadable`` when the key is missing, changed since
        the value was sealed, or the stored token is damaged."""
        if not self.has_key():
            raise SecretUnreadable(
                f"can't decrypt secret {name}: the secret key is missing (set CRONPILOT_SECRET_KEY "
                f"or restore {self.key_file}); without it, delete the secret and set it again")
        fernet, current = self._load(create=False)
        if key_id != current:
            raise SecretUnreadable(
                f"can't decrypt secret {name}: the key changed (it was saved with key {key_id}, "
                f"the key now is {current} from {self.source}); restore the old key, or set the "
                "secret again")
        try:
            return fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretUnreadable(f"can't decrypt secret {name}: its stored value is damaged") from exc

    def _load(self, *, create: bool) -> tuple[Fernet, str]:
        if self._fernet is None or self._key_id is None:
            key = self._env_key or self._file_key(create=create)
            self._fernet, self._key_id = Fernet(key), key_fingerprint(key)
        return self._fernet, self._key_id

    def _file_key(self, *, create: bool) -> bytes:
        if self.key_file is None:
            raise SecretUnreadable("no secret key: set CRONPILOT_SECRET_KEY")
        if not self.key_file.exists():
            if not create:
                raise SecretUnreadable(f"the secret key file {self.key_file} is missing")
            _create_key_file(self.key_file)
        with contextlib.suppress(OSError):
            os.chmod(self.key_file, 0o600)
        return _checked_key(self.key_file.read_text(), str(self.key_file))


def _create_key_file(path: Path) -> None:
    """Write a new key with mode 0600 from the start (no window where it is readable), then
    link it into place: a process that creates it at the same moment wins and its key is used,
    and nobody ever reads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(Fernet.generate_key().decode("ascii") + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)

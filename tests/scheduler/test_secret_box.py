"""The key and the encryption of stored secrets (Fernet from ``cryptography``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from scheduler.errors import InvalidRequest, SecretUnreadable
from scheduler.secret_box import SecretBox, key_fingerprint


def test_secret_box_creates_its_key_file_private_on_first_seal_whatever_the_umask(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "secret.key"
    box = SecretBox(key_file=key_file)
    assert not box.has_key() and box.key_id is None
    old = os.umask(0)
    try:
        token, key_id = box.seal("hunter2-value")
    finally:
        os.umask(old)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert "hunter2" not in token and key_id == box.key_id
    # Another process (a new box on the same file) opens it.
    assert SecretBox(key_file=key_file).open(token, key_id, name="X") == "hunter2-value"


def test_secret_box_key_from_the_environment_wins_and_makes_no_file(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    box = SecretBox(key=key, key_file=tmp_path / "secret.key")
    token, key_id = box.seal("value-1")
    assert key_id == key_fingerprint(key.encode()) and not (tmp_path / "secret.key").exists()
    assert box.open(token, key_id, name="X") == "value-1"


def test_secret_box_says_the_key_changed(tmp_path: Path) -> None:
    token, key_id = SecretBox(key=Fernet.generate_key().decode()).seal("value-1")
    other = SecretBox(key=Fernet.generate_key().decode())
    with pytest.raises(SecretUnreadable, match=r"can't decrypt secret TOKEN: the key changed"):
        other.open(token, key_id, name="TOKEN")


def test_secret_box_says_the_key_is_missing(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    token, key_id = SecretBox(key_file=key_file).seal("value-1")
    key_file.unlink()
    with pytest.raises(SecretUnreadable, match=r"can't decrypt secret TOKEN: the secret key is missing"):
        SecretBox(key_file=key_file).open(token, key_id, name="TOKEN")
    assert not key_file.exists()  # opening never makes a new key


def test_secret_box_says_a_stored_value_is_damaged(tmp_path: Path) -> None:
    box = SecretBox(key_file=tmp_path / "secret.key")
    token, key_id = box.seal("value-1")
    with pytest.raises(SecretUnreadable, match="damaged"):
        box.open(token[:-4] + "AAAA", key_id, name="TOKEN")


@pytest.mark.parametrize("key", ["short", "x" * 44, "a" * 100])
def test_secret_box_refuses_a_key_that_is_not_a_fernet_key(key: str) -> None:
    with pytest.raises(InvalidRequest, match="CRONPILOT_SECRET_KEY is not a valid secret key"):
        SecretBox(key=key)

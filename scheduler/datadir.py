"""The data folder is private: the folder and the folders cronpilot keeps in it are 0700, the
files cronpilot writes there (database, its -wal/-shm, the secret key, run logs) 0600.

New files are created with those modes (not chmod-ed afterwards: no window where they are
readable) wherever cronpilot creates them; ``make_private`` fixes an existing install at start,
whatever the umask was when it was made. Another local user (a shell task running as
``nobody`` without bubblewrap, say) then can't read the database, the key or anyone's output.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# Folders of ours in the data folder whose contents are fixed too (shell work folders are left
# alone: they belong to the user a shell task runs as, and each run removes its own).
_KEPT_DIRS = ("logs", "conditions")


def make_private(data_dir: Path) -> None:
    """Create ``data_dir`` (0700) if missing, and take group and other access away from it,
    the files directly in it and in its log folders (symlinks in it are left alone); a file it
    can't change (not ours) is logged and left."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _restrict(data_dir, PRIVATE_DIR)
    for entry in _entries(data_dir):
        if entry.is_file(follow_symlinks=False):
            _restrict(Path(entry.path), PRIVATE_FILE)
        elif entry.is_dir(follow_symlinks=False) and entry.name in (*_KEPT_DIRS, "work"):
            _restrict(Path(entry.path), PRIVATE_DIR)
            if entry.name in _KEPT_DIRS:
                for inner in _entries(Path(entry.path)):
                    if inner.is_file(follow_symlinks=False):
                        _restrict(Path(inner.path), PRIVATE_FILE)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as found:
            return list(found)
    except OSError:
        return []


def _restrict(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(os.stat(path).st_mode) != mode:
            os.chmod(path, mode)
    except OSError as exc:
        log.warning("could not make %s private: %s", path, exc)

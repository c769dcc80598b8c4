"""Where a shell task runs, and whether its command can get there.

A task keeps the folder it was made in (the CLI's current folder, a chat's configured folder),
so ``./backup.sh`` means the backup.sh beside it. The command reaches that folder as the user
it runs as: when cronpilot is root that is an unprivileged account (``nobody``), which enters
the folder after the switch and so needs search permission on every folder above it (``/root``
is closed to it). The data folder's ``files`` folder is cronpilot's own: it is entered before the
switch, like the temporary folder of a task without one. With bubblewrap the folder
is the one writable place in a read-only ``/``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .base import ActionConfig, ActionFailed
from .shell_isolation import RunAs, find_bwrap, resolve_user

FILES = "files"  # the data folder's folder for shell tasks made in a chat (Settings' default)


def is_own_folder(config: ActionConfig, path: Path) -> bool:
    """The data folder's ``files`` folder (or below): made by cronpilot for shell tasks, so it
    is entered before dropping privileges. Only that one: entered as root, the data folder
    itself would hand the command the database."""
    return path.resolve().is_relative_to((config.data_dir / FILES).resolve())


def workdir_problem(config: ActionConfig, cwd: str | None) -> str | None:
    """Why the command could not work in ``cwd`` on this machine, or None when it can."""
    if cwd is None:
        return None
    path = Path(cwd)
    if not path.is_absolute():
        return f"{cwd} is not an absolute path"
    if not path.is_dir():
        return f"{cwd} does not exist on this machine"
    if is_own_folder(config, path):
        return None
    try:
        run_as = resolve_user(config)
    except ActionFailed as exc:
        return str(exc)
    if run_as.uid is None:  # no user switch: the engine's own user
        return None if os.access(path, os.X_OK) else f"{cwd} can't be entered by {run_as.name}"
    closed = _first_closed(path, run_as)
    if closed is None:
        return None
    mode = stat.S_IMODE(closed.stat().st_mode)
    return (f"{run_as.name} (the user shell tasks run as) can't enter {closed} (mode {mode:o}): "
            f"move the scripts to a folder it can reach, or into {config.data_dir / FILES}")


def describe_workdir(config: ActionConfig, cwd: str | None) -> str:
    """One line for ``task show``: the folder, and why the command can't reach it if so."""
    if cwd is None:
        return "a fresh temporary folder for each run"
    problem = workdir_problem(config, cwd)
    if problem:
        return f"{cwd} — not reachable: {problem}"
    try:
        sandboxed = find_bwrap(config) is not None
    except ActionFailed:
        sandboxed = False
    return f"{cwd} (writable; the rest of / read-only)" if sandboxed else cwd


def _first_closed(path: Path, run_as: RunAs) -> Path | None:
    """The first folder from / down to ``path`` that ``run_as`` may not search, if any."""
    for folder in [*reversed(path.parents), path]:
        info = folder.stat()
        if info.st_uid == run_as.uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid == run_as.gid:  # supplementary groups are cleared by the switch
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return folder
    return None

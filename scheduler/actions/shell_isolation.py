"""What a shell action may see and use: limits, identity, environment and the sandbox command.

Everything here is decided in the engine process and is free of side effects, except the user
and ``bwrap`` look-ups. ``shell.run`` turns the result into a process; ``launcher`` applies the
limits and identity in the child.

Order of the wrappers, outermost first: ``bwrap`` (when used) → ``launcher`` → the command.
bubblewrap runs first, as the engine's user, because when that is root it must not create a user
namespace: one that maps only uid 0 would make the launcher's switch to ``nobody`` fail, and one
that maps ``nobody`` onto host root would exempt the command from ``RLIMIT_NPROC``. So as root we
list the namespaces without ``user``; as anyone else ``--unshare-all`` (user namespace included).

Refused task variables (``REFUSED_ENV_*``): the loader and interpreter hooks run code before or
instead of the command, some of it (``LD_*``) in the root-owned bwrap and launcher, and all of it
invisible to whoever reviewed the task's argv. ``PATH`` is refused too, for the same review
reason (``backup.sh`` must mean what the reviewer thinks); use an absolute path instead. The
allowlisted names copied from the engine's environment are the admin's, so only the hooks are
dropped from them and ``PATH`` stays.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pwd
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ..models import ShellLimits, TaskSpec
from .base import ActionConfig, ActionFailed

logger = logging.getLogger(__name__)

LAUNCHER = Path(__file__).with_name("launcher.py")
DEFAULT_TIMEOUT: timedelta = TaskSpec.model_fields["timeout"].default
DEFAULT_MEMORY_MB = 1024
DEFAULT_MAX_PROCESSES = 256
DEFAULT_MAX_FILE_MB = 100
DEFAULT_MAX_OPEN_FILES = 1024
SANDBOX_MODES = ("auto", "bwrap", "none")

REFUSED_ENV_PREFIXES = ("LD_", "DYLD_", "PYTHON", "BASH_FUNC_")
REFUSED_ENV_NAMES = frozenset(
    {
        "PATH", "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "IFS", "PS4", "GCONV_PATH", "LOCPATH",
        "NODE_OPTIONS", "PERL5LIB", "PERL5OPT", "PERLLIB", "RUBYLIB", "RUBYOPT",
        "JAVA_TOOL_OPTIONS", "CRONPILOT_RUN_ID", "IDEMPOTENCY_KEY",
    }
)  # fmt: skip
HARMLESS_PYTHON_ENV = frozenset(
    {"PYTHONUNBUFFERED", "PYTHONIOENCODING", "PYTHONDONTWRITEBYTECODE", "PYTHONUTF8"}
)
MB = 1024 * 1024


@dataclass(frozen=True)
class EffectiveLimits:
    """The limits a run gets: the task's, or the defaults (CPU defaults to the timeout)."""

    cpu_seconds: int
    memory_mb: int
    max_processes: int
    max_file_mb: int
    max_open_files: int

    @classmethod
    def resolve(cls, limits: ShellLimits | None, timeout: timedelta) -> EffectiveLimits:
        limits = limits or ShellLimits()
        return cls(
            cpu_seconds=limits.cpu_seconds or max(1, math.ceil(timeout.total_seconds())),
            memory_mb=limits.memory_mb or DEFAULT_MEMORY_MB,
            max_processes=limits.max_processes or DEFAULT_MAX_PROCESSES,
            max_file_mb=limits.max_file_mb or DEFAULT_MAX_FILE_MB,
            max_open_files=limits.max_open_files or DEFAULT_MAX_OPEN_FILES,
        )

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """``resource.RLIMIT_*`` names (without the prefix) to ``(soft, hard)``."""
        return {
            # The hard CPU limit one second later turns an ignored SIGXCPU into SIGKILL.
            "CPU": (self.cpu_seconds, self.cpu_seconds + 1),
            "AS": (self.memory_mb * MB, self.memory_mb * MB),
            "NPROC": (self.max_processes, self.max_processes),
            "FSIZE": (self.max_file_mb * MB, self.max_file_mb * MB),
            "NOFILE": (self.max_open_files, self.max_open_files),
            "CORE": (0, 0),
        }

    def describe(self) -> str:
        return (
            f"cpu {self.cpu_seconds} s, memory {self.memory_mb} MB, "
            f"{self.max_processes} processes, files {self.max_file_mb} MB, "
            f"{self.max_open_files} open files"
        )


@dataclass(frozen=True)
class RunAs:
    """Who the command runs as; ``uid`` is None when cronpilot isn't root and can't switch."""

    name: str
    uid: int | None = None
    gid: int | None = None


def resolve_user(config: ActionConfig) -> RunAs:
    """The unprivileged account when the engine is root, else the engine's own user.

    Raises ``ActionFailed`` if the configured account doesn't exist or is root.
    """
    if os.geteuid() != 0:
        try:
            return RunAs(name=pwd.getpwuid(os.geteuid()).pw_name)
        except KeyError:
            return RunAs(name=f"uid {os.geteuid()}")
    try:
        entry = pwd.getpwnam(config.shell_unprivileged_user)
    except KeyError:
        raise ActionFailed(
            f"the shell user {config.shell_unprivileged_user!r} does not exist on this machine"
        ) from None
    if entry.pw_uid == 0:
        raise ActionFailed("the shell user must not be root (set shell_unprivileged_user)")
    return RunAs(name=entry.pw_name, uid=entry.pw_uid, gid=entry.pw_gid)


def find_bwrap(config: ActionConfig) -> str | None:
    """The bubblewrap binary to use, or None to run without a sandbox.

    Raises ``ActionFailed`` when the setting demands bubblewrap and it is missing, or the
    setting is unknown: a required sandbox never silently degrades.
    """
    if config.shell_sandbox not in SANDBOX_MODES:
        raise ActionFailed(f"unknown shell_sandbox setting {config.shell_sandbox!r}")
    if config.shell_sandbox == "none":
        return None
    found = shutil.which("bwrap")
    if found is None and config.shell_sandbox == "bwrap":
        raise ActionFailed("shell_sandbox is 'bwrap' but bubblewrap is not installed")
    return found


def describe_sandbox(config: ActionConfig) -> str:
    mode = config.shell_sandbox
    if mode not in SANDBOX_MODES:
        return f"invalid shell_sandbox {mode!r} (shell tasks will fail)"
    if mode == "none":
        return "no sandbox (disabled in settings; network and files not isolated)"
    if shutil.which("bwrap") is None:
        if mode == "bwrap":
            return "bubblewrap required but not installed (shell tasks will fail)"
        return "no sandbox (bubblewrap not installed; network and files not isolated)"
    return "bubblewrap sandbox (no network, read-only /)"


def check_task_env(env: Mapping[str, str]) -> None:
    """Raise ``ActionFailed`` for a task variable that is malformed or could hijack the run."""
    for name, value in env.items():
        if not name or "=" in name or "\x00" in name or "\x00" in value:
            raise ActionFailed(f"invalid environment variable name or value: {name!r}")
        if _is_refused(name):
            hint = " (use an absolute command path instead)" if name == "PATH" else ""
            raise ActionFailed(
                f"environment variable {name} is not allowed in shell tasks: it can change "
                f"what runs{hint}"
            )


def _is_refused(name: str) -> bool:
    if name in HARMLESS_PYTHON_ENV:
        return False
    return name in REFUSED_ENV_NAMES or name.startswith(REFUSED_ENV_PREFIXES)


def build_env(
    task_env: Mapping[str, str],
    *,
    allowlist: Sequence[str],
    environ: Mapping[str, str],
    run_id: int,
    idempotency_key: str,
    home: Path,
) -> dict[str, str]:
    """The child's whole environment: allowlisted names from ``environ``, then the task's own.

    ``HOME`` defaults to the working directory because many tools refuse to start without one.
    Raises ``ActionFailed`` for refused task variables (see the module docstring).
    """
    check_task_env(task_env)
    env: dict[str, str] = {}
    for name in allowlist:
        if name not in environ:
            continue
        if name != "PATH" and _is_refused(name):
            logger.warning("not passing %s to shell tasks despite the allowlist", name)
            continue
        env[name] = environ[name]
    env.update(task_env)
    env.setdefault("HOME", str(home))
    env["CRONPILOT_RUN_ID"] = str(run_id)
    env["IDEMPOTENCY_KEY"] = idempotency_key
    return env


def launcher_argv(
    argv: Sequence[str],
    *,
    limits: EffectiveLimits,
    run_as: RunAs,
    chdir_first: Path | None,
    chdir: Path | None,
    parent: int | None = None,
    tag: str | None = None,
    alive_fd: int | None = None,
) -> list[str]:
    """``python -I -S launcher.py SPEC -- argv``; see ``launcher`` for the spec."""
    spec = {
        "rlimits": limits.rlimits(),
        "uid": run_as.uid,
        "gid": run_as.gid,
        "chdir_first": str(chdir_first) if chdir_first else None,
        "chdir": str(chdir) if chdir else None,
        "parent": parent,
        "tag": tag,
        "alive_fd": alive_fd,
    }
    return [_interpreter(), "-I", "-S", str(LAUNCHER), json.dumps(spec), "--", *argv]


def _interpreter() -> str:
    # The real binary, not a venv symlink: with -S the launcher needs only the stdlib, and a
    # venv under /tmp would be hidden by the sandbox's fresh /tmp.
    return os.path.realpath(sys.executable)


def bwrap_argv(bwrap: str, *, workdir: Path, data_dir: Path, as_root: bool) -> list[str]:
    """The bubblewrap prefix: read-only /, private /tmp, /dev and /proc, no network, the
    working directory writable, ``data_dir`` (database, logs) hidden, killed with its parent."""
    if as_root:
        namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        namespaces.append("--unshare-cgroup-try")
    else:
        namespaces = ["--unshare-all"]
    args = [bwrap, "--die-with-parent", "--new-session", *namespaces]
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    args += ["--perms", "1777", "--tmpfs", "/tmp"]
    workdir, data_dir = workdir.resolve(), data_dir.resolve()
    bind = ["--bind", str(workdir), str(workdir)]
    hide = [] if data_dir == Path("/") else ["--tmpfs", str(data_dir)]
    # Later mounts cover earlier ones: the working directory must stay reachable even when it
    # lives under data_dir (the default), and data_dir hidden even when it lives under the
    # task's working directory.
    args += hide + bind if workdir.is_relative_to(data_dir) else bind + hide
    hidden = [Path("/tmp"), data_dir] if hide else [Path("/tmp")]
    for needed in (Path(_interpreter()), Path(sys.base_prefix).resolve(), LAUNCHER.parent):
        if any(needed.is_relative_to(h) for h in hidden):
            args += ["--ro-bind", str(needed), str(needed)]
    return [*args, "--"]

"""The first program a shell action runs: set limits, drop privileges, then exec the command.

Started as ``python -I -S launcher.py SPEC_JSON -- ARGV...`` by ``shell_isolation``. It replaces
``preexec_fn``, which is unsafe in the threaded engine: the work between fork and exec happens
here, in a fresh single-threaded interpreter, and ends in ``execv`` so the command keeps this
process's pid (the session leader, or bubblewrap's sandboxed child).

SPEC_JSON keys (all optional):

- ``rlimits``: ``{"CPU": [soft, hard], "AS": …, "NPROC": …, "FSIZE": …, "NOFILE": …,
  "CORE": …}``, names of ``resource.RLIMIT_*`` without the prefix.
- ``uid``/``gid``: switch to this identity (needs root); supplementary groups are cleared.
- ``chdir_first``: a directory cronpilot made for this run; entered *before* the switch so its
  parents need not be reachable by the unprivileged user.
- ``chdir``: the task's own directory; entered *after* the switch, so the user's permissions
  apply and a task can't borrow root's right to traverse (say) ``/root``.

Exit codes when the command never starts: 125 setup failed, 126 not executable, 127 not found.

Only the standard library, and every module is imported before the switch: ``-I`` keeps the
working directory and ``PYTHON*`` variables out of ``sys.path`` while this runs as root, and the
interpreter's own files may be unreadable to the unprivileged user (e.g. a pyenv under /root).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import resource
import signal
import sys
from typing import NoReturn

_PR_SET_NO_NEW_PRIVS = 38
EXIT_SETUP = 125
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127


def _fail(code: int, message: str) -> NoReturn:
    os.write(2, f"cronpilot: {message}\n".encode(errors="replace"))
    os._exit(code)


def _restore_signals() -> None:
    # The interpreter ignores SIGPIPE and SIGXFSZ and ignored signals survive exec: without this
    # the command would get EFBIG instead of SIGXFSZ at the file size limit.
    for name in ("SIGPIPE", "SIGXFSZ", "SIGXCPU", "SIGINT", "SIGTERM", "SIGQUIT", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def _forbid_new_privileges() -> None:
    # setuid binaries (sudo, su, a setcap ping) must not lift the command back up.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        _fail(EXIT_SETUP, f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")


def _set_limits(rlimits: dict[str, list[int]]) -> None:
    for name, (soft, hard) in rlimits.items():
        try:
            resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (soft, hard))
        except (AttributeError, ValueError, OSError) as exc:
            _fail(EXIT_SETUP, f"cannot set the {name} limit to {soft}: {exc}")


def _switch_user(uid: int, gid: int) -> None:
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        _fail(EXIT_SETUP, f"cannot switch to uid {uid}: {exc.strerror}")
    if os.getuid() != uid or os.geteuid() != uid or os.getgid() != gid:
        _fail(EXIT_SETUP, f"the switch to uid {uid} did not take effect")


def _enter(directory: str) -> None:
    try:
        os.chdir(directory)
    except OSError as exc:
        _fail(EXIT_SETUP, f"cannot enter the working directory {directory}: {exc.strerror}")


def _exec(argv: list[str]) -> None:
    name = argv[0]
    if "/" in name:
        candidates = [name]
    else:
        path = os.environ.get("PATH") or os.defpath
        candidates = [os.path.join(d or ".", name) for d in path.split(os.pathsep)]
    denied = False
    for candidate in candidates:
        try:
            os.execv(candidate, argv)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except PermissionError:
            # Also raised for a PATH entry this user can't search (e.g. /root/...): only a
            # file that is visible but not executable makes it "permission denied".
            denied = denied or os.path.exists(candidate)
        except OSError as exc:
            if exc.errno == errno.EAGAIN:
                # execve refuses when the user already has RLIMIT_NPROC processes (zombies too).
                _fail(EXIT_SETUP, f"cannot run {name}: process limit reached for this user")
            _fail(EXIT_NOT_EXECUTABLE, f"cannot run {name}: {exc.strerror}")
    if denied:
        _fail(EXIT_NOT_EXECUTABLE, f"permission denied: {name}")
    _fail(EXIT_NOT_FOUND, f"command not found: {name}")


def main(args: list[str]) -> None:
    if len(args) < 3 or args[1] != "--":
        _fail(EXIT_SETUP, "usage: launcher.py SPEC_JSON -- COMMAND [ARGS...]")
    spec = json.loads(args[0])
    argv = args[2:]
    _restore_signals()
    _forbid_new_privileges()
    if spec.get("chdir_first"):
        _enter(spec["chdir_first"])
    # Limits before the switch: once unprivileged, the command can lower but never raise them.
    _set_limits(spec.get("rlimits", {}))
    if spec.get("uid") is not None:
        _switch_user(int(spec["uid"]), int(spec["gid"]))
    if spec.get("chdir"):
        _enter(spec["chdir"])
    _exec(argv)


if __name__ == "__main__":
    main(sys.argv[1:])

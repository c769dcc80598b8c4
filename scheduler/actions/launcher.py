"""The first program a shell action runs: set limits, drop privileges, then run the command
under a small supervisor that dies with the engine and takes the command's processes with it.

Started as ``python -I -S launcher.py SPEC_JSON -- ARGV...`` by ``shell_isolation``. It replaces
``preexec_fn``, which is unsafe in the threaded engine: the work between fork and exec happens
here, in a fresh single-threaded interpreter.

The launcher stays as the run's session leader and supervisor; the command is its child, in
its session. The supervisor asks the kernel for a signal when its parent dies
(``PR_SET_PDEATHSIG``; the parent is the engine's event-loop thread, which forked it and
outlives every run it watches: the signal fires on the death of that *thread*, so the fork
must not come from a short-lived worker thread) and is a child subreaper, so a process that
left the session and lost its parent is re-parented to it rather than to init. When the
engine dies (kill -9 included) the supervisor kills its session, its process group and every
descendant, then exits: nothing the run started outlives its engine, with or without
bubblewrap. When the command ends the supervisor kills what it left behind and exits with the
command's status (re-raising the signal that killed it), so the engine reads the same status
as before. The death signal is set after the user switch: the kernel clears it when the
effective uid changes.

SPEC_JSON keys (all optional):

- ``rlimits``: ``{"CPU": [soft, hard], "AS": …, "NPROC": …, "FSIZE": …, "NOFILE": …,
  "CORE": …}``, names of ``resource.RLIMIT_*`` without the prefix.
- ``uid``/``gid``: switch to this identity (needs root); supplementary groups are cleared.
- ``chdir_first``: a directory cronpilot made for this run; entered *before* the switch so its
  parents need not be reachable by the unprivileged user.
- ``chdir``: the task's own directory; entered *after* the switch, so the user's permissions
  apply and a task can't borrow root's right to traverse (say) ``/root``.
- ``parent``: the engine's pid; if the launcher's parent is already another process (the
  engine died before the death signal was armed) the command never starts.
- ``alive_fd``: the read end of a pipe whose only write end the engine holds for the run's
  length (it never writes): end of file means the engine is gone. Under bubblewrap the
  launcher's parent is the sandbox, whose own death signal (``--die-with-parent``) bwrap arms
  only a few milliseconds after the engine forked it; an engine killed in between left the
  sandbox running with nothing tied to the engine (``parent`` can't be checked from inside a
  pid namespace). The pipe closes whenever the engine dies, armed or not: the command never
  starts, or the supervisor kills it as for the death signal.
- ``tag``: ``<engine id>/<run id>``, only read from ``/proc/<pid>/cmdline`` by a later engine
  that recovers the run (``shell_process.kill_leftovers``).

Exit codes when the command never starts: 125 setup failed, 126 not executable, 127 not found.

Only the standard library, and every module is imported before the switch: ``-I`` keeps the
working directory and ``PYTHON*`` variables out of ``sys.path`` while this runs as root, and the
interpreter's own files may be unreadable to the unprivileged user (e.g. a pyenv under /root).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import resource
import select
import signal
import sys
from typing import NoReturn

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38
_ENGINE_GONE = signal.SIGUSR1  # our death signal: caught, so the session is killed first
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


def _prctl(option: int, value: int, what: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        _fail(EXIT_SETUP, f"prctl({what}) failed: {os.strerror(ctypes.get_errno())}")


class _EngineGone(Exception):
    """Raised by the death-signal handler: a blocking ``waitpid`` would otherwise be resumed."""


def _engine_gone(_signum: int, _frame: object) -> None:
    raise _EngineGone


def _children_of(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return found


def _session_members(session: int) -> list[int]:
    found: list[int] = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().decode(errors="replace").rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 3 and fields[3] == str(session):
            found.append(int(name))
    return found


def _kill_everything() -> None:
    """SIGKILL every descendant (a subreaper's orphans are its children) and every other member
    of our session; stopped first, in rounds, so nothing forks past the sweep."""
    me = os.getpid()
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for _ in range(5):
            targets: set[int] = set(_session_members(me))
            stack = _children_of(me)
            while stack:
                pid = stack.pop()
                if pid not in targets:
                    targets.add(pid)
                    stack += _children_of(pid)
            targets.discard(me)
            if not targets:
                break
            for pid in targets:
                with contextlib.suppress(OSError):
                    os.kill(pid, sig)
            if sig == signal.SIGSTOP:
                break  # one pass stops them; the SIGKILL rounds catch any that forked first
            _reap_all()


def _reap_all() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _engine_closed(alive_fd: int) -> bool:
    """Whether the engine's end of the liveness pipe is closed (it never writes: readable is
    end of file)."""
    try:
        ready, _, _ = select.select([alive_fd], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)


def _wait_for(command: int, alive_fd: int | None) -> int | None:
    """The command's wait status, reaping adopted orphans meanwhile; None when the engine died
    (its death signal, or the end of file on ``alive_fd``)."""
    try:
        if alive_fd is None:
            while True:
                try:
                    pid, status = os.waitpid(-1, 0)
                except ChildProcessError:
                    return None
                if pid == command:
                    return status
        return _wait_watching(command, alive_fd)
    except _EngineGone:
        return None


def _wait_watching(command: int, alive_fd: int) -> int | None:
    """``_wait_for`` with the liveness pipe: a SIGCHLD wakes the select through a pipe of our own."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    while True:
        while True:  # reap whatever ended: the command, or orphans we adopted
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid == 0:
                break
            if pid == command:
                return status
        ready, _, _ = select.select([alive_fd, wake_r], [], [])
        if alive_fd in ready:
            return None
        with contextlib.suppress(BlockingIOError):
            os.read(wake_r, 512)


def _supervise(argv: list[str], parent: int | None, alive_fd: int | None, devnull: int | None) -> NoReturn:
    status: int | None = None
    try:
        signal.signal(_ENGINE_GONE, _engine_gone)
        if alive_fd is not None:
            signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)  # wakes _wait_watching
        _prctl(_PR_SET_CHILD_SUBREAPER, 1, "CHILD_SUBREAPER")
        _prctl(_PR_SET_PDEATHSIG, _ENGINE_GONE, "PDEATHSIG")
        if (parent is not None and os.getppid() != parent) or (alive_fd is not None and _engine_closed(alive_fd)):
            _fail(EXIT_SETUP, "cronpilot's engine stopped before the command started")
        command = os.fork()
        if command == 0:
            signal.signal(_ENGINE_GONE, signal.SIG_DFL)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _restore_signals()
            _exec(argv)
        # Our copies of the pipes would keep them open after the command's tree is gone.
        for fd in (0, 1, 2):
            if devnull is None:
                with contextlib.suppress(OSError):
                    os.close(fd)
            else:
                os.dup2(devnull, fd)
        status = _wait_for(command, alive_fd)
    except _EngineGone:
        status = None
    signal.signal(_ENGINE_GONE, signal.SIG_IGN)
    _kill_everything()
    if status is None:  # the engine went away: nobody to report to
        os._exit(EXIT_SETUP)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        os.kill(os.getpid(), number)
        os._exit(128 + number)  # a signal whose default is not to terminate
    os._exit(os.WEXITSTATUS(status))


def main(args: list[str]) -> None:
    if len(args) < 3 or args[1] != "--":
        _fail(EXIT_SETUP, "usage: launcher.py SPEC_JSON -- COMMAND [ARGS...]")
    spec = json.loads(args[0])
    argv = args[2:]
    alive_fd = spec.get("alive_fd")
    if alive_fd is not None:
        try:
            os.set_inheritable(alive_fd, False)  # the supervisor's, not the command's
        except OSError:
            _fail(EXIT_SETUP, "the engine's liveness pipe is missing")
    _restore_signals()
    _forbid_new_privileges()
    # Opened while still privileged: the unprivileged user may not be allowed to (a /dev
    # mounted nodev, a restricted sandbox). The supervisor parks its standard streams on it.
    try:
        devnull: int | None = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        devnull = None
    if spec.get("chdir_first"):
        _enter(spec["chdir_first"])
    # Limits before the switch: once unprivileged, the command can lower but never raise them.
    _set_limits(spec.get("rlimits", {}))
    if spec.get("uid") is not None:
        _switch_user(int(spec["uid"]), int(spec["gid"]))
    if spec.get("chdir"):
        _enter(spec["chdir"])
    _supervise(argv, spec.get("parent"), alive_fd, devnull)


if __name__ == "__main__":
    main(sys.argv[1:])

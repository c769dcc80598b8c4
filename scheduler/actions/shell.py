"""The ``shell`` action: run a program in its own session, limited, unprivileged and sandboxed.

The argv runs without a shell unless ``use_shell`` (then ``/bin/sh -c``). The process starts a
new session; at the timeout, on cancellation, and when the command exits, that session is
killed with SIGKILL so nothing it started outlives the run. The launcher stays as the run's
supervisor: it dies with the engine (``PR_SET_PDEATHSIG``) and, as a child subreaper, adopts
what left the session, killing all of it first (``launcher``), so a kill -9 of the engine
leaves no orphan. With bubblewrap the command also lives in its own pid namespace, which dies
with bwrap (``--die-with-parent``); since bwrap arms that only after it started, the launcher
also watches a pipe only the engine can write to (``_Liveness``), which closes however and
whenever the engine dies.

Output is streamed into ``ctx.output`` as the pipes deliver it; nothing else is buffered.
How limits, identity, environment and sandbox are chosen lives in ``shell_isolation``; the
child side (setrlimit, setuid, exec) in ``launcher``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from ..models import ShellAction, ShellLimits
from ..wording import duration_text
from .base import ActionConfig, ActionContext, ActionFailed, ActionResult, OutputCapture
from .shell_isolation import (
    DEFAULT_TIMEOUT,
    EffectiveLimits,
    RunAs,
    build_env,
    bwrap_argv,
    describe_sandbox,
    find_bwrap,
    launcher_argv,
    resolve_user,
)
from .shell_process import kill_process_tree, kill_session, run_tag
from .shell_workdir import is_own_folder

logger = logging.getLogger(__name__)

STDERR_TAIL = 4096  # enough for the last line of a traceback
PIPE_GRACE_SECONDS = 2.0  # after exit, how long a pipe held by an escaped process is waited for
KILL_GRACE_SECONDS = 10.0  # a SIGKILLed process in uninterruptible I/O may take a moment


def describe_isolation(
    config: ActionConfig, limits: ShellLimits | None = None, *, timeout: timedelta | None = None
) -> str:
    """One line on the isolation a shell task gets here, for ``task show`` and the run result.

    ``timeout`` is the task's (the CPU limit defaults to it); the default task timeout if None.
    """
    effective = EffectiveLimits.resolve(limits, timeout or DEFAULT_TIMEOUT)
    if os.geteuid() == 0:
        who = f"runs as {config.shell_unprivileged_user}"
    else:
        who = f"runs as {resolve_user(config).name} (cronpilot is not root, so no user switch)"
    return f"{describe_sandbox(config)}, {who}, limits: {effective.describe()}"


async def run(action: ShellAction, ctx: ActionContext) -> ActionResult:
    """Run ``action`` and return its exit status; ok only for exit code 0.

    Raises ``ActionFailed`` for a refused environment variable, a missing working directory or
    required sandbox, an unknown user, and at the timeout (after killing the whole session).
    Cancellation kills the session too, then propagates.
    """
    config = ctx.config
    bwrap = find_bwrap(config)
    run_as = resolve_user(config)
    limits = EffectiveLimits.resolve(action.limits, ctx.timeout)
    isolation = describe_isolation(config, action.limits, timeout=ctx.timeout)
    task_dir = _task_dir(action.cwd)
    workdir = task_dir or _make_run_dir(config.data_dir, ctx.run_id, run_as)
    # Cronpilot's own folders (in the data folder) are entered before the user switch, so their
    # parents (often under /root) need not be open to the unprivileged user.
    own = task_dir is None or is_own_folder(config, task_dir)
    try:
        env = build_env(
            action.env,
            allowlist=config.shell_env_allowlist,
            environ=os.environ,
            run_id=ctx.run_id,
            idempotency_key=ctx.idempotency_key,
            home=workdir,
        )
        argv = ["/bin/sh", "-c", action.argv[0]] if action.use_shell else list(action.argv)
        with _liveness_pipe() as alive:
            cmd = launcher_argv(
                argv,
                limits=limits,
                run_as=run_as,
                chdir_first=workdir if own else None,
                chdir=None if own else task_dir,
                # In bubblewrap the launcher's parent is the sandbox's, not ours.
                parent=None if bwrap else os.getpid(),
                tag=run_tag(config.engine_id, ctx.run_id) if config.engine_id else None,
                alive_fd=alive.read_end,
            )
            if bwrap:
                prefix = bwrap_argv(
                    bwrap, workdir=workdir, data_dir=config.data_dir, as_root=os.geteuid() == 0
                )
                cmd = prefix + cmd
            returncode, stderr_tail = await _supervise(cmd, env, ctx.output, ctx.timeout, alive=alive)
    finally:
        if task_dir is None:
            _remove_run_dir(workdir)
    data: dict[str, object] = {"exit_code": returncode, "isolation": isolation}
    if returncode == 0:
        return ActionResult(ok=True, summary="exit 0", data=data)
    failure = explain_failure(returncode, stderr_tail, limits=limits, via_bwrap=bwrap is not None)
    if failure.signal:
        data["signal"] = failure.signal
    return ActionResult(ok=False, summary=failure.summary, data=data, error=failure.error)


class _Liveness:
    """A pipe for the run's launcher (``launcher``'s ``alive_fd``): the child gets the read end,
    this process holds the only write end (not inherited: ``os.pipe`` makes both ends close on
    exec) until the run is over, so the launcher sees end of file exactly when the engine is
    gone, even if it died before bubblewrap armed its own death signal."""

    def __init__(self) -> None:
        self.read_end, self.write_end = os.pipe()

    def handed_over(self) -> None:
        """The child has its copy of the read end: ours would only hold a descriptor."""
        if self.read_end >= 0:
            os.close(self.read_end)
            self.read_end = -1


@contextlib.contextmanager
def _liveness_pipe() -> Iterator[_Liveness]:
    pipe = _Liveness()
    try:
        yield pipe
    finally:
        pipe.handed_over()
        os.close(pipe.write_end)


def _task_dir(cwd: str | None) -> Path | None:
    if cwd is None:
        return None
    path = Path(cwd)
    if not path.is_absolute():
        raise ActionFailed(f"the working directory must be an absolute path, not {cwd!r}")
    if not path.is_dir():
        raise ActionFailed(f"the working directory {cwd} does not exist")
    return path


def _make_run_dir(data_dir: Path, run_id: int, run_as: RunAs) -> Path:
    base = data_dir / "work"
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = Path(tempfile.mkdtemp(prefix=f"run-{run_id}-", dir=base))
    if run_as.uid is not None and run_as.gid is not None:
        # The launcher enters it as root, so only this directory (not its parents) needs to
        # belong to the unprivileged user.
        os.chown(path, run_as.uid, run_as.gid)
    return path


def _remove_run_dir(path: Path) -> None:
    def make_writable(_func: object, failed: str, _exc: object) -> None:
        # The command may have left a directory without write permission (as its own user).
        try:
            os.chmod(os.path.dirname(failed), 0o700)
            if os.path.isdir(failed) and not os.path.islink(failed):
                shutil.rmtree(failed, ignore_errors=True)
            else:
                os.unlink(failed)
        except OSError:
            logger.warning("could not remove %s from a shell run's directory", failed)

    # rmtree works on file descriptors and doesn't follow symlinks the command planted.
    shutil.rmtree(path, onerror=make_writable)


@dataclass
class _Capture(asyncio.SubprocessProtocol):
    """Passes each chunk straight to the bounded ``OutputCapture``: no buffering here."""

    output: OutputCapture
    exited: asyncio.Future[None]
    closed: asyncio.Future[None]
    stderr_tail: bytearray = field(default_factory=bytearray)

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        chunk = data.encode() if isinstance(data, str) else data
        if fd == 1:
            self.output.write("stdout", chunk)
        else:
            self.output.write("stderr", chunk)
            self.stderr_tail += chunk[-STDERR_TAIL:]
            del self.stderr_tail[:-STDERR_TAIL]

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def _supervise(
    cmd: list[str], env: dict[str, str], output: OutputCapture, timeout: timedelta,
    *, alive: _Liveness | None = None,
) -> tuple[int, bytes]:
    """Run ``cmd`` in a new session until it exits or ``timeout``; return (returncode, tail).
    ``alive``: the liveness pipe, whose read end the child inherits."""
    loop = asyncio.get_running_loop()
    capture = _Capture(output, loop.create_future(), loop.create_future())
    try:
        transport, _ = await loop.subprocess_exec(
            lambda: capture,
            *cmd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,
            pass_fds=(alive.read_end,) if alive else (),
        )
    except OSError as exc:
        raise ActionFailed(f"could not start the command: {exc}") from exc
    if alive:
        alive.handed_over()
    pid = transport.get_pid()
    try:
        seconds = timeout.total_seconds()
        done, _ = await asyncio.wait({capture.exited}, timeout=seconds)
        if not done:
            await _kill(pid, capture)
            raise ActionFailed(
                f"timed out after {duration_text(timeout)}; the command and everything it started were killed"
            )
        # What the command left running in its session dies with the run, as it does in
        # the bubblewrap pid namespace.
        kill_session(pid)
        await asyncio.wait({capture.closed}, timeout=PIPE_GRACE_SECONDS)
        if not capture.closed.done():
            logger.warning("a process that left the shell run's session holds its output open")
        returncode = transport.get_returncode()
        if returncode is None:  # can't happen once process_exited fired; keeps the type honest
            raise ActionFailed("the command's exit status was lost")
        return returncode, bytes(capture.stderr_tail)
    except asyncio.CancelledError:
        await _kill(pid, capture)
        raise
    finally:
        transport.close()


async def _kill(pid: int, capture: _Capture) -> None:
    if capture.exited.done():
        kill_session(pid)  # already reaped: its pid may not be followed to children any more
    else:
        kill_process_tree(pid)
    # Awaiting the exit means the child watcher has reaped it: no zombie from us.
    await asyncio.wait({capture.exited}, timeout=KILL_GRACE_SECONDS)
    if not capture.exited.done():
        logger.error("shell process %s did not die after SIGKILL", pid)


# --- explaining a failure -----------------------------------------------------------------

# Messages that programs print when a limit bites without a signal (the syscall just fails).
_STDERR_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("MemoryError", "Cannot allocate memory", "out of memory", "bad_alloc",
         "memory exhausted", "failed to allocate", "Out of memory"),
        "memory",
    ),
    (("File too large", "File size limit exceeded"), "file_size"),
    (("CPU time limit exceeded",), "cpu"),
    (("Too many open files",), "open_files"),
    (("Resource temporarily unavailable", "Cannot fork", "process limit reached"), "processes"),
)  # fmt: skip


@dataclass(frozen=True)
class Failure:
    summary: str
    error: str
    signal: str | None = None


def explain_failure(
    returncode: int, stderr_tail: bytes, *, limits: EffectiveLimits, via_bwrap: bool
) -> Failure:
    """Turn a non-zero return code and the end of stderr into a message for the owner."""
    last = _last_line(stderr_tail)
    limit = _hinted_limit(stderr_tail)
    number = _death_signal(returncode, via_bwrap=via_bwrap)
    if number is None:
        error = f"exit code {returncode}" + (f": {last}" if last else "")
        if limit:
            error += f" ({_limit_reason(limit, limits)})"
        return Failure(summary=f"exit {returncode}", error=error)
    name = _signal_name(number)
    limit = limit or _SIGNAL_LIMITS.get(number)
    if limit:
        reason = _limit_reason(limit, limits)
    elif number == signal.SIGKILL:
        reason = (
            "killed from outside the command: the kernel's out-of-memory killer, the hard CPU "
            "limit, or an operator"
        )
    elif number in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
        reason = (
            "crashed; this can be a failed allocation under the memory limit of "
            f"{limits.memory_mb} MB"
        )
    else:
        reason = ""
    error = f"killed by signal {name}" + (f": {reason}" if reason else "")
    if last:
        error += f" (last line of stderr: {last})"
    return Failure(summary=f"killed by {name}", error=error, signal=name)


_SIGNAL_LIMITS: dict[int, str] = {signal.SIGXCPU: "cpu", signal.SIGXFSZ: "file_size"}


def _limit_reason(limit: str, limits: EffectiveLimits) -> str:
    return {
        "memory": f"memory limit of {limits.memory_mb} MB reached",
        "file_size": f"file size limit of {limits.max_file_mb} MB reached",
        "cpu": f"CPU time limit of {limits.cpu_seconds} s reached",
        "open_files": f"open-file limit of {limits.max_open_files} reached",
        "processes": f"process limit of {limits.max_processes} for the user reached",
    }[limit]


def _hinted_limit(stderr_tail: bytes) -> str | None:
    text = stderr_tail.decode(errors="replace")
    for needles, limit in _STDERR_HINTS:
        if any(needle in text for needle in needles):
            return limit
    return None


def _death_signal(returncode: int, *, via_bwrap: bool) -> int | None:
    if returncode < 0:
        return -returncode
    # bubblewrap reports its child's death by signal N as exit code 128 + N. A command that
    # really exits with such a code is misread as a signal; that is rare and the message says
    # which signal, so the owner can tell.
    if via_bwrap and 128 < returncode < 128 + signal.NSIG:
        return returncode - 128
    return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _last_line(stderr_tail: bytes, *, limit: int = 300) -> str:
    lines = [line.strip() for line in stderr_tail.decode(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:limit] if lines else ""

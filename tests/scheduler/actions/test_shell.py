"""The shell action with real processes: capture, timeouts, limits, identity, env, sandbox.

Tests marked with the ``sandbox`` fixture run twice: without a sandbox and with bubblewrap.
The bubblewrap variants skip when ``bwrap`` is missing, except under ``CI=true`` where CI is
expected to install it (``apt-get install -y bubblewrap``) and a skip would hide a regression.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest

from scheduler.actions import shell
from scheduler.actions.base import (
    TRUNCATION_MARKER,
    ActionConfig,
    ActionContext,
    ActionFailed,
    OutputCapture,
)
from scheduler.actions.shell_isolation import EffectiveLimits
from scheduler.models import ShellAction, ShellLimits

pytestmark = pytest.mark.slow  # every test starts real processes (as nobody, in bubblewrap)

# The command runs as nobody when the tests run as root, so it needs an interpreter nobody can
# execute (a pyenv under /root is not one).
PY = (
    "/usr/bin/python3"
    if os.access("/usr/bin/python3", os.X_OK)
    else os.path.realpath(sys.executable)
)
IS_ROOT = os.geteuid() == 0
NOBODY_UID = 65534

MakeCtx = Callable[..., ActionContext]


def require_bwrap() -> None:
    if shutil.which("bwrap"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("bubblewrap is not installed, but CI=true: CI must apt-get install bubblewrap")
    pytest.skip("bubblewrap (bwrap) is not installed: apt-get install bubblewrap to run this")


@pytest.fixture(params=["none", "bwrap"])
def sandbox(request: pytest.FixtureRequest) -> str:
    if request.param == "bwrap":
        require_bwrap()
    return str(request.param)


@pytest.fixture
def make_ctx(tmp_path: Path) -> MakeCtx:
    run_ids = itertools.count(1)

    def make(
        *, timeout: float = 5, sandbox: str = "none", data_dir: Path | None = None, **config: Any
    ) -> ActionContext:
        run_id = next(run_ids)
        return ActionContext(
            run_id=run_id,
            task_id=1,
            task_name="t",
            owner="me",
            attempt=1,
            timeout=timedelta(seconds=timeout),
            config=ActionConfig(data_dir=data_dir or tmp_path, shell_sandbox=sandbox, **config),
            output=OutputCapture(tmp_path / "logs" / f"{run_id}.log"),
            idempotency_key=f"{run_id}:1",
        )

    return make


def _cmdlines() -> Iterator[tuple[int, str, str]]:
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            raw = Path(f"/proc/{entry.name}/cmdline").read_bytes()
            state = Path(f"/proc/{entry.name}/stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        yield int(entry.name), state, raw.replace(b"\0", b" ").decode(errors="replace")


def alive_with(marker: str) -> list[int]:
    """Pids of live (non-zombie) processes whose command line mentions ``marker``."""
    return [pid for pid, state, cmd in _cmdlines() if marker in cmd and state != "Z"]


async def wait_until(predicate: Callable[[], bool], *, seconds: float = 30) -> bool:
    """Poll a process-table condition; generous bound (a loaded 2-core machine needs it), never
    a timing assertion."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


@pytest.fixture
def marker() -> Iterator[str]:
    """A unique ``sleep`` duration to find a test's processes by; leftovers are killed.

    Every process of the chain carries it (launcher, shell, sleeps), and the sweep repeats until
    nothing carries it for a while: a test that failed early under load can leave a launcher or
    shell that forks its sleeps only after a first sweep (that is how a ``sleep 300.…`` owned
    by nobody once outlived a run)."""
    value = f"300.{random.randrange(10**8):08d}"
    yield value
    deadline, quiet = time.monotonic() + 10, 0
    while quiet < 3 and time.monotonic() < deadline:
        pids = alive_with(value)
        quiet = 0 if pids else quiet + 1
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory outside /tmp and the data dir that the unprivileged user may write."""
    path = Path(tempfile.mkdtemp(prefix="cronpilot-test-", dir="/var/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def run_argv(ctx: ActionContext, *argv: str, **fields: Any) -> Any:
    return await shell.run(ShellAction(argv=list(argv), **fields), ctx)


# --- running and capturing ---------------------------------------------------------------


async def test_shell_captures_stdout_when_command_succeeds(make_ctx: MakeCtx, sandbox: str) -> None:
    ctx = make_ctx(sandbox=sandbox)
    result = await run_argv(ctx, "echo", "hello")
    assert result.ok and result.summary == "exit 0" and result.data["exit_code"] == 0
    assert ctx.output.text("stdout") == "hello\n"
    assert result.data["isolation"] == shell.describe_isolation(ctx.config, timeout=ctx.timeout)


async def test_shell_keeps_metacharacters_literal_without_shell(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    args = ["$(whoami);", "`id`", "$HOME", "a;b", "|", "*"]
    result = await run_argv(ctx, "echo", *args)
    assert result.ok
    assert ctx.output.text("stdout") == " ".join(args) + "\n"


async def test_shell_interprets_command_when_use_shell(make_ctx: MakeCtx, sandbox: str) -> None:
    ctx = make_ctx(sandbox=sandbox)
    result = await run_argv(ctx, "echo a; echo $((1+2))", use_shell=True)
    assert result.ok
    assert ctx.output.text("stdout") == "a\n3\n"


async def test_shell_reports_exit_code_and_last_stderr_line_when_command_fails(
    make_ctx: MakeCtx,
) -> None:
    ctx = make_ctx()
    result = await run_argv(ctx, "echo first >&2; echo 'it broke' >&2; exit 3", use_shell=True)
    assert not result.ok
    assert result.summary == "exit 3" and result.data["exit_code"] == 3
    assert result.error == "exit code 3: it broke"


async def test_shell_reports_missing_command(make_ctx: MakeCtx, sandbox: str) -> None:
    ctx = make_ctx(sandbox=sandbox)
    result = await run_argv(ctx, "no-such-command-cronpilot")
    assert not result.ok and result.data["exit_code"] == 127
    assert "command not found: no-such-command-cronpilot" in (result.error or "")


async def test_shell_runs_many_commands_concurrently(make_ctx: MakeCtx, sandbox: str) -> None:
    ctxs = [make_ctx(sandbox=sandbox) for _ in range(8)]
    results = await asyncio.gather(*(run_argv(c, "echo", f"run {i}") for i, c in enumerate(ctxs)))
    assert all(r.ok for r in results)
    assert [c.output.text("stdout") for c in ctxs] == [f"run {i}\n" for i in range(8)]


async def test_shell_runs_in_fresh_workdir_and_removes_it(make_ctx: MakeCtx, sandbox: str) -> None:
    ctx = make_ctx(sandbox=sandbox)
    result = await run_argv(ctx, "pwd; touch made-here && echo wrote", use_shell=True)
    assert result.ok, result.error
    workdir, wrote = (ctx.output.text("stdout") or "").splitlines()
    assert wrote == "wrote"
    assert Path(workdir).parent == ctx.config.data_dir / "work"
    assert not Path(workdir).exists()


async def test_shell_runs_in_task_cwd(make_ctx: MakeCtx, sandbox: str, shared_dir: Path) -> None:
    ctx = make_ctx(sandbox=sandbox)
    result = await run_argv(ctx, "pwd; touch kept", use_shell=True, cwd=str(shared_dir))
    assert result.ok, result.error
    assert ctx.output.text("stdout") == f"{shared_dir}\n"
    assert (shared_dir / "kept").exists()


@pytest.mark.skipif(not IS_ROOT, reason="needs root: checks the switch to nobody")
async def test_shell_refuses_to_borrow_root_traversal_for_task_cwd(
    make_ctx: MakeCtx, tmp_path: Path
) -> None:
    # tmp_path's parents are root-only (0700): nobody may not enter a directory below them.
    (tmp_path / "private").mkdir(mode=0o777)
    ctx = make_ctx()
    result = await run_argv(ctx, "pwd", cwd=str(tmp_path / "private"))
    assert not result.ok
    assert "cannot enter the working directory" in (result.error or "")


async def test_shell_refuses_relative_cwd(make_ctx: MakeCtx) -> None:
    with pytest.raises(ActionFailed, match="absolute path"):
        await run_argv(make_ctx(), "pwd", cwd="some/dir")


# --- killing the whole tree --------------------------------------------------------------


async def test_shell_kills_whole_group_when_timed_out(
    make_ctx: MakeCtx, sandbox: str, marker: str
) -> None:
    ctx = make_ctx(timeout=3, sandbox=sandbox)  # the sleeps must start first, even under load
    run = asyncio.create_task(run_argv(ctx, "sh", "-c", f"sleep {marker} & sleep {marker} & wait"))
    assert await wait_until(lambda: len(alive_with(f"sleep {marker}")) >= 2)
    with pytest.raises(ActionFailed, match=r"^timed out after 3 seconds;"):
        await run
    assert await wait_until(lambda: not alive_with(marker)), alive_with(marker)


async def test_shell_kills_setsid_child_when_timed_out(
    make_ctx: MakeCtx, sandbox: str, marker: str
) -> None:
    # The shell is still waiting for it, so even without bubblewrap it is found by parent link.
    ctx = make_ctx(timeout=3, sandbox=sandbox)  # the sleeps must start first, even under load
    run = asyncio.create_task(run_argv(ctx, f"setsid sleep {marker} & wait", use_shell=True))
    assert await wait_until(lambda: len(alive_with(f"sleep {marker}")) >= 1)
    with pytest.raises(ActionFailed, match="timed out"):
        await run
    assert await wait_until(lambda: not alive_with(marker)), alive_with(marker)


@pytest.mark.parametrize("mode", ["none", "bwrap"])
async def test_shell_kills_detached_setsid_process_when_timed_out(
    make_ctx: MakeCtx, mode: str, marker: str
) -> None:
    if mode == "bwrap":
        require_bwrap()
    # Without bubblewrap the run's supervisor (a child subreaper) adopts the process that left
    # the session and lost its parent, so it is still found.
    ctx = make_ctx(timeout=3, sandbox=mode)  # the sleeps must start first, even under load
    detach = f"(setsid sleep {marker} &); sleep {marker}"
    run = asyncio.create_task(run_argv(ctx, detach, use_shell=True))
    assert await wait_until(lambda: len(alive_with(f"sleep {marker}")) >= 2)
    with pytest.raises(ActionFailed, match="timed out"):
        await run
    assert await wait_until(lambda: not alive_with(marker), seconds=10), alive_with(marker)


async def test_a_later_engine_kills_what_a_dead_engines_run_left_before_retrying_it(
    make_ctx: MakeCtx, marker: str
) -> None:
    from scheduler.actions.shell_process import kill_leftovers

    ctx = make_ctx(timeout=60, engine_id="engine-dead")
    run = asyncio.create_task(run_argv(ctx, f"sleep {marker} & (setsid sleep {marker} &); wait", use_shell=True))
    assert await wait_until(lambda: len(alive_with(f"sleep {marker}")) >= 2)
    assert kill_leftovers("engine-other", [ctx.run_id], wait=0.5) == 0  # another engine's tag: untouched
    assert kill_leftovers("engine-dead", [ctx.run_id + 1], wait=0.5) == 0  # another run: untouched
    assert alive_with(f"sleep {marker}")
    assert await asyncio.to_thread(kill_leftovers, "engine-dead", [ctx.run_id]) == 1
    assert not alive_with(marker)  # gone when it returns: a retry never runs beside them
    result = await run
    assert not result.ok


@pytest.mark.parametrize("started", [True, False])
async def test_a_sandboxed_run_dies_with_the_engine_even_before_bwrap_armed_its_death_signal(
    tmp_path: Path, marker: str, started: bool
) -> None:
    """bwrap ties the sandbox to its parent (``--die-with-parent``) only a few milliseconds
    after the engine forked it; a kill -9 of the engine in between left the whole run alive
    (reproduced by killing serve as its run started: 1 in 10). Modelled exactly here: bwrap
    without ``--die-with-parent``, and this process as the engine, whose death closes its end of
    the liveness pipe. Mid-run, the supervisor kills everything; before the start, the command
    never starts."""
    from scheduler.actions.shell_isolation import RunAs, bwrap_argv, launcher_argv

    require_bwrap()
    read_end, write_end = os.pipe()
    if not started:
        os.close(write_end)  # the engine died before the launcher began
    workdir = tmp_path / "work"
    workdir.mkdir()
    unarmed = [a for a in bwrap_argv(shutil.which("bwrap") or "bwrap", workdir=workdir, data_dir=tmp_path / "data",
                                     as_root=IS_ROOT) if a != "--die-with-parent"]
    limits = EffectiveLimits.resolve(ShellLimits(), timedelta(seconds=60))
    command = launcher_argv(["/bin/sh", "-c", f"sleep {marker} & (setsid sleep {marker} &); wait"],
                            limits=limits, run_as=RunAs("me"), chdir_first=workdir, chdir=None, alive_fd=read_end)
    sandbox = await asyncio.create_subprocess_exec(
        *unarmed, *command, pass_fds=(read_end,), start_new_session=True,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    os.close(read_end)
    try:
        if started:
            assert await wait_until(lambda: len(alive_with(f"sleep {marker}")) >= 4)  # sh and 2 sleeps, the launcher
            os.close(write_end)  # kill -9 of the engine, as far as the pipe can tell
        assert await wait_until(lambda: not alive_with(f"sleep {marker}"), seconds=10), alive_with(marker)
        assert await asyncio.wait_for(sandbox.wait(), 10) != 0  # it says the run was cut short
        if not started:
            assert sandbox.stderr is not None
            assert "engine stopped before the command started" in (await sandbox.stderr.read()).decode()
    finally:
        if sandbox.returncode is None:
            sandbox.kill()
            await sandbox.wait()


async def test_shell_kills_group_when_cancelled(
    make_ctx: MakeCtx, sandbox: str, marker: str
) -> None:
    ctx = make_ctx(timeout=60, sandbox=sandbox)
    run = asyncio.create_task(
        run_argv(ctx, f"sleep {marker} & sleep {marker} & wait", use_shell=True)
    )
    assert await wait_until(lambda: len(alive_with(f"sleep {marker}")) >= 2)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert await wait_until(lambda: not alive_with(marker)), alive_with(marker)


async def test_shell_kills_leftover_background_process_when_command_exits(
    make_ctx: MakeCtx, sandbox: str, marker: str
) -> None:
    ctx = make_ctx(sandbox=sandbox)
    result = await run_argv(ctx, f"sleep {marker} >/dev/null 2>&1 & echo started", use_shell=True)
    assert result.ok and ctx.output.text("stdout") == "started\n"
    assert await wait_until(lambda: not alive_with(marker)), alive_with(marker)


# --- resource limits ---------------------------------------------------------------------


async def test_shell_enforces_memory_limit(make_ctx: MakeCtx, sandbox: str) -> None:
    ctx = make_ctx(sandbox=sandbox)
    limits = ShellLimits(memory_mb=256)
    result = await run_argv(ctx, PY, "-c", "bytearray(2 * 1024**3)", limits=limits)
    assert not result.ok
    assert "memory limit of 256 MB reached" in (result.error or "")
    assert "MemoryError" in (result.error or "")


async def test_shell_enforces_cpu_limit(make_ctx: MakeCtx, sandbox: str) -> None:
    ctx = make_ctx(timeout=20, sandbox=sandbox)
    result = await run_argv(ctx, PY, "-c", "while True: pass", limits=ShellLimits(cpu_seconds=1))
    assert not result.ok
    assert result.error == "killed by signal SIGXCPU: CPU time limit of 1 s reached"
    assert result.data["signal"] == "SIGXCPU"


async def test_shell_enforces_file_size_limit(make_ctx: MakeCtx, sandbox: str) -> None:
    ctx = make_ctx(sandbox=sandbox)
    dd = ["dd", "if=/dev/zero", "of=big", "bs=1M", "count=50"]
    result = await run_argv(ctx, *dd, limits=ShellLimits(max_file_mb=1))
    assert not result.ok
    assert result.error == "killed by signal SIGXFSZ: file size limit of 1 MB reached"


async def test_shell_enforces_open_files_limit(make_ctx: MakeCtx, sandbox: str) -> None:
    ctx = make_ctx(sandbox=sandbox)
    code = "files = [open('/dev/null') for _ in range(200)]"
    result = await run_argv(ctx, PY, "-c", code, limits=ShellLimits(max_open_files=64))
    assert not result.ok
    assert "Too many open files" in (result.error or "")
    assert "open-file limit of 64 reached" in (result.error or "")


FORK_LOOP = r"""
import os, sys
r, w = os.pipe()
started, error = 0, ""
for _ in range(int(sys.argv[1])):
    try:
        pid = os.fork()
    except OSError as exc:
        error = exc.strerror
        break
    if pid == 0:
        os.close(w)
        os.read(r, 1)  # children wait for the parent to finish counting
        os._exit(0)
    started += 1
os.close(w)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
print(started, error, sep=":")
"""


def processes_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += entry.stat().st_uid == uid
    return count


@pytest.mark.skipif(not IS_ROOT, reason="needs root: the limit must bind a switched, non-root uid")
async def test_shell_enforces_process_limit_as_unprivileged_user(
    make_ctx: MakeCtx, sandbox: str
) -> None:
    ctx = make_ctx(sandbox=sandbox)
    who = await run_argv(ctx, "id", "-u")
    assert ctx.output.text("stdout") == f"{NOBODY_UID}\n", who.error
    # RLIMIT_NPROC counts every process of the uid machine-wide, zombies included (this
    # container's PID 1 doesn't reap what earlier tests killed), and other test runs start and
    # end nobody's processes all the time: the limit leaves room above today's count for the
    # command to start, and the command forks until refused, up to well past the limit. So the
    # test holds however many nobody processes come and go meanwhile (it once failed under load
    # when it expected fewer than 20 forks: others had exited and freed their share).
    limit = processes_of(NOBODY_UID) + 30
    ctx = make_ctx(sandbox=sandbox, timeout=60)  # 60 forks as nobody, slow on a loaded machine
    result = await run_argv(
        ctx, PY, "-c", FORK_LOOP, str(limit + 30), limits=ShellLimits(max_processes=limit)
    )
    assert result.ok, result.error
    started, error = (ctx.output.text("stdout") or "").strip().split(":")
    assert error == "Resource temporarily unavailable", f"{started} forks and none refused"
    assert int(started) < limit


# --- environment -------------------------------------------------------------------------


async def test_shell_passes_only_allowlisted_and_task_env(
    make_ctx: MakeCtx, sandbox: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SLACK_BOT_TOKEN", "OPENAI_API_KEY", "DATABASE_URL", "CRONPILOT_SECRET"):
        monkeypatch.setenv(name, f"canary-{name}")
    monkeypatch.setenv("LANG", "C.UTF-8")
    ctx = make_ctx(sandbox=sandbox)
    result = await run_argv(ctx, "env", env={"GREETING": "hi"})
    assert result.ok
    stdout = ctx.output.text("stdout") or ""
    assert "canary" not in stdout
    env = dict(line.split("=", 1) for line in stdout.splitlines())
    assert env["GREETING"] == "hi"
    assert env["LANG"] == "C.UTF-8"
    assert env["CRONPILOT_RUN_ID"] == str(ctx.run_id)
    assert env["IDEMPOTENCY_KEY"] == ctx.idempotency_key


@pytest.mark.parametrize(
    "name",
    ["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "BASH_ENV", "ENV", "PYTHONPATH",
     "PYTHONSTARTUP", "PATH", "BASH_FUNC_ls%%", "IDEMPOTENCY_KEY"],
)  # fmt: skip
async def test_shell_refuses_dangerous_task_env(
    make_ctx: MakeCtx, name: str, shared_dir: Path
) -> None:
    ctx = make_ctx()
    with pytest.raises(ActionFailed, match=name):
        await run_argv(ctx, "touch", "ran", env={name: "/tmp/x"}, cwd=str(shared_dir))
    assert not (shared_dir / "ran").exists()


# --- output ------------------------------------------------------------------------------


async def test_shell_truncates_run_row_output_and_logs_everything(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    code = "import sys; sys.stdout.write('x' * 1_000_000)"
    result = await run_argv(ctx, PY, "-c", code)
    ctx.output.close()
    assert result.ok
    text = ctx.output.text("stdout") or ""
    marker = TRUNCATION_MARKER.format(limit=ctx.config.output_limit, where=ctx.output.log_path)
    assert text.endswith(marker)
    assert len(text) <= ctx.config.output_limit + len(marker)
    assert ctx.output.log_path.stat().st_size == 1_000_000


async def test_shell_keeps_memory_bounded_when_output_is_huge(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(timeout=60)
    me = psutil.Process()
    before = me.memory_info().rss
    peak = before
    done = False

    async def sample() -> None:
        nonlocal peak
        while not done:
            peak = max(peak, me.memory_info().rss)
            await asyncio.sleep(0.01)

    sampler = asyncio.create_task(sample())
    try:
        result = await run_argv(ctx, "head", "-c", "200000000", "/dev/zero")
    finally:
        done = True
        await sampler
    ctx.output.close()
    assert result.ok
    assert peak - before < 50 * 1024 * 1024
    assert ctx.output.log_path.stat().st_size <= ctx.config.log_limit + 200


# --- bubblewrap --------------------------------------------------------------------------


async def test_shell_sandbox_blocks_network(make_ctx: MakeCtx) -> None:
    require_bwrap()
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5)"
        outside = await run_argv(make_ctx(sandbox="none"), PY, "-c", code)
        inside = await run_argv(make_ctx(sandbox="bwrap"), PY, "-c", code)
    assert outside.ok, outside.error
    assert not inside.ok
    ctx = make_ctx(sandbox="bwrap")
    await run_argv(ctx, "cat", "/proc/net/dev")
    interfaces = [
        line.split(":")[0].strip() for line in (ctx.output.text("stdout") or "").splitlines()[2:]
    ]
    assert interfaces == ["lo"]


async def test_shell_sandbox_cannot_write_outside_workdir(
    make_ctx: MakeCtx, shared_dir: Path
) -> None:
    require_bwrap()
    script = f"touch {shared_dir}/escaped; touch /etc/cronpilot-escaped; touch inside && echo ok"
    outside = await run_argv(make_ctx(sandbox="none"), script, use_shell=True)
    assert (shared_dir / "escaped").exists(), outside.error  # the test can fail
    (shared_dir / "escaped").unlink()
    ctx = make_ctx(sandbox="bwrap")
    await run_argv(ctx, script, use_shell=True)
    assert not (shared_dir / "escaped").exists()
    assert not Path("/etc/cronpilot-escaped").exists()
    assert "Read-only file system" in (ctx.output.text("stderr") or "")
    assert ctx.output.text("stdout") == "ok\n"


async def test_shell_sandbox_hides_data_dir(make_ctx: MakeCtx, shared_dir: Path) -> None:
    require_bwrap()
    data_dir = shared_dir / "data"
    data_dir.mkdir(mode=0o755)
    (data_dir / "cronpilot.db").write_text("secret rows")
    (data_dir / "cronpilot.db").chmod(0o644)
    outside = make_ctx(sandbox="none", data_dir=data_dir)
    await run_argv(outside, "cat", str(data_dir / "cronpilot.db"))
    assert outside.output.text("stdout") == "secret rows"  # the test can fail
    inside = make_ctx(sandbox="bwrap", data_dir=data_dir)
    result = await run_argv(inside, "cat", str(data_dir / "cronpilot.db"))
    assert not result.ok and "No such file" in (result.error or "")


async def test_shell_fails_when_required_bwrap_missing(
    make_ctx: MakeCtx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ActionFailed, match="bubblewrap is not installed"):
        await run_argv(make_ctx(sandbox="bwrap"), "/bin/echo", "hi")
    ctx = make_ctx(sandbox="auto")
    result = await run_argv(ctx, "/bin/echo", "hi")
    assert result.ok and result.data["isolation"].startswith("no sandbox (bubblewrap not installed")


# --- describing the isolation ------------------------------------------------------------


def test_describe_isolation_names_sandbox_user_and_limits(tmp_path: Path) -> None:
    config = ActionConfig(data_dir=tmp_path)
    text = shell.describe_isolation(config)
    assert text.endswith(
        "limits: cpu 3600 s, memory 1024 MB, 256 processes, files 100 MB, 1024 open files"
    )
    if shutil.which("bwrap"):
        assert text.startswith("bubblewrap sandbox (no network, read-only /), ")
    if IS_ROOT:
        assert ", runs as nobody, " in text
    custom = shell.describe_isolation(
        ActionConfig(data_dir=tmp_path, shell_sandbox="none"),
        ShellLimits(memory_mb=64, max_processes=5),
        timeout=timedelta(seconds=90),
    )
    assert custom.startswith("no sandbox (disabled in settings")
    assert "cpu 90 s, memory 64 MB, 5 processes" in custom


def test_explain_failure_reads_bwrap_exit_code_as_signal() -> None:
    limits = EffectiveLimits.resolve(ShellLimits(), timedelta(seconds=10))
    via = shell.explain_failure(128 + 24, b"", limits=limits, via_bwrap=True)
    direct = shell.explain_failure(128 + 24, b"", limits=limits, via_bwrap=False)
    assert via.error == "killed by signal SIGXCPU: CPU time limit of 10 s reached"
    assert direct.error == "exit code 152"

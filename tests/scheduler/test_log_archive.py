"""Big run logs move to Supabase Storage once their run ends (the real ``supabase`` client
against a local server speaking Storage's REST API) and are read back from there; small logs,
and every log while Storage is down, stay in their files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.supabase_storage import SERVICE_KEY, FakeSupabaseStorage

from connectors.log_archive import LogArchiver, SupabaseLogArchive
from scheduler import actions
from scheduler.actions.base import ActionResult


@pytest.fixture
async def storage() -> AsyncIterator[FakeSupabaseStorage]:
    server = await FakeSupabaseStorage().start()
    try:
        yield server
    finally:
        await server.stop()


def _chatty(monkeypatch: pytest.MonkeyPatch, lines: int) -> None:
    async def chatty(action: Any, ctx: Any) -> ActionResult:
        for _ in range(lines):
            ctx.output.write("stdout", b"x" * 10_000 + b"\n")
        return ActionResult(ok=True)

    monkeypatch.setitem(actions.runners(), "noop", chatty)


async def _one_run(make_engine, add_task, clock, service, archiver: LogArchiver) -> Any:
    add_task()
    engine = make_engine()
    engine.observer = archiver
    archiver.start()
    try:
        await engine.start()
        clock.advance(timedelta(minutes=10))
        await engine.run_until_idle()
        await asyncio.wait_for(archiver.drain(), 30)
    finally:
        await archiver.stop()
    [run] = service.list_runs()
    return run


async def test_a_big_log_moves_to_storage_and_reads_back(
    make_engine, add_task, clock, service, storage, monkeypatch, tmp_path
):
    archive = SupabaseLogArchive(storage.url, SERVICE_KEY, bucket="logs")
    await asyncio.to_thread(archive.prepare)
    assert storage.buckets["logs"]["public"] is False
    service.log_archive = archive
    _chatty(monkeypatch, 20)
    archiver = LogArchiver(service, min_bytes=100_000)
    run = await _one_run(make_engine, add_task, clock, service, archiver)

    assert run.log_path == f"supabase-storage://logs/runs/{run.run_id}.log"
    assert storage.objects[("logs", f"runs/{run.run_id}.log")].count(b"x") == 200_000
    assert "output truncated" in run.stdout  # the row keeps the head
    assert not (tmp_path / "data" / "logs" / f"{run.run_id}.log").exists()  # moved, not copied
    text = await asyncio.to_thread(service.read_log, run.run_id)
    assert text.count("x") == 200_000

    storage.down = True  # Storage unavailable: what the database kept, and why not the rest
    text = await asyncio.to_thread(service.read_log, run.run_id)
    assert "could not be fetched" in text and "output truncated" in text


async def test_small_logs_and_logs_while_storage_is_down_stay_in_files(
    make_engine, add_task, clock, service, storage, monkeypatch
):
    archive = SupabaseLogArchive(storage.url, SERVICE_KEY, bucket="logs")
    await asyncio.to_thread(archive.prepare)
    service.log_archive = archive
    _chatty(monkeypatch, 20)
    storage.down = True
    archiver = LogArchiver(service, min_bytes=100_000)
    run = await _one_run(make_engine, add_task, clock, service, archiver)
    assert archiver.failed == 1 and archiver.moved == 0
    assert run.log_path and Path(run.log_path).is_file()
    assert (await asyncio.to_thread(service.read_log, run.run_id)).count("x") == 200_000

    assert await asyncio.to_thread(service.archive_log, run.run_id, min_bytes=10_000_000) is None
    storage.down = False
    ref = await asyncio.to_thread(service.archive_log, run.run_id, min_bytes=100_000)
    assert ref is not None and not Path(run.log_path).exists()
    assert service.get_run(run.run_id).log_path == ref


async def test_a_wrong_key_is_refused_by_storage(storage):
    archive = SupabaseLogArchive(storage.url, "sb_secret_wrong", bucket="logs")
    with pytest.raises(Exception, match="invalid key"):
        await asyncio.to_thread(archive.prepare)


async def test_cronpilot_logs_reads_an_archived_log_with_the_settings_alone(cli, storage, monkeypatch):
    """SUPABASE_URL and SUPABASE_SERVICE_KEY are all the CLI needs to read a log from Storage."""
    monkeypatch.setenv("SUPABASE_URL", storage.url)
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", SERVICE_KEY)
    monkeypatch.setenv("CRONPILOT_LOG_BUCKET", "team-logs")
    big = "python3 -c \"print('y' * 300000)\""

    def run_and_archive() -> int:
        from cronpilot.settings import Settings
        from cronpilot.wiring import build_app

        added = cli("task", "add", "--name", "loud", "--sh", big, "--cwd", "/")
        assert added.code == 0, added.err
        run = cli("run", "loud", "--json").json()
        app = build_app(Settings())
        try:
            assert app.log_archive is not None
            app.log_archive.prepare()
            assert app.service.archive_log(run["run_id"], min_bytes=100_000) is not None
        finally:
            app.close()
        return int(run["run_id"])

    run_id = await asyncio.to_thread(run_and_archive)
    assert ("team-logs", f"runs/{run_id}.log") in storage.objects
    shown = await asyncio.to_thread(cli, "logs", str(run_id), "--json")
    assert shown.code == 0, shown.err
    data = shown.json()
    assert data["log_path"] == f"supabase-storage://team-logs/runs/{run_id}.log"
    assert data["log"].count("y") == 300_000

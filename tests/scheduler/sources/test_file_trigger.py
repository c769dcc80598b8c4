"""File triggers with real watchfiles: a created file fires its task once, with the path."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from watchfiles import Change

from scheduler.models import RunReason, RunStatus
from scheduler.service import Actor, Role
from scheduler.sources import files
from scheduler.sources.files import file_changes

from .conftest import Fired, FireLog

OWNER = Actor("alice", Role.MEMBER)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cronpilot.db'}"  # the watcher doesn't care which store


def file_trigger(path: Path, **fields: object) -> dict[str, object]:
    return {"kind": "file", "path": str(path), **fields}


async def write_until_fired(folder: Path, fires: FireLog) -> Fired:
    """Write new files into ``folder`` until one is reported (for a folder the watcher is
    only about to watch)."""
    async with asyncio.timeout(15):
        for n in range(1, 1000):
            (folder / f"probe-{n}.txt").write_text("x")
            try:
                return await fires.next(timeout=0.5)
            except TimeoutError:
                continue
    raise AssertionError("no file was reported")


async def flush(folder: Path, fires: FireLog, barrier_id: int) -> list[Fired]:
    """Everything fired for changes made in ``folder`` before this call. A batch from the watcher
    is dispatched in full before the next is read, so two barrier files, each awaited, push
    every earlier change (and the rest of its batch) through."""
    got: list[Fired] = []
    for n in (1, 2):
        name = f"flush-{n}.done"
        (folder / name).write_text("")
        got += await fires.until(
            lambda f, name=name: f.task_id == barrier_id and f.payload["path"].endswith(name))
    return got


async def test_file_trigger_fires_once_when_a_matching_file_is_created(
    add_task, started_engine, watch_fires, store, tmp_path
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    ingest = add_task(name="ingest", triggers=[file_trigger(inbox, glob="*.csv")])
    barrier = add_task(name="barrier", triggers=[file_trigger(inbox, glob="*.done")])
    engine = await started_engine()
    fires = watch_fires(engine)
    await asyncio.wait_for(engine.sources.ready(), 10)

    (inbox / "data.csv").write_text("a,b\n1,2\n")  # create + write + close: one event
    (inbox / "notes.txt").write_text("not a csv")
    got = await flush(inbox, fires, barrier.task_id)

    csv_fires = [f for f in got if f.task_id == ingest.task_id]
    assert len(csv_fires) == 1
    assert csv_fires[0].payload == {"path": str(inbox / "data.csv"), "change": "create"}
    assert csv_fires[0].event == f"file:{inbox}" and csv_fires[0].reason == RunReason.EVENT
    await engine.run_until_idle()
    [run] = store.list_runs(task_id=ingest.task_id)
    assert run.status == RunStatus.COMPLETED and run.reason == RunReason.EVENT
    assert run.context == {"event": {"name": f"file:{inbox}", "data": csv_fires[0].payload}}


async def test_file_trigger_fires_on_modify_only_when_asked(
    add_task, started_engine, watch_fires, store, tmp_path
):
    folder = tmp_path / "watched"
    folder.mkdir()
    report = folder / "report.txt"
    report.write_text("v1")
    on_modify = add_task(name="changed", triggers=[file_trigger(folder, glob="report.txt", on=["modify"])])
    on_create = add_task(name="created", triggers=[file_trigger(folder, glob="*.txt", on=["create"])])
    barrier = add_task(name="barrier", triggers=[file_trigger(folder, glob="*.done")])
    engine = await started_engine()
    fires = watch_fires(engine)
    await asyncio.wait_for(engine.sources.ready(), 10)

    with report.open("a") as fh:
        fh.write("v2")
    got = await flush(folder, fires, barrier.task_id)

    assert [(f.task_id, f.payload["change"]) for f in got if f.task_id != barrier.task_id] == [
        (on_modify.task_id, "modify")
    ]
    assert on_create.task_id not in {f.task_id for f in got}


async def test_file_trigger_watches_subfolders_and_skips_new_folders(
    add_task, started_engine, watch_fires, tmp_path
):
    root = tmp_path / "tree"
    root.mkdir()
    task = add_task(name="any", triggers=[file_trigger(root)])
    engine = await started_engine()
    fires = watch_fires(engine)
    await asyncio.wait_for(engine.sources.ready(), 10)

    (root / "sub").mkdir()
    # The watcher adds the new folder when it hears of it; a file may land before that, so
    # write until one is heard.
    fired = await write_until_fired(root / "sub", fires)
    assert fired.task_id == task.task_id
    # A file written while the watch on its brand-new folder is being added can be heard only
    # as modified (inotify race); either way it fires, and the folder itself never does.
    assert fired.payload["change"] in ("create", "modify")
    assert Path(fired.payload["path"]).parent == root / "sub"  # the folder itself did not fire


async def test_file_trigger_waits_for_a_missing_folder(
    add_task, started_engine, watch_fires, tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(files, "RETRY_FIRST", 0.05)
    later = tmp_path / "not-yet"
    task = add_task(name="later", triggers=[file_trigger(later)])
    engine = await started_engine()
    fires = watch_fires(engine)
    await asyncio.wait_for(engine.sources.ready(), 10)
    assert "does not exist" in caplog.text  # reported, and the engine goes on

    later.mkdir()
    await write_until_fired(later, fires)
    assert fires.seen[0].task_id == task.task_id


async def test_file_watchers_follow_changed_paused_and_deleted_tasks(
    add_task, service, started_engine, tmp_path
):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    task = add_task(name="mover", triggers=[file_trigger(a)])
    engine = await started_engine()
    assert engine.sources.files.paths == [str(a)]

    service.update_task("mover", {"triggers": [file_trigger(b)]}, actor=OWNER)
    engine.wake()
    await engine.tick()
    assert engine.sources.files.paths == [str(b)]

    service.pause_task("mover", actor=OWNER)
    engine.wake()
    await engine.tick()
    assert engine.sources.files.paths == []

    service.resume_task("mover", actor=OWNER)
    engine.wake()
    await engine.tick()
    assert engine.sources.files.paths == [str(b)]

    service.delete_task(str(task.task_id), actor=OWNER)
    engine.wake()
    await engine.tick()
    assert engine.sources.files.paths == []


def test_file_changes_reports_a_new_file_once_and_later_edits():
    created: dict[str, float] = {}
    batch = {(Change.modified, "/d/a.csv"), (Change.added, "/d/a.csv"), (Change.deleted, "/d/old")}
    assert file_changes(batch, created, at=10.0) == [("/d/a.csv", "create")]
    assert file_changes({(Change.modified, "/d/a.csv")}, created, at=10.5) == []  # the same write
    assert file_changes({(Change.modified, "/d/a.csv")}, created, at=12.0) == [("/d/a.csv", "modify")]
    assert file_changes({(Change.modified, "/d/b.csv")}, created, at=12.1) == [("/d/b.csv", "modify")]

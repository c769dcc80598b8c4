"""Secrets at run time through the engine: put into the action for one run, masked in
everything the run leaves behind (row, log file, error, notices), read again at every run."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from scheduler import actions
from scheduler.actions.base import ActionConfig, ActionResult
from scheduler.models import RunStatus, TaskStatus
from scheduler.secret_box import SecretBox
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

ALICE = Actor("alice", Role.OPERATOR)  # runs shell tasks without waiting for an admin
ADMIN = Actor("root", Role.ADMIN)
VALUE = "tok_canary/71+x=Q"  # '/', '+' and '=' make the encoded forms differ from the value


async def _started(make_engine, service: Service, **engine: Any):
    built = make_engine(secrets=service, **engine)
    service.on_change = built.wake
    await built.start()
    return built


async def _run(make_engine, service: Service, ref: str, actor: Actor = ALICE, **engine: Any):
    built = await _started(make_engine, service, **engine)
    run = service.run_now(ref, actor=actor)
    await built.run_until_idle()
    return service.get_run(run.run_id)


def _capture(monkeypatch: pytest.MonkeyPatch, kind: str) -> list[Any]:
    seen: list[Any] = []

    async def record(action: Any, ctx: Any) -> ActionResult:
        seen.append(action)
        return ActionResult(ok=True, summary="recorded")

    monkeypatch.setitem(actions.runners(), kind, record)
    return seen


def _shell_task(service: Service, script: str, name: str = "leaky") -> None:
    service.create_task(service.build_spec({
        "name": name, "triggers": [{"kind": "cron", "expression": "0 9 * * *"}],
        "action": {"kind": "shell", "argv": [script], "use_shell": True,
                   "env": {"TOKEN": "{{ secrets.TOKEN }}"}},
    }), actor=ALICE)


async def test_a_shell_task_printing_its_secret_leaves_only_the_mask(make_engine, service, store,
                                                                    notifier) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    _shell_task(service, 'echo "plain=$TOKEN"; printf %s "$TOKEN" | base64; '
                         'python3 -c "import os,urllib.parse as u; print(u.quote(os.environ[\'TOKEN\'], safe=\'\'))"; '
                         'echo "err=$TOKEN" >&2; exit 3')
    run = await _run(make_engine, service, "leaky")
    assert run.status == RunStatus.FAILED
    assert run.stdout is not None and run.stdout.count("[secret TOKEN]") == 3
    kept = [run.stdout, run.stderr, run.error, str(run.result), Path(run.log_path or "").read_text()]
    kept += [n.text for n in notifier.sent]
    assert not any(VALUE in text for text in kept)
    assert "err=[secret TOKEN]" in (run.stderr or "")
    assert notifier.sent and "[secret TOKEN]" in notifier.sent[-1].text


async def test_the_action_gets_the_value_and_the_next_run_gets_a_new_one(make_engine, service,
                                                                        monkeypatch) -> None:
    seen = _capture(monkeypatch, "shell")
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    _shell_task(service, "true")
    await _run(make_engine, service, "leaky")
    service.set_secret("TOKEN", "rotated-value-2", actor=ALICE)
    await _run(make_engine, service, "leaky")
    assert [a.env["TOKEN"] for a in seen] == [VALUE, "rotated-value-2"]
    assert service.get_task("leaky").action.env["TOKEN"] == "{{ secrets.TOKEN }}"


async def test_a_run_fails_with_the_reason_when_its_secret_is_gone(make_engine, service) -> None:
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    _shell_task(service, "true")
    service.delete_secret("TOKEN", actor=ALICE)
    run = await _run(make_engine, service, "leaky")
    assert run.status == RunStatus.FAILED and "'TOKEN' is not set" in (run.error or "")


async def test_an_unapproved_ai_task_never_gets_a_secret(make_engine, service, store, clock,
                                                         monkeypatch) -> None:
    seen = _capture(monkeypatch, "shell")
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    ai = Actor("alice", Role.MEMBER, ai_run_id=1)
    spec = service.build_spec({"name": "ai-made", "triggers": [{"kind": "cron", "expression": "0 9 * * *"}],
                               "action": {"kind": "shell", "argv": ["env"], "env": {"T": "{{ secrets.TOKEN }}"}}})
    task = service.create_task(spec, actor=ai)
    assert task.status == TaskStatus.PENDING_APPROVAL
    # Even switched on behind the service's back, the run refuses to read the secret.
    store.update_task(task.task_id, status=TaskStatus.ACTIVE, actor="test", now=clock.now())
    run = await _run(make_engine, service, "ai-made")
    assert run.status == RunStatus.FAILED and "approved" in (run.error or "") and seen == []


async def test_a_workflow_step_uses_a_secret_beside_event_data(make_engine, service, monkeypatch) -> None:
    seen = _capture(monkeypatch, "http")
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    service.create_workflow("deploy", [{"name": "call", "action": {
        "kind": "http", "url": "https://example.com/{{ event.data.env }}",
        "headers": {"Authorization": "Bearer {{ secrets.TOKEN }}"}}}],
        actor=ALICE, triggers=[{"kind": "event", "event": "deploy.done"}])
    engine = await _started(make_engine, service)
    service.emit("deploy.done", {"env": "prod", "x": "{{ secrets.TOKEN }}"}, actor=ALICE)
    await engine.run_until_idle()
    [action] = seen
    assert action.url == "https://example.com/prod"
    assert action.headers["Authorization"] == f"Bearer {VALUE}"


async def test_event_data_naming_a_secret_stays_text(make_engine, service, monkeypatch) -> None:
    seen = _capture(monkeypatch, "http")
    service.set_secret("TOKEN", VALUE, actor=ALICE)
    service.create_task(service.build_spec({
        "name": "relay", "triggers": [{"kind": "event", "event": "in"}],
        "action": {"kind": "http", "url": "https://example.com/", "body": "{{ event.data.text }}"}}),
        actor=ALICE)
    engine = await _started(make_engine, service)
    service.emit("in", {"text": "{{ secrets.TOKEN }}"}, actor=ALICE)
    await engine.run_until_idle()
    assert [a.body for a in seen] == ["{{ secrets.TOKEN }}"]  # inserted once, never rendered


async def test_a_database_url_takes_a_shared_secret_at_run_time(make_engine, store: Store, clock,
                                                                tmp_path: Path) -> None:
    db = tmp_path / "reports.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (42)")
    service = Service(store, clock=clock, sql_databases=["reports"],
                      secret_box=SecretBox(key_file=tmp_path / "k"))
    service.set_secret("REPORTS_PATH", str(db), actor=ADMIN, shared=True)
    service.create_task(service.build_spec({
        "name": "admin-count", "triggers": [{"kind": "cron", "expression": "0 9 * * *"}],
        "action": {"kind": "sql", "database": "reports", "statement": "SELECT x FROM t"}}), actor=ADMIN)
    config = ActionConfig(data_dir=tmp_path / "data",
                          sql_databases={"reports": "sqlite:///{{ secrets.REPORTS_PATH }}"})
    run = await _run(make_engine, service, "admin-count", ADMIN, config=config)
    assert run.status == RunStatus.COMPLETED, run.error
    assert run.result and run.result["rows"] == [[42]]

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.notifier import RecordingNotifier

from scheduler.actions.base import ActionConfig
from scheduler.clock import FakeClock
from scheduler.engine import Engine, EngineOptions
from scheduler.models import Task
from scheduler.secret_box import SecretBox
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

# Engine tests are about running tasks, not approving them: the owner may run code (shell,
# writing SQL) without an admin. tests/scheduler/test_access_matrix.py covers who may.
OWNER = Actor("alice", Role.OPERATOR)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def service(store: Store, clock: FakeClock, tmp_path: Path) -> Service:
    # Engine tests drive tasks every second; the floor on recurring intervals is tested on its own.
    return Service(store, clock=clock, default_timezone="UTC", min_interval=timedelta(seconds=1),
                   secret_box=SecretBox(key_file=tmp_path / "secret.key"))


@pytest.fixture
def add_task(service: Service) -> Callable[..., Task]:
    """Create a task through the service; keyword overrides on a noop task every 10 minutes."""

    def build(**fields: Any) -> Task:
        data: dict[str, Any] = {
            "name": fields.pop("name", "job"),
            "triggers": [{"kind": "cron", "expression": "*/10 * * * *"}],
            "action": {"kind": "noop"},
        }
        data.update(fields)
        return service.create_task(service.build_spec(data), actor=OWNER)

    return build


@pytest.fixture
async def make_engine(
    store: Store, clock: FakeClock, tmp_path: Path, notifier: RecordingNotifier
) -> AsyncIterator[Callable[..., Engine]]:
    engines: list[Engine] = []

    def build(*, start_store: Store | None = None, secrets: Any = None,
              config: ActionConfig | None = None, **options: Any) -> Engine:
        engine = Engine(
            start_store or store,
            config=config or ActionConfig(data_dir=tmp_path / "data"),
            clock=clock,
            notifier=notifier,
            options=EngineOptions(**options),
            secrets=secrets,
        )
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        engine._db.shutdown(wait=False)

"""The composition root: builds the store, service, engine and plugs the ports in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from connectors.console import ConsoleNotifier
from scheduler.actions.base import ActionConfig
from scheduler.clock import Clock, SystemClock
from scheduler.engine import Engine, EngineOptions
from scheduler.ports import Notifier
from scheduler.service import Actor, Role, Service
from scheduler.store import Store

from .settings import Settings


@dataclass
class App:
    settings: Settings
    clock: Clock

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.effective_database_url)

    @cached_property
    def notifier(self) -> Notifier:
        return ConsoleNotifier()

    @cached_property
    def action_config(self) -> ActionConfig:
        s = self.settings
        return ActionConfig(
            data_dir=s.data_dir,
            http_allowed_hosts=frozenset(h.lower().rstrip(".") for h in s.http_allowed_hosts),
            sql_databases=dict(s.sql_databases),
            shell_sandbox=s.shell_sandbox,
            shell_unprivileged_user=s.shell_user,
        )

    @cached_property
    def service(self) -> Service:
        return Service(
            self.store,
            clock=self.clock,
            default_timezone=self.settings.default_timezone,
            sql_databases=list(self.settings.sql_databases),
        )

    @property
    def local_actor(self) -> Actor:
        """Whoever runs the CLI on this machine owns the install."""
        return Actor(user=self.settings.user, role=Role.ADMIN)

    def engine(self) -> Engine:
        s = self.settings
        engine = Engine(
            self.store,
            config=self.action_config,
            clock=self.clock,
            notifier=self.notifier,
            options=EngineOptions(
                lease_ttl=s.lease_ttl,
                heartbeat_interval=s.heartbeat_interval,
                max_concurrent_runs=s.max_concurrent_runs,
                allow_overlap_cap=s.allow_overlap_cap,
            ),
        )
        self.service.on_change = engine.wake
        return engine


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    return App(settings=settings or Settings(), clock=clock or SystemClock())

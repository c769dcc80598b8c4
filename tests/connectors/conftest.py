"""Connectors under test talk through the real slack-sdk / python-telegram-bot / smtplib clients
to local servers (tests/fakes), with the real assistant in offline mode (no model) and an engine
on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.slack_api import SIGNING_SECRET, FakeSlackApi
from fakes.smtp_server import FakeSmtpServer
from fakes.telegram_api import TOKEN, WEBHOOK_SECRET, FakeTelegramApi

from agent.assistant import Assistant
from connectors.chat import ChatGateway
from connectors.console import ConsoleNotifier
from connectors.delivery import DeliveryRouter, RetryPolicy
from connectors.slack.app import SlackConfig, SlackConnector
from connectors.slack.delivery import SlackChannel
from connectors.slack.http import slack_router
from connectors.telegram.bot import TelegramConfig, TelegramConnector
from connectors.telegram.delivery import TelegramChannel
from connectors.telegram.http import telegram_router
from connectors.web import build_api
from scheduler.actions.base import ActionConfig
from scheduler.clock import FakeClock
from scheduler.engine import Engine, EngineOptions
from scheduler.people import AccessPolicy
from scheduler.secret_box import SecretBox
from scheduler.service import Service
from scheduler.store import Store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'connectors.db'}")
    yield store
    store.close()


@pytest.fixture
def policy() -> AccessPolicy:
    return AccessPolicy(admins=frozenset({"slack:UADMIN"}), allowed=frozenset({"telegram:42"}))


@pytest.fixture
def service(sqlite_store: Store, clock: FakeClock, policy: AccessPolicy, tmp_path: Path) -> Service:
    return Service(sqlite_store, clock=clock, default_timezone="UTC", access_policy=policy,
                   secret_box=SecretBox(key_file=tmp_path / "secret.key"))


@pytest.fixture
def gateway(service: Service, clock: FakeClock) -> ChatGateway:
    assistant = Assistant(service, model=None, default_timezone="UTC")
    return ChatGateway(service=service, assistant=lambda: assistant, clock=clock)


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    api = await FakeSlackApi().start()
    api.add_user("U1", tz="Europe/Berlin", name="Ann")
    yield api
    await api.stop()


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramApi]:
    api = await FakeTelegramApi().start()
    yield api
    await api.stop()


@pytest.fixture
async def smtp_server() -> AsyncIterator[FakeSmtpServer]:
    server = await FakeSmtpServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def slack(slack_api: FakeSlackApi, gateway: ChatGateway) -> AsyncIterator[SlackConnector]:
    connector = SlackConnector(
        SlackConfig(bot_token="xoxb-test", signing_secret=SIGNING_SECRET, api_url=slack_api.api_url), gateway
    )
    yield connector
    await connector.stop()


@pytest.fixture
async def slack_http(slack: SlackConnector) -> AsyncIterator[httpx.AsyncClient]:
    async with _client_of(slack_router(slack)) as client:
        yield client


@pytest.fixture
async def telegram(telegram_api: FakeTelegramApi, gateway: ChatGateway) -> AsyncIterator[TelegramConnector]:
    connector = TelegramConnector(
        TelegramConfig(bot_token=TOKEN, api_url=telegram_api.api_url, webhook_secret=WEBHOOK_SECRET,
                       webhook_url="https://example.invalid/telegram/webhook"),
        gateway,
    )
    await connector.start()
    yield connector
    await connector.stop()


@pytest.fixture
async def telegram_http(telegram: TelegramConnector) -> AsyncIterator[httpx.AsyncClient]:
    async with _client_of(telegram_router(telegram)) as client:
        yield client


def _client_of(router: Any) -> httpx.AsyncClient:
    """An HTTP client that calls cronpilot's API with ``router`` in-process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=build_api([router])), base_url="http://cronpilot")


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_router(service: Service, sleeps: list[float]) -> Callable[..., DeliveryRouter]:
    """A delivery router with recorded (not slept) waits, over whichever channels a test gives."""

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    async def locate(task_id: int) -> dict[str, str]:
        return service.get_task(task_id).destination

    def build(*, slack: SlackConnector | None = None, telegram: TelegramConnector | None = None,
              console: Any = None, **channels: Any) -> DeliveryRouter:
        router = DeliveryRouter(default=console or ConsoleNotifier(), locate=locate,
                                retry=RetryPolicy(attempts=3), sleep=record)
        if slack is not None:
            router.add_channel("slack", SlackChannel(slack.client))
        if telegram is not None:
            router.add_channel("telegram", TelegramChannel(telegram.bot))
        for name, channel in channels.items():
            router.add_channel(name, channel)
        return router

    return build


@pytest.fixture
def make_engine(sqlite_store: Store, clock: FakeClock, tmp_path: Path) -> Iterator[Callable[..., Engine]]:
    engines: list[Engine] = []

    def build(notifier: Any, **config: Any) -> Engine:
        engine = Engine(sqlite_store, config=ActionConfig(data_dir=tmp_path / "data", **config), clock=clock,
                        notifier=notifier, options=EngineOptions())
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        engine._db.shutdown(wait=False)

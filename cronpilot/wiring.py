"""The composition root: builds the store, service, engine and plugs the ports in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from connectors.console import ConsoleNotifier
from scheduler.access import AIRunBudget
from scheduler.actions.base import ActionConfig, SmtpConfig
from scheduler.clock import Clock, SystemClock
from scheduler.datadir import make_private
from scheduler.engine import Engine, EngineOptions
from scheduler.errors import ActionFailed, CronpilotError
from scheduler.people import AccessPolicy
from scheduler.ports import AIRequest, AIResult, AIRunner, EngineObserver, LogArchive, Notifier
from scheduler.secret_box import KEY_FILE_NAME, SecretBox
from scheduler.service import Actor, Role, Service, SpawnPolicy, TaskQuota
from scheduler.store import Store
from scheduler.store.dialect import redact

from .settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # the connectors pull in slack-bolt, PTB and FastAPI: imported when first used
    from langchain_core.language_models import BaseChatModel

    from agent.assistant import Assistant  # langchain is slow to import: only when chatting
    from agent.config import ModelConfig
    from connectors.chat import ChatGateway
    from connectors.runtime import Connectors


@dataclass
class App:
    settings: Settings
    clock: Clock

    @cached_property
    def store(self) -> Store:
        make_private(self.settings.data_dir)
        # The box is asked for only by a migration that encrypts old rows (webhook secrets).
        return Store(self.settings.effective_database_url, secret_box=lambda: self.secret_box)

    @cached_property
    def secret_box(self) -> SecretBox:
        """Seals stored secrets: CRONPILOT_SECRET_KEY, else the key file in the data folder."""
        key = self.settings.secret_key
        return SecretBox(key=key.get_secret_value() if key else None,
                         key_file=self.settings.data_dir / KEY_FILE_NAME)

    @property
    def database_label(self) -> str:
        """The database URL for people to read (password hidden)."""
        return redact(self.settings.effective_database_url)

    def close(self) -> None:
        """Release the database, if this App opened it."""
        if "store" in self.__dict__:
            self.store.close()

    @cached_property
    def notifier(self) -> Notifier:
        """Routes each notice to where its task was asked from (Slack, Telegram, email, here)."""
        return self.connectors.notifier

    @cached_property
    def connectors(self) -> Connectors:
        from connectors.runtime import Connectors

        s = self.settings
        slack = telegram = None
        # Each platform's module pulls in its SDK (an extra): imported only when it is configured,
        # so the light default install (terminal chat, no keys) never needs slack-bolt or PTB.
        if s.slack_bot_token:
            from connectors.slack.app import SlackConfig

            slack = SlackConfig(bot_token=s.slack_bot_token.get_secret_value(),
                                signing_secret=_plain(s.slack_signing_secret),
                                app_token=_plain(s.slack_app_token), api_url=s.slack_api_url,
                                team_ids=frozenset(s.slack_team_ids), app_id=s.slack_app_id)
        if s.telegram_bot_token:
            from connectors.telegram.bot import TelegramConfig

            telegram = TelegramConfig(bot_token=s.telegram_bot_token.get_secret_value(),
                                      api_url=s.telegram_api_url,
                                      webhook_secret=_plain(s.telegram_webhook_secret),
                                      webhook_url=s.telegram_webhook_url)

        async def locate(task_id: int) -> dict[str, str]:
            return (await asyncio.to_thread(self.service.get_task, task_id)).destination

        return Connectors(gateway=self.gateway, console=ConsoleNotifier(), slack=slack,
                          telegram=telegram, smtp=self.action_config.smtp, locate=locate, ledger=self.service)

    @cached_property
    def gateway(self) -> ChatGateway:
        from connectors.chat import ChatGateway

        # The assistant is looked up on first message: delivery-only uses never build it.
        return ChatGateway(service=self.service, assistant=lambda: self.assistant, clock=self.clock,
                           default_timezone=self.settings.default_timezone,
                           dashboard_url=self.settings.effective_dashboard_url,
                           messages_per_minute=self.settings.chat_messages_per_minute)

    @cached_property
    def action_config(self) -> ActionConfig:
        s = self.settings
        return ActionConfig(
            data_dir=s.data_dir,
            http_allowed_hosts=frozenset(h.lower().rstrip(".") for h in s.http_allowed_hosts),
            sql_databases=dict(s.sql_databases),
            sql_own_database_url=s.effective_database_url,
            sql_allow_own_database=frozenset(s.sql_allow_own_database),
            shell_sandbox=s.shell_sandbox,
            shell_unprivileged_user=s.shell_user,
            smtp=_smtp_config(s),
        )

    @cached_property
    def service(self) -> Service:
        service = Service(
            self.store,
            clock=self.clock,
            default_timezone=self.settings.default_timezone,
            sql_databases=list(self.settings.sql_databases),
            spawn_policy=self.spawn_policy,
            secret_box=self.secret_box,
            engine_heartbeat=self.settings.heartbeat_interval,
            access_policy=self.access_policy,
            shell_workdir=self.shell_workdir,
            ai_templates=_template_names(),
            local_user=self.settings.user,
            min_interval=self.settings.min_interval,
            internal_hosts=list(self.settings.http_allowed_hosts),
            task_quota=TaskQuota(live=self.settings.max_tasks_per_person,
                                 per_hour=self.settings.max_new_tasks_per_hour),
        )
        service.log_archive = self.log_archive
        service.pages.live_log_dir = self.action_config.data_dir / "logs"  # where runs log (execution)
        return service

    @cached_property
    def log_archive(self) -> LogArchive | None:
        """Supabase Storage for big run logs when SUPABASE_URL and SUPABASE_SERVICE_KEY are set
        (no network until a log moves or is read)."""
        s = self.settings
        if not (s.supabase_url and s.supabase_service_key):
            return None
        try:
            from connectors.log_archive import SupabaseLogArchive

            return SupabaseLogArchive(s.supabase_url, s.supabase_service_key.get_secret_value(), bucket=s.log_bucket)
        except ImportError:
            log.warning("SUPABASE_URL is set but the supabase extra is not installed "
                        "(CRONPILOT_EXTRAS=supabase ./run): logs stay in files")
            return None

    @property
    def shell_workdir(self) -> Path:
        """Where shell tasks made in a chat run: CRONPILOT_SHELL_WORKDIR, else the data folder's
        "files" folder (made here, so "run ./backup.sh" has a place to find backup.sh)."""
        s = self.settings
        if s.shell_workdir is not None:
            return s.shell_workdir.expanduser().resolve()
        folder = s.effective_shell_workdir  # the data folder exists: the store made it (private)
        folder.mkdir(parents=True, exist_ok=True)
        return folder.resolve()

    @property
    def access_policy(self) -> AccessPolicy:
        """Who gets an account from chat: admins, open signup per platform, allowed identities."""
        s = self.settings
        allowed = {f"slack:{i}" for i in s.slack_allowed} | {f"telegram:{i}" for i in s.telegram_allowed}
        platforms = (("slack", s.slack_open_signup), ("telegram", s.telegram_open_signup))
        open_signup = {platform for platform, on in platforms if on}
        return AccessPolicy(admins=frozenset(s.admins), open_signup=frozenset(open_signup),
                            allowed=frozenset(allowed))

    @property
    def spawn_policy(self) -> SpawnPolicy:
        s = self.settings
        return SpawnPolicy(per_run=s.ai_spawn_per_run, per_owner_per_day=s.ai_spawn_per_day,
                           max_depth=s.ai_max_depth, min_recurring_interval=s.ai_min_interval)

    @cached_property
    def chat_model(self) -> BaseChatModel | None:
        """The model of the agent and AI tasks; None (offline) without OPENAI_API_KEY."""
        if not self.settings.openai_api_key:
            return None
        from agent.config import openai_chat_model

        try:
            return openai_chat_model(self.model_config)
        except ImportError as exc:  # a light install: the model stack is the `ai` extra
            raise CronpilotError(
                f"OPENAI_API_KEY is set but the model stack isn't installed ({exc.name}): run ./run "
                "again (it adds it when a key is configured) or pip install 'cronpilot[ai]'"
            ) from None

    @property
    def model_config(self) -> ModelConfig:
        from agent.config import ModelConfig

        s = self.settings
        return ModelConfig(model=s.model, api_key=_plain(s.openai_api_key), base_url=s.openai_base_url,
                           timeout=s.model_timeout, max_retries=s.model_max_retries)

    @cached_property
    def ai_runner(self) -> AIRunner | None:
        if self.chat_model is None:
            return None  # the ai action then fails with "no model configured"
        from agent.ai_runner import AgentAIRunner
        from agent.config import AIRunLimits

        s = self.settings
        limits = AIRunLimits(daily_tokens=s.ai_daily_tokens, max_tool_calls=s.ai_max_tool_calls)
        return AgentAIRunner(self.service, self.chat_model, limits=limits, notifier=self.notifier)

    @cached_property
    def assistant(self) -> Assistant:
        """The chat assistant: with the model when configured, otherwise offline."""
        from agent.assistant import Assistant
        from agent.config import ChatLimits

        s = self.settings
        return Assistant(
            self.service, model=self.chat_model, default_timezone=s.default_timezone,
            database_url=s.effective_database_url,
            limits=ChatLimits(max_message_chars=s.chat_max_message_chars,
                              max_tool_calls=s.chat_max_tool_calls),
        )

    @property
    def local_actor(self) -> Actor:
        """Whoever runs the CLI on this machine owns the install: an admin, unless
        CRONPILOT_USER names a person added with another role (the service caps the role by
        theirs, and refuses a removed one)."""
        return Actor(user=self.settings.user, role=Role.ADMIN, origin={"via": "cli-command"})

    def engine(self, *, options: EngineOptions | None = None, observer: EngineObserver | None = None) -> Engine:
        """The engine; ``options`` replaces the settings' (a CLI running work in-process);
        ``observer`` is told what each pass did (serve's metrics)."""
        s = self.settings
        engine = Engine(
            self.store,
            config=self.action_config,
            clock=self.clock,
            notifier=self.notifier,
            # Built at the first AI run, not here: the model stack (LangChain) is slow to import
            # and a restart must end a dead engine's runs first (issue 14: under 5 s).
            ai_runner=_DeferredAIRunner(lambda: self.ai_runner) if self.settings.openai_api_key else None,
            secrets=self.service,
            observer=observer,
            ai_budget=AIRunBudget(
                runs_per_task_per_hour=s.ai_runs_per_hour, model_calls_per_owner_per_hour=s.ai_model_calls_per_hour,
                tokens_per_owner_per_hour=s.ai_tokens_per_hour, ai_made_min_interval=s.ai_min_interval,
            ),
            options=options or EngineOptions(
                lease_ttl=s.lease_ttl,
                heartbeat_interval=s.heartbeat_interval,
                share_lease=s.share_lease,
                record_ahead=s.record_ahead,
                max_concurrent_runs=s.max_concurrent_runs,
                allow_overlap_cap=s.allow_overlap_cap,
                background_checkpoints=True,
                listen_for_changes=True,
            ),
        )
        self.service.on_change = engine.wake
        return engine


class _DeferredAIRunner:
    """An ``AIRunner`` made on first use (its imports off the event loop's thread)."""

    def __init__(self, build: Callable[[], AIRunner | None]) -> None:
        self._build = build
        self._runner: AIRunner | None = None

    async def run(self, request: AIRequest) -> AIResult:
        if self._runner is None:
            try:
                self._runner = await asyncio.to_thread(self._build)
            except CronpilotError as exc:
                raise ActionFailed(str(exc)) from None
            if self._runner is None:
                raise ActionFailed("no model configured (set OPENAI_API_KEY)")
        return await self._runner.run(request)


def _plain(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _template_names() -> list[str]:
    """The AI-task templates in prompts/templates/ (the files, not the agent: no LangChain import)."""
    from pathlib import Path

    here = Path(__file__).resolve().parent.parent / "prompts" / "templates"
    if not here.is_dir():
        import importlib.resources

        here = Path(str(importlib.resources.files("prompts"))) / "templates"
    return sorted(p.stem for p in here.glob("*.md"))


def _smtp_config(s: Settings) -> SmtpConfig | None:
    if not s.smtp_host:
        return None
    port = s.smtp_port or {"tls": 465, "starttls": 587, "none": 25}[s.smtp_security]
    return SmtpConfig(
        host=s.smtp_host, port=port, security=s.smtp_security, user=s.smtp_user,
        password=s.smtp_password.get_secret_value() if s.smtp_password else None,
        sender=s.smtp_from or s.smtp_user or "cronpilot@localhost",
    )


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    return App(settings=settings or Settings(), clock=clock or SystemClock())

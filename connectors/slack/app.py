"""The Slack connector: a slack-bolt ``AsyncApp`` that takes direct messages, mentions, the
``/cronpilot`` command and button clicks, and answers in the thread.

Slack wants an acknowledgement within 3 seconds and retries events it thinks were lost, while an
agent turn can take longer. So every listener only acknowledges and starts the work as a task of
its own (``process_before_response=True`` keeps bolt from running listeners in the background
itself, which makes "acked" mean "our task exists"); the work then drops repeats by event id.
The same listeners serve HTTP mode (``/slack/events``, signatures checked by bolt) and Socket Mode.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent.messages import OutboundMessage
from scheduler.background import BackgroundJobs

from ..chat import ChatEvent, ChatGateway, error_text
from ..identity import Stranger
from ..views import decode_button
from . import blocks

log = logging.getLogger(__name__)


class _TokenSkippedNote(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment on its own and, since we pass a client
    made from that same token, warns at every start that "token will be unused": drop that."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_TokenSkippedNote())

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_PROFILE_TTL = 3600.0  # seconds a users.info answer is reused (time zone, name)
HELP = (
    "I turn requests into scheduled tasks. Write to me in a direct message or mention me in a "
    "channel, e.g. _remind me every Monday at 9 to plan the week_.\n"
    "`/cronpilot tasks` lists your tasks · `/cronpilot runs [task]` shows recent runs · "
    "`/cronpilot dashboard` sends you a sign-in link to the web dashboard · "
    "`/cronpilot help` shows this."
)


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    signing_secret: str | None = None  # HTTP mode (POST /slack/events)
    app_token: str | None = None  # Socket Mode
    api_url: str | None = None  # Web API base URL (tests point it at a local server)
    # Workspaces (team or enterprise ids) whose requests are served; empty: the bot token's own,
    # from auth.test. Signed requests for any other workspace are acknowledged and dropped.
    team_ids: frozenset[str] = frozenset()
    app_id: str | None = None  # when set, requests must carry this api_app_id

    @property
    def base_url(self) -> str:
        url = self.api_url or "https://slack.com/api/"
        return url if url.endswith("/") else url + "/"  # slack_sdk joins "method" onto it


class SlackConnector:
    def __init__(self, config: SlackConfig, gateway: ChatGateway) -> None:
        self.config = config
        self.gateway = gateway
        self.client = AsyncWebClient(token=config.bot_token, base_url=config.base_url, timeout=15)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=config.signing_secret or "",  # "" rather than None: no env fallback
            process_before_response=True,
            request_verification_enabled=bool(config.signing_secret),
            name="cronpilot",
        )
        self._jobs = BackgroundJobs()
        self._profiles: dict[str, tuple[float, str | None, str | None]] = {}
        self._locales: dict[str, str | None] = {}  # Slack user id -> locale, filled by _profile
        self._socket: Any = None
        self._teams: frozenset[str] | None = config.team_ids or None  # learned when not set
        self._register()

    # --- lifecycle -----------------------------------------------------------------------------

    async def start_socket_mode(self) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        assert self.config.app_token, "Socket Mode needs SLACK_APP_TOKEN"
        self._socket = AsyncSocketModeHandler(self.app, self.config.app_token, web_client=self.client)
        await self._socket.connect_async()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        await self.drain()

    async def drain(self) -> None:
        """Wait for the work started by acknowledged events (tests; shutdown)."""
        await self._jobs.drain()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._jobs.spawn(work)

    # --- listeners: acknowledge, then work -----------------------------------------------------------

    def learn_workspace(self, auth_test: Any) -> None:
        """The bot's own workspace (from auth.test: its response or the response's dict) when
        SLACK_TEAM_IDS is not set."""
        auth_test = dict(getattr(auth_test, "data", auth_test))
        if not self.config.team_ids:
            found = {str(auth_test.get(k)) for k in ("team_id", "enterprise_id") if auth_test.get(k)}
            self._teams = frozenset(found) or None

    async def _our_workspaces(self) -> frozenset[str]:
        if self._teams is None:
            try:
                self.learn_workspace(await self.client.auth_test())
            except Exception:
                log.warning("auth.test failed: can't tell which workspace is ours", exc_info=True)
        return self._teams or frozenset()

    async def _is_ours(self, body: dict[str, Any], context: Any) -> bool:
        """A signed request is still refused when it is for another workspace or app: a
        signing secret shared by a distributed app, or a leaked one, must not open the door."""
        app_id = body.get("api_app_id") or (body.get("view") or {}).get("app_id")
        if self.config.app_id and app_id and app_id != self.config.app_id:
            return False
        team = getattr(context, "team_id", None) or body.get("team_id") or (body.get("team") or {}).get("id")
        enterprise = getattr(context, "enterprise_id", None)
        ours = await self._our_workspaces()
        return bool({t for t in (team, enterprise) if t} & ours)

    def _register(self) -> None:
        app = self.app

        @app.middleware
        async def only_our_workspace(
            body: dict[str, Any], context: Any, next: Callable[[], Awaitable[None]]
        ) -> BoltResponse | None:
            if await self._is_ours(body, context):
                await next()
                return None
            log.warning("slack request for another workspace dropped", extra={
                "team": getattr(context, "team_id", None), "api_app_id": body.get("api_app_id")})
            return BoltResponse(status=200, body="")  # acknowledged, so Slack doesn't retry

        @app.event("app_mention")
        async def on_mention(event: dict[str, Any], body: dict[str, Any]) -> None:
            self._spawn(self._message(event, body, private=False))

        @app.event("message")
        async def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
            # Channel messages reach us as app_mention; here only direct messages, and no edits,
            # joins or bot posts (subtypes).
            if event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id"):
                self._spawn(self._message(event, body, private=True))

        @app.command("/cronpilot")
        async def on_command(
            ack: Callable[..., Awaitable[Any]], command: dict[str, Any], respond: Any
        ) -> None:
            await ack()
            self._spawn(self._command(command, respond))

        @app.action(re.compile(f"^{re.escape(blocks.ACTION_PREFIX)}"))
        async def on_button(ack: Callable[..., Awaitable[Any]], body: dict[str, Any], respond: Any) -> None:
            await ack()
            self._spawn(self._button(body, respond))

    # --- the work ----------------------------------------------------------------------------

    async def _message(self, event: dict[str, Any], body: dict[str, Any], *, private: bool) -> None:
        user, channel = event.get("user"), event.get("channel")
        if not user or not channel or event.get("bot_id"):
            return
        team = str(body.get("team_id") or event.get("team") or "")
        if event.get("user_team") and event["user_team"] != team:
            return  # someone from another organization in a shared channel: not ours to serve
        thread = event.get("thread_ts") or ("" if private else event.get("ts", ""))
        conversation = {"platform": "slack", "team": team, "channel": channel}
        if thread:
            conversation["thread"] = thread
        zone, name = await self._profile(user)
        event_id = body.get("event_id") or f"{channel}:{event.get('ts')}"
        reply = await self.gateway.converse(ChatEvent(
            platform="slack", platform_user=user, text=_MENTION.sub("", event.get("text") or "").strip(),
            conversation=conversation,
            conversation_id=":".join(["slack", team, channel, *([thread] if thread else [])]),
            display_name=name, timezone=zone, message_id=event.get("client_msg_id") or event.get("ts"),
            event_key=f"slack:{event_id}", private=private, locale=self._locales.get(user),
        ))
        if reply is not None:
            await self._post(channel, thread or None, reply)

    async def _command(self, command: dict[str, Any], respond: Any) -> None:
        text = (command.get("text") or "").strip()
        word, _, rest = text.partition(" ")
        user, channel = command.get("user_id", ""), command.get("channel_id", "")
        team = command.get("team_id", "")
        try:
            if word.lower() in ("", "help"):
                await respond(text=HELP)
                return
            if word.lower() == "dashboard":
                # The slash command's answer is ephemeral: only the person sees their link.
                who = await self.gateway.identify("slack", user, display_name=command.get("user_name"))
                await respond(text=who.reason if isinstance(who, Stranger) else await self.gateway.dashboard_link(who))
                return
            if word.lower() in ("tasks", "list", "runs"):
                who = await self.gateway.identify("slack", user, display_name=command.get("user_name"))
                if isinstance(who, Stranger):
                    await respond(text=who.reason)
                    return
                zone = self.gateway.zone_of(who, (await self._profile(user))[0])
                if word.lower() == "runs":
                    views = await self.gateway.runs_of(who, zone=zone, task=rest.strip() or None)
                    fallback, body = blocks.run_list_message(views, task=rest.strip() or None)
                else:
                    tasks, total = await self.gateway.tasks_of(who, zone=zone)
                    fallback, body = blocks.task_list_message(tasks, total)
                await respond(text=fallback, blocks=body)
                return
            profile_zone, name = await self._profile(user)
            reply = await self.gateway.converse(ChatEvent(
                platform="slack", platform_user=user, text=text,
                conversation={"platform": "slack", "team": team, "channel": channel},
                conversation_id=f"slack:{team}:{channel}:{user}", display_name=name, timezone=profile_zone,
                event_key=f"slack:command:{command.get('trigger_id') or time.time_ns()}",
                private=channel.startswith("D"), locale=self._locales.get(user),
            ))
            if reply is not None:
                fallback, body = blocks.reply_message(reply)
                await respond(text=fallback, blocks=body)
        except Exception as exc:
            log.warning("slash command failed", exc_info=True)
            await respond(text=error_text(exc))

    async def _button(self, body: dict[str, Any], respond: Any) -> None:
        action = (body.get("actions") or [{}])[0]
        label = (action.get("text") or {}).get("text", "")
        button = decode_button(str(action.get("value") or ""), label=label)
        user = (body.get("user") or {}).get("id", "")
        if button is None or not user:
            return
        reply = await self.gateway.press(
            platform="slack", platform_user=user, button=button,
            event_key=f"slack:action:{action.get('action_ts')}:{user}",
        )
        if reply is None:
            return
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id")
        if message and channel and not (body.get("container") or {}).get("is_ephemeral"):
            await self._post(channel, message.get("thread_ts") or message.get("ts"), reply)
        else:
            fallback, blocks_ = blocks.reply_message(reply)
            await respond(text=fallback, blocks=blocks_, replace_original=False)

    async def _post(self, channel: str, thread: str | None, reply: OutboundMessage) -> None:
        fallback, body = blocks.reply_message(reply)
        try:
            await self.client.chat_postMessage(
                channel=channel, thread_ts=thread, text=fallback, blocks=body,
                unfurl_links=False, unfurl_media=False,
            )
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("slack reply not sent", extra={"channel": channel, "error": error})

    async def _profile(self, user: str) -> tuple[str | None, str | None]:
        """(time zone, name) from users.info, cached: the zone Slack shows the person. The
        person's locale ("de-DE") comes with it and is kept in ``_locales``."""
        cached = self._profiles.get(user)
        if cached and time.monotonic() - cached[0] < _PROFILE_TTL:
            return cached[1], cached[2]
        zone = name = None
        try:
            answer = await self.client.users_info(user=user, include_locale=True)
            profile = answer.get("user") or {}
            zone = profile.get("tz")
            self._locales[user] = profile.get("locale")
            name = profile.get("real_name") or profile.get("name")
        except SlackApiError as exc:  # missing users:read scope, a deleted user: default zone then
            log.info("users.info failed", extra={"user": user, "error": exc.response.get("error")})
        except Exception:
            log.info("users.info failed", extra={"user": user}, exc_info=True)
        self._profiles[user] = (time.monotonic(), zone, name)
        return zone, name

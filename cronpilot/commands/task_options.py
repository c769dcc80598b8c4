"""The flags ``task add`` and ``task edit`` share, declared once, and their translation into
task fields. Typer reads a command's ``__signature__``, so both commands get the same options."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import typer

from scheduler.durations import parse_duration
from scheduler.errors import InvalidRequest
from scheduler.models import DependencyCondition, MisfirePolicy, OverlapPolicy, Task, check_timezone
from scheduler.trigger_text import condition_trigger, email_destination, file_trigger, pg_trigger
from scheduler.triggers import CronTrigger, DstPolicy, RRuleTrigger, public_holidays

F = TypeVar("F", bound=Callable[..., Any])
KW = inspect.Parameter.KEYWORD_ONLY

# (name, annotation, typer option)
_OPTIONS: list[tuple[str, Any, Any]] = [
    ("name", str | None, typer.Option(None, "--name", "-n", help="A unique name (default: from the action).")),
    ("cron", list[str], typer.Option([], "--cron", help="Cron expression, 5 fields (or 6 with seconds first). Repeatable.")),
    ("every", str | None, typer.Option(None, "--every", help="Fixed interval, e.g. 90s, 15m, 6h, 1d.")),
    ("at", str | None, typer.Option(None, "--at", help="Once, at this time (ISO; local to --tz unless it has an offset).")),
    ("when", str | None, typer.Option(None, "--when", help="A time phrase: 'every Monday at 9am', 'in 15 minutes'.")),
    ("on", list[str], typer.Option([], "--on", help="Fire on this event (e.g. deploy.done, task.failed:backup). Repeatable.")),
    ("on_file", str | None, typer.Option(None, "--on-file", help="Fire when a file lands in (or changes in) this folder.")),
    ("glob", str | None, typer.Option(None, "--glob", help="With --on-file: which files count, e.g. '*.csv'.")),
    ("when_true", str | None, typer.Option(None, "--when-true", "--condition", help="Fire when this check turns true: 'sh:COMMAND', a URL, or 'sql:DB:STATEMENT'.")),
    ("check_every", str | None, typer.Option(None, "--check-every", help="With --when-true: how often to check (default 1m).")),
    ("on_pg", list[str], typer.Option([], "--on-pg", help="Fire on a PostgreSQL NOTIFY on this channel (see 'cronpilot pg watch-table'). Repeatable.")),
    ("pg_db", str | None, typer.Option(None, "--pg-db", help="With --on-pg: a database from CRONPILOT_SQL_DATABASES (default cronpilot's own).")),
    ("after", str | None, typer.Option(None, "--after", help="Run after these tasks finish: TASK[,TASK]. '' clears.")),
    ("after_condition", DependencyCondition | None, typer.Option(None, "--after-condition", help="Wait for success (default), failure or done.")),
    ("tz", str | None, typer.Option(None, "--tz", help="IANA time zone (default: CRONPILOT_TIMEZONE or the system's).")),
    ("remind", str | None, typer.Option(None, "--remind", help="Reminder text to deliver.")),
    ("shell", bool, typer.Option(False, "--shell", help="Run the command given after -- (no shell).")),
    ("sh", str | None, typer.Option(None, "--sh", help="Run this string with /bin/sh -c.")),
    ("http", str | None, typer.Option(None, "--http", help="Call this URL.")),
    ("method", str | None, typer.Option(None, "--method", help="HTTP method (default GET).")),
    ("header", list[str], typer.Option([], "--header", "-H", help="HTTP header 'Name: value'. Repeatable.")),
    ("data", str | None, typer.Option(None, "--data", help="HTTP request body.")),
    ("sql", str | None, typer.Option(None, "--sql", help="One SQL statement to run.")),
    ("db", str | None, typer.Option(None, "--db", help="Database name from CRONPILOT_SQL_DATABASES.")),
    ("write", bool | None, typer.Option(None, "--write/--read-only", help="Allow the SQL statement to write.")),
    ("email", list[str], typer.Option([], "--email", help="Send an email to this address (with --subject). Repeatable.")),
    ("subject", str | None, typer.Option(None, "--subject", help="Subject of an --email task.")),
    ("body", str | None, typer.Option(None, "--body", help="Text of an --email task (default: the subject).")),
    ("ai", str | None, typer.Option(None, "--ai", help="Prompt for an AI task (needs a model).")),
    ("template", str | None, typer.Option(None, "--template", help="An AI task from a prompt template: daily_summary, digest, ticket_triage, weekly_report.")),
    ("input", list[str], typer.Option([], "--input", help="KEY=VALUE input of a --template (e.g. url=https://…). Repeatable.")),
    ("deliver_to", str | None, typer.Option(None, "--deliver-to", help="Deliver reminders and results to 'email:ADDRESS' ('chat': where the task was made).")),
    ("noop", bool, typer.Option(False, "--noop", help="Do nothing (for trying schedules).")),
    ("env", list[str], typer.Option([], "--env", "-e", help="KEY=VALUE for a shell task. Repeatable.")),
    ("cwd", str | None, typer.Option(None, "--cwd", help="Working directory of a shell task.")),
    ("cpu", int | None, typer.Option(None, "--cpu", help="CPU-time limit of a shell task, seconds.")),
    ("memory", int | None, typer.Option(None, "--memory", help="Memory limit of a shell task, MB.")),
    ("max_procs", int | None, typer.Option(None, "--max-procs", help="Process-count limit of a shell task.")),
    ("max_file_mb", int | None, typer.Option(None, "--max-file-mb", help="File-size limit of a shell task, MB.")),
    ("retries", int | None, typer.Option(None, "--retries", min=0, max=49, help="Retries after a failure.")),
    ("retry_delay", str | None, typer.Option(None, "--retry-delay", help="Wait before the first retry (e.g. 30s).")),
    ("backoff", float | None, typer.Option(None, "--backoff", help="Multiply the wait by this each retry.")),
    ("retry_max_delay", str | None, typer.Option(None, "--retry-max-delay", help="Cap on the wait between retries.")),
    ("timeout", str | None, typer.Option(None, "--timeout", help="Stop a run after this long (e.g. 10m).")),
    ("misfire", MisfirePolicy | None, typer.Option(None, "--misfire", help="What to do with fires missed while down.")),
    ("grace", str | None, typer.Option(None, "--grace", help="A fire this late still counts as on time.")),
    ("dst_skipped", str | None, typer.Option(None, "--dst-skipped", help="A wall time DST skips: shift (run right after the gap, default) or skip.")),
    ("dst_repeated", str | None, typer.Option(None, "--dst-repeated", help="A wall time DST repeats: first (default), last or both.")),
    ("holidays", str | None, typer.Option(None, "--holidays", help="Skip the public holidays of this country on calendar triggers: DE, US-NY… ('' clears).")),
    ("overlap", OverlapPolicy | None, typer.Option(None, "--overlap", help="What to do when a fire comes while a run is going.")),
    ("paused", bool | None, typer.Option(None, "--paused/--enabled", help="Create or set the task paused/enabled.")),
    ("description", str | None, typer.Option(None, "--description", help="A note about the task.")),
    ("json_output", bool, typer.Option(False, "--json", help="Print the task as JSON.")),
]


def with_task_options(*leading: inspect.Parameter) -> Callable[[F], F]:
    """Give a command ``leading`` parameters followed by every shared task option."""

    def decorate(fn: F) -> F:
        params = list(leading) + [
            inspect.Parameter(name, KW, default=default, annotation=annotation)
            for name, annotation, default in _OPTIONS
        ]
        params.append(
            inspect.Parameter(
                "command", KW, default=typer.Argument(None, help="The command of a --shell task, after --."),
                annotation=list[str] | None,
            )
        )
        fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        return fn

    return decorate


def changes_from_options(
    opts: dict[str, Any], *, now: datetime, default_zone: str, current: Task | None = None
) -> dict[str, Any]:
    """Turn the given flags into TaskSpec fields; only what was given (for ``edit``)."""
    changes: dict[str, Any] = {}
    for flag in ("tz", "name", "every", "at", "when"):  # given but empty: refused, never "not given"
        if opts.get(flag) is not None and not opts[flag].strip():
            raise InvalidRequest(f"--{flag} is empty; leave it out or give a value")
    if any(not (c or "").strip() for c in opts.get("cron") or []):
        raise InvalidRequest("--cron is empty; give a cron expression such as '0 9 * * MON'")
    zone = opts.get("tz") or (current.timezone if current else default_zone)
    try:
        zone = check_timezone(zone.strip())
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    if opts.get("tz"):
        changes["timezone"] = zone
    calendar = holiday_calendar(opts)
    triggers = _triggers(opts, zone=zone, now=now, calendar=calendar)
    policy = dst_policy(opts, current=current)
    if policy is not None:
        if triggers is None and current is not None:
            triggers = [t.model_dump() for t in current.triggers]
        triggers = [_with_dst(t, policy) for t in triggers or []]
    if calendar is not None:
        if triggers is None and current is not None:
            triggers = [t.model_dump() for t in current.triggers]
        triggers = [_with_holidays(t, calendar) for t in triggers or []]
    if triggers is not None:
        changes["triggers"] = triggers
    action = _action(opts, current=current)
    if action is not None:
        changes["action"] = action
    changes.update(_policies(opts, current=current))
    if opts.get("name") is not None:
        changes["name"] = opts["name"]
    if opts.get("description") is not None:
        changes["description"] = opts["description"]
    if opts.get("paused") is not None:
        changes["enabled"] = True  # pausing is a status, set by the command
    return changes


def _triggers(opts: dict[str, Any], *, zone: str, now: datetime,
              calendar: str | None) -> list[dict[str, Any]] | None:  # fmt: skip
    triggers: list[dict[str, Any]] = [{"kind": "cron", "expression": c} for c in opts.get("cron") or []]
    if opts.get("every"):
        triggers.append({"kind": "interval", "every": parse_duration(opts["every"])})
    if opts.get("at"):
        triggers.append({"kind": "once", "at": _parse_at(opts["at"], zone)})
    for event in opts.get("on") or []:
        triggers.append({"kind": "event", "event": event})
    triggers.extend(_reactions(opts))
    if opts.get("when"):
        from scheduler.phrases import parse_schedule

        schedule = parse_schedule(opts["when"], zone=zone, now=now, holidays=calendar or None)
        triggers.extend(t.model_dump() for t in schedule.triggers)
    return triggers or None


def dst_policy(opts: dict[str, Any], *, current: Task | None = None) -> DstPolicy | None:
    """The DST policy the flags ask for (unnamed halves kept from the task), or None."""
    skipped, repeated = opts.get("dst_skipped"), opts.get("dst_repeated")
    if skipped is None and repeated is None:
        return None
    old = next((t.dst for t in (current.triggers if current else [])
                if isinstance(t, CronTrigger | RRuleTrigger) and t.dst is not None), None) or DstPolicy()  # fmt: skip
    try:
        return DstPolicy.model_validate({"skipped": (skipped or old.skipped).strip().lower(),
                                         "repeated": (repeated or old.repeated).strip().lower()})
    except ValueError:
        raise InvalidRequest(
            "--dst-skipped is shift or skip; --dst-repeated is first, last or both"
        ) from None


def _with_dst(trigger: dict[str, Any], policy: DstPolicy) -> dict[str, Any]:
    if trigger.get("kind") not in ("cron", "rrule"):
        return trigger
    return {**trigger, "dst": None if policy.is_default else policy.model_dump()}


def _reactions(opts: dict[str, Any]) -> list[dict[str, Any]]:
    """--on-file, --when-true and --on-pg: the reactive triggers, read as the chat and the
    agent's tools read them (``scheduler.trigger_text``)."""
    found: list[dict[str, Any]] = []
    if opts.get("glob") and not opts.get("on_file"):
        raise InvalidRequest("--glob goes with --on-file DIR")
    if opts.get("on_file"):
        found.append(file_trigger(opts["on_file"], glob=opts.get("glob")))
    if opts.get("check_every") and not opts.get("when_true"):
        raise InvalidRequest("--check-every goes with --when-true CHECK")
    if opts.get("when_true"):
        every = parse_duration(opts["check_every"]) if opts.get("check_every") else None
        found.append(condition_trigger(opts["when_true"], every=every))
    if opts.get("pg_db") and not opts.get("on_pg"):
        raise InvalidRequest("--pg-db goes with --on-pg CHANNEL")
    found.extend(pg_trigger(channel, database=opts.get("pg_db")) for channel in opts.get("on_pg") or [])
    return found


def delivery(opts: dict[str, Any]) -> dict[str, str] | Literal[False] | None:
    """--deliver-to: an address, None to deliver where the task was made, False when not given."""
    value = (opts.get("deliver_to") or "").strip()
    if not value:
        return False
    if value.lower() in ("chat", "here", "conversation", "default"):
        return None
    if not value.lower().startswith(("email:", "mailto:")) and "@" not in value:
        raise InvalidRequest(f"--deliver-to {value!r}: use email:ADDRESS (or 'chat' for where the task was made)")
    return email_destination(value)


def holiday_calendar(opts: dict[str, Any]) -> str | None:
    """The holiday calendar ``--holidays`` names ('DE', 'US-NY'), '' to clear it, or None."""
    code = opts.get("holidays")
    if code is None or not code.strip():
        return code if code is None else ""
    try:
        return public_holidays.normalize(code)
    except ValueError as exc:
        raise InvalidRequest(f"--holidays: {exc}") from None


def _with_holidays(trigger: dict[str, Any], calendar: str) -> dict[str, Any]:
    if trigger.get("kind") not in ("cron", "rrule"):
        return trigger
    return {**trigger, "holidays": calendar or None}


def _parse_at(text: str, zone: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest(f"can't read {text!r} as a time; use e.g. 2026-12-01T09:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


def _action(opts: dict[str, Any], *, current: Task | None) -> dict[str, Any] | None:
    chosen = [k for k in ("remind", "sh", "http", "sql", "email") if opts.get(k)]
    if opts.get("ai") or opts.get("template"):
        chosen.append("ai")
    if opts.get("shell"):
        chosen.append("shell")
    if opts.get("noop"):
        chosen.append("noop")
    if len(chosen) > 1:
        raise InvalidRequest(f"choose one action, not {', '.join('--' + c for c in chosen)}")
    kind = chosen[0] if chosen else None
    base = current.action.model_dump() if current is not None else {}
    if kind is None:  # flags that tweak the current action; None when none does
        tweaked = _action_tweaks(opts, copy.deepcopy(base)) if base else None
        return tweaked if tweaked != base else None
    if kind == "remind":
        return {"kind": "reminder", "message": opts["remind"]}
    if kind in ("shell", "sh"):
        argv = [opts["sh"]] if kind == "sh" else list(opts.get("command") or [])
        if not argv:
            raise InvalidRequest("--shell needs a command after --, e.g. --shell -- df -h")
        return _action_tweaks(opts, {"kind": "shell", "argv": argv, "use_shell": kind == "sh"})
    if kind == "http":
        return _action_tweaks(opts, {"kind": "http", "url": opts["http"]})
    if kind == "sql":
        if not opts.get("db") and not (base.get("kind") == "sql"):
            raise InvalidRequest("--sql needs --db NAME (a database from CRONPILOT_SQL_DATABASES)")
        return _action_tweaks(opts, {"kind": "sql", "statement": opts["sql"],
                                     "database": opts.get("db") or base.get("database")})
    if kind == "email":
        if not opts.get("subject"):
            raise InvalidRequest("--email needs --subject TEXT (and optionally --body TEXT)")
        return {"kind": "email", "to": list(opts["email"]), "subject": opts["subject"],
                "body": opts.get("body") if opts.get("body") is not None else opts["subject"]}
    if kind == "ai":
        return _ai_action(opts)
    return {"kind": "noop"}


def _ai_action(opts: dict[str, Any]) -> dict[str, Any]:
    inputs: dict[str, str] = {}
    for item in opts.get("input") or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidRequest(f"an input is KEY=VALUE, got {item!r}")
        inputs[key.strip()] = value
    if inputs and not opts.get("template"):
        raise InvalidRequest("--input goes with --template NAME")
    template = (opts.get("template") or "").strip() or None
    prompt = opts.get("ai") or f"Run the '{template}' template."
    return {"kind": "ai", "prompt": prompt, "template": template, "inputs": inputs}


def _action_tweaks(opts: dict[str, Any], action: dict[str, Any]) -> dict[str, Any]:
    """Flags that refine an action of the same kind (headers, env, limits...)."""
    action = dict(action)
    if action.get("kind") == "http":
        if opts.get("method"):
            action["method"] = opts["method"].upper()
        if opts.get("header"):
            headers = dict(action.get("headers") or {})
            for item in opts["header"]:
                name, sep, value = item.partition(":")
                if not sep or not name.strip():
                    raise InvalidRequest(f"a header is 'Name: value', got {item!r}")
                headers[name.strip()] = value.strip()
            action["headers"] = headers
        if opts.get("data") is not None:
            action["body"] = opts["data"]
    if action.get("kind") == "sql":
        if opts.get("db"):
            action["database"] = opts["db"]
        if opts.get("write") is not None:
            action["allow_writes"] = opts["write"]
    if action.get("kind") == "shell":
        if opts.get("env"):
            env = dict(action.get("env") or {})
            for item in opts["env"]:
                key, sep, value = item.partition("=")
                if not sep or not key:
                    raise InvalidRequest(f"an environment variable is KEY=VALUE, got {item!r}")
                env[key] = value
            action["env"] = env
        if opts.get("cwd"):
            action["cwd"] = opts["cwd"]
        limits = dict(action.get("limits") or {})
        for flag, field in (("cpu", "cpu_seconds"), ("memory", "memory_mb"),
                            ("max_procs", "max_processes"), ("max_file_mb", "max_file_mb")):
            if opts.get(flag) is not None:
                limits[field] = opts[flag]
        action["limits"] = limits
    return action


def _policies(opts: dict[str, Any], *, current: Task | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    retry = current.retry.model_dump() if current else {}
    touched = False
    if opts.get("retries") is not None:
        retry["max_attempts"] = opts["retries"] + 1
        touched = True
    for flag, field in (("retry_delay", "delay"), ("retry_max_delay", "max_delay")):
        if opts.get(flag):
            retry[field] = parse_duration(opts[flag])
            touched = True
    if opts.get("backoff") is not None:
        retry["backoff"] = opts["backoff"]
        touched = True
    if touched:
        changes["retry"] = retry
    if opts.get("timeout"):
        changes["timeout"] = parse_duration(opts["timeout"])
    if opts.get("grace"):
        changes["misfire_grace"] = parse_duration(opts["grace"])
    if opts.get("misfire") is not None:
        changes["misfire_policy"] = opts["misfire"]
    if opts.get("overlap") is not None:
        changes["overlap"] = opts["overlap"]
    return changes


def unchanged_removed(changes: dict[str, Any], current: Task) -> dict[str, Any]:
    """``changes`` without the fields that already have the asked value (a new schedule always
    counts: it starts from now)."""
    now = current.model_dump()
    return {k: v for k, v in changes.items() if k == "triggers" or now.get(k) != v}


def predecessors(opts: dict[str, Any]) -> list[str] | None:
    """The --after list (None when not given; [] clears)."""
    if opts.get("after") is None:
        return None
    return [p.strip() for p in opts["after"].split(",") if p.strip()]


def default_name(action: dict[str, Any]) -> str:
    kind = action.get("kind")
    if kind == "reminder":
        text = action["message"]
    elif kind == "shell":
        text = " ".join(action["argv"])
    elif kind == "http":
        parts = urlsplit(action["url"])
        text = f"{action.get('method', 'GET')} {parts.hostname or ''}{parts.path}"
    elif kind == "sql":
        text = f"sql {action['database']}"
    elif kind == "ai":
        text = action.get("template") or action["prompt"]
    elif kind == "email":
        text = f"email {action['subject']}"
    else:
        text = "task"
    text = " ".join(text.split())[:60].strip() or "task"
    return text if not text.isdigit() and not text.startswith("-") else f"task {text}"

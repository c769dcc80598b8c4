"""`cronpilot when "<phrase>"`: how cronpilot reads a time phrase, and when it would fire.

The fire times come from the engine's own trigger maths (``scheduler.triggers.next_fires``,
DST rule included), so what this prints is exactly what a task with this schedule would do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from scheduler.errors import AmbiguousPhrase, InvalidRequest
from scheduler.models import check_timezone
from scheduler.phrases import Schedule, parse_schedule, preview
from scheduler.triggers import DstPolicy, localtime


def _fail(message: str) -> typer.Exit:
    typer.echo(" ".join(message.split()), err=True)
    return typer.Exit(code=2)


def _zone(tz: str | None) -> str:
    if tz is None:
        from cronpilot.settings import Settings

        try:
            return Settings().default_timezone
        except Exception:
            return "UTC"
    try:
        return check_timezone(tz.strip())
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _now(value: str | None, zone: str) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _fail(
            f"--now must be a local date and time like 2026-06-10T09:30, not {value!r}."
        ) from None
    if parsed.tzinfo is not None:
        return parsed
    return localtime.resolve(parsed, ZoneInfo(zone))


def _calendar(schedule: Schedule) -> bool:
    return any(t.kind in ("cron", "rrule", "once") for t in schedule.triggers)


def _trigger_line(schedule: Schedule) -> list[str]:
    lines = []
    for trigger in schedule.triggers[:5]:
        data = trigger.model_dump(mode="json")
        kind = data.pop("kind")
        lines.append(f"  {kind}: " + ", ".join(f"{k}={v}" for k, v in data.items()))
    if len(schedule.triggers) > 5:
        lines.append(f"  ... and {len(schedule.triggers) - 5} more")
    return lines


def when(
    phrase: Annotated[
        str, typer.Argument(help='A time phrase, e.g. "every other Tuesday at 5pm".')
    ],
    tz: Annotated[
        str | None, typer.Option("--tz", help="IANA time zone (default: your zone).")
    ] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="Local wall time to read the phrase at (ISO 8601).")
    ] = None,
    count: Annotated[
        int, typer.Option("-n", "--count", min=1, max=1000, help="How many fire times.")
    ] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    dst_skipped: Annotated[str | None, typer.Option(
        "--dst-skipped", help="A wall time DST skips: shift (default) or skip.")] = None,
    dst_repeated: Annotated[str | None, typer.Option(
        "--dst-repeated", help="A wall time DST repeats: first (default), last or both.")] = None,
    locale: Annotated[str | None, typer.Option(
        "--locale", help="The person's language (de, es, fr, pt...) when the phrase could be several.")] = None,
    holidays: Annotated[str | None, typer.Option(
        "--holidays", help="Skip the public holidays of this country (DE, US-NY...).")] = None,
) -> None:
    """Show how a time phrase is read and its next fire times."""
    from .task_options import dst_policy, holiday_calendar

    zone = _zone(tz)
    start = _now(now, zone)
    try:
        policy = dst_policy({"dst_skipped": dst_skipped, "dst_repeated": dst_repeated}) or DstPolicy()
        calendar = holiday_calendar({"holidays": holidays}) or None
        schedule = parse_schedule(phrase, zone=zone, now=start, dst=policy, locale=locale,
                                  holidays=calendar)
        fires = preview(schedule, zone=zone, after=start, count=count)
    except AmbiguousPhrase as exc:
        readings = "; ".join(f"{r.label}: say \"{r.phrase}\"" for r in exc.readings)
        raise _fail(f"{exc} Readings: {readings}.") from None
    except InvalidRequest as exc:
        raise _fail(str(exc)) from None
    if as_json:
        payload: dict[str, object] = {
            "kind": schedule.kind,
            "description": schedule.description,
            "trigger": schedule.triggers[0].model_dump(mode="json"),
        }
        if len(schedule.triggers) > 1:
            payload["triggers"] = [t.model_dump(mode="json") for t in schedule.triggers]
        payload["next"] = [f.isoformat() for f in fires]
        if schedule.notes:
            payload["notes"] = list(schedule.notes)
        if _calendar(schedule):
            payload["dst"] = policy.model_dump()
        if schedule.holidays:
            payload["holidays"] = schedule.holidays
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    lines = [
        f"{schedule.description}  ({schedule.kind})",
        "trigger:" if len(schedule.triggers) == 1 else "triggers:",
    ]
    lines += _trigger_line(schedule)
    lines.append(f"next {len(fires)}:" if fires else "next: (no more fire times)")
    lines += [f"  {f:%a %d %b %Y %H:%M:%S} {f.tzname()} ({f.isoformat()})" for f in fires]
    if _calendar(schedule):
        lines.append(f"dst: skipped={policy.skipped}, repeated={policy.repeated} ({policy.describe()})")
    if schedule.holidays:
        lines.append(_holiday_line(schedule, fires, zone))
    lines += [f"note: {n}" for n in schedule.notes]
    typer.echo("\n".join(lines))


def _holiday_line(schedule: Schedule, fires: list[datetime], zone: str) -> str:
    """'holidays: skips public holidays of DE (skipped in this preview: Fri 25 Dec 2026 …)':
    the holidays on which the schedule would have run between the first and last fire shown."""
    from scheduler.triggers import iter_fires, public_holidays

    code = schedule.holidays or ""
    line = f"holidays: skips public holidays of {code}"
    if len(fires) < 2:
        return line
    plain = [t.model_copy(update={"holidays": None}) if hasattr(t, "holidays") else t
             for t in schedule.triggers]  # fmt: skip
    tz = ZoneInfo(zone)
    would_run = {f.astimezone(tz).date() for f in iter_fires(plain, fires[0], tz, until=fires[-1])}
    skipped = [(d, n) for d, n in public_holidays.between(code, fires[0].date(), fires[-1].date())
               if d in would_run]  # fmt: skip
    if skipped:
        line += " (skipped in this preview: " + "; ".join(
            f"{d:%a %d %b %Y} {name}" for d, name in skipped[:4]) + ")"
    return line

"""Score the offline chat on a set of conversations and print the score by kind.

    .venv/bin/python bench/chat_eval.py [bench/chat_set.yaml] [--show-failures] [--kind KIND]

Each conversation starts from a copy of the same world (bench/chat_world.py) and is played
turn by turn through the real ``Assistant`` (no model), the way a person in Slack would type
it. A conversation counts when every turn does what its ``expect`` says — what was created
(kind, text, trigger, next fire), changed, deleted or run, what the reply says — and, unless a
turn expects a task, that nothing was created. See bench/chat_set.yaml for the format.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat_world import DATABASES, NOW, TEMPLATES, ZONE, World

from agent.assistant import Assistant
from agent.messages import InboundMessage
from scheduler.clock import FakeClock
from scheduler.models import Task
from scheduler.service import Service
from scheduler.store import Store

DEFAULT_SET = Path(__file__).with_name("chat_set.yaml")


@dataclass
class Outcome:
    kind: str
    text: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    source: str = ""


def _snapshot(service: Service) -> dict[int, dict[str, Any]]:
    return {t.task_id: t.model_dump(mode="json", exclude={"updated_at", "revision", "last_fire_at", "modified_by"})
            for t in service.store.list_tasks()}


def _triggers_match(task: Task, want: dict[str, Any], problems: list[str]) -> None:
    triggers = [t.model_dump(mode="json") for t in task.triggers]
    kinds = [t["kind"] for t in triggers]
    checks = {
        "cron": lambda t, v: t["kind"] == "cron" and t["expression"] == v,
        "interval": lambda t, v: t["kind"] == "interval" and _seconds(t["every"]) == float(v),
        "once": lambda t, v: t["kind"] == "once" and t["at"].startswith(str(v)),
        "event": lambda t, v: t["kind"] == "event" and t["event"] == v,
        "file": lambda t, v: t["kind"] == "file" and t["path"] == v,
        "glob": lambda t, v: t["kind"] == "file" and t["glob"] == v,
        "condition": lambda t, v: t["kind"] == "condition" and t["check"]["kind"] == v,
        "pg": lambda t, v: t["kind"] == "pg_notify" and t["channel"] == v,
        "rrule": lambda t, v: t["kind"] == "rrule" and v in t["rule"],
    }
    for key, check in checks.items():
        if key in want and not any(check(t, want[key]) for t in triggers):
            problems.append(f"no {key} trigger {want[key]!r} in {kinds}: {triggers}")


def _seconds(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    match = re.fullmatch(r"P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", str(value))
    if not match:
        return -1.0
    d, h, m, s = (float(g or 0) for g in match.groups())
    return d * 86400 + h * 3600 + m * 60 + s


def _check_created(new: list[Task], want: dict[str, Any], reply: str, problems: list[str]) -> None:
    if len(new) != 1:
        problems.append(f"expected one new task, got {[t.name for t in new]}")
        return
    task = new[0]
    action = task.action.model_dump(mode="json")
    if want.get("kind") and action["kind"] != want["kind"]:
        problems.append(f"action {action['kind']} (wanted {want['kind']}): {action}")
        return
    for key in ("url", "method", "database", "template"):
        if key in want and action.get(key) != want[key]:
            problems.append(f"{key} {action.get(key)!r}, wanted {want[key]!r}")
    if "argv" in want and action.get("argv") != want["argv"] and action.get("argv") != [" ".join(want["argv"])]:
        problems.append(f"argv {action.get('argv')!r}, wanted {want['argv']!r}")
    text = str(action.get("message") or action.get("prompt") or action.get("subject") or action.get("statement") or "")
    if "message" in want and text.lower().strip(" .!") != str(want["message"]).lower():
        problems.append(f"text {text!r}, wanted {want['message']!r}")
    for piece in want.get("message_has", []):
        if piece.lower() not in text.lower():
            problems.append(f"text {text!r} lacks {piece!r}")
    if "to" in want and action.get("to") != want["to"]:
        problems.append(f"to {action.get('to')!r}, wanted {want['to']!r}")
    if "deliver_to" in want and ((task.origin or {}).get("deliver_to") or {}).get("address") != want["deliver_to"]:
        problems.append(f"deliver_to {(task.origin or {}).get('deliver_to')!r}, wanted {want['deliver_to']!r}")
    _triggers_match(task, want, problems)
    if "next" in want and f"next {want['next']}" not in reply:
        problems.append(f"reply lacks 'next {want['next']}'")


def _check_turn(service: Service, before: dict[int, dict[str, Any]], reply: str, expect: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    after = _snapshot(service)
    tasks = {t.task_id: t for t in service.store.list_tasks()}
    new = [tasks[i] for i in sorted(set(after) - set(before))]
    lowered = reply.lower()
    if expect.get("creates"):
        _check_created(new, expect["creates"], reply, problems)
    elif new:
        problems.append(f"created {[t.name for t in new]} but should not have")
    for piece in expect.get("reply_has", []):
        if piece.lower() not in lowered:
            problems.append(f"reply lacks {piece!r}")
    for piece in expect.get("reply_lacks", []):
        if piece.lower() in lowered:
            problems.append(f"reply has {piece!r}")
    if expect.get("asks") and "?" not in reply:
        problems.append("reply is not a question")
    if expect.get("refuses") or expect.get("no_change"):
        if after != before:
            problems.append("tasks changed")
        if reply.startswith(("Done", "Deleted", "Paused", "Resumed", "Updated", "Started")):
            problems.append("reply claims an action")
    names = {t.name: t for t in tasks.values()}
    for name, status in (expect.get("status") or {}).items():
        if name not in names or names[name].status.value != status:
            problems.append(f"{name} is {names[name].status.value if name in names else 'gone'}, wanted {status}")
    for name in _as_list(expect.get("deleted")):
        if name in names:
            problems.append(f"{name} was not deleted")
    for name in _as_list(expect.get("kept")):
        if name not in names:
            problems.append(f"{name} was deleted")
    for name in _as_list(expect.get("ran")):
        runs = service.store.list_runs(task_id=names[name].task_id, limit=5) if name in names else []
        if not any(r.reason.value == "manual" and r.created_at >= NOW for r in runs):
            problems.append(f"{name} was not started")
    for name, want in (expect.get("changed") or {}).items():
        task = names.get(want.get("name", name))
        if task is None:
            problems.append(f"no task {want.get('name', name)!r} after the change")
            continue
        _triggers_match(task, want, problems)
        message = str(task.action.model_dump().get("message") or "")
        if "message" in want and message.lower() != want["message"].lower():
            problems.append(f"{name} says {message!r}, wanted {want['message']!r}")
    if "mentions_runs" in expect:
        found = sorted({int(n) for n in re.findall(r"\brun (\d+)", reply)})
        if found != sorted(expect["mentions_runs"]):
            problems.append(f"mentions runs {found}, wanted {expect['mentions_runs']}")
    return problems


def _as_list(value: Any) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


async def _play(world: World, conversation: dict[str, Any]) -> Outcome:
    turns = conversation.get("turns") or [{"say": conversation["say"], "expect": conversation.get("expect", {})}]
    url = world.copy()
    store = Store(url, migrate=False)
    clock = FakeClock(NOW)
    service = Service(store, clock=clock, default_timezone=ZONE, sql_databases=DATABASES, ai_templates=TEMPLATES)
    assistant = Assistant(service, default_timezone=ZONE, database_url=url)
    problems: list[str] = []
    try:
        for number, turn in enumerate(turns, start=1):
            before = _snapshot(service)
            message = InboundMessage(text=turn["say"], user=conversation.get("user", "alice"), role="member",
                                     timezone=ZONE, conversation={"platform": "slack", "team": "T1", "channel": "C1"},
                                     conversation_id="slack:T1:C1")
            reply = (await assistant.handle(message)).text
            problems += [f"turn {number} ({turn['say']!r} → {reply[:160]!r}): {p}"
                         for p in _check_turn(service, before, reply, turn.get("expect") or {})]
            clock.advance(30)
    finally:
        await assistant.aclose()
        store.close()
        world.discard(url)
    text = " ⏎ ".join(t["say"] for t in turns)
    return Outcome(conversation["kind"], text, not problems, problems, conversation.get("src", ""))


def score(path: Path = DEFAULT_SET, *, kind: str | None = None) -> list[Outcome]:
    data = yaml.safe_load(path.read_text())
    conversations = [c for c in data["conversations"] if kind is None or c["kind"] == kind]
    world = World()
    try:
        return asyncio.run(_play_all(world, conversations))
    finally:
        world.close()


async def _play_all(world: World, conversations: list[dict[str, Any]]) -> list[Outcome]:
    return [await _play(world, c) for c in conversations]


def by_kind(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for outcome in outcomes:
        counts[outcome.kind][0] += outcome.ok
        counts[outcome.kind][1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(counts.items())}


def report(outcomes: list[Outcome], *, show_failures: bool = False) -> str:
    lines = [f"{'kind':<16} {'ok':>4} / {'all':<4}  score"]
    for kind, (ok, total) in by_kind(outcomes).items():
        lines.append(f"{kind:<16} {ok:>4} / {total:<4}  {100 * ok / total:5.1f} %")
    ok = sum(o.ok for o in outcomes)
    lines.append(f"{'overall':<16} {ok:>4} / {len(outcomes):<4}  {100 * ok / max(len(outcomes), 1):5.1f} %")
    if show_failures:
        for outcome in outcomes:
            if not outcome.ok:
                lines.append(f"\n✗ [{outcome.kind}] {outcome.text}")
                lines.extend(f"    {p}" for p in outcome.problems)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--kind")
    args = parser.parse_args()
    print(report(score(args.path, kind=args.kind), show_failures=args.show_failures))


if __name__ == "__main__":
    main()

"""Score the agent with a model on a set of conversations: create, change, ask, refuse and
prompt-injection attempts, against any OpenAI-compatible endpoint.

    OPENAI_API_KEY=sk-… CRONPILOT_MODEL=gpt-4o-mini .venv/bin/python bench/agent_eval.py
    OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_API_KEY=ollama CRONPILOT_MODEL=qwen2.5:7b-instruct \\
        .venv/bin/python bench/agent_eval.py                       # Ollama (vLLM, llama.cpp: their /v1)
    .venv/bin/python bench/agent_eval.py --scripted               # the project's scripted model (CI)

Each conversation starts from a copy of the world in bench/chat_world.py and goes through the
real ``Assistant`` with the real OpenAI client. Printed: every turn (tools the model called,
tokens it reported, latency), then the score by kind. The checks are bench/chat_eval.py's
(what was created, changed, deleted, run; what the reply says) plus ``tools``: tools that must
have been called. A conversation that changes anything it shouldn't fails, whatever it says.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.append(str(ROOT / "tests"))  # after the packages: tests/ has folders named like them

from chat_eval import _check_turn, _snapshot
from chat_world import DATABASES, NOW, TEMPLATES, ZONE, World
from langchain_core.callbacks import BaseCallbackHandler

from agent.assistant import Assistant
from agent.config import ModelConfig, openai_chat_model
from agent.messages import InboundMessage
from scheduler.clock import FakeClock
from scheduler.service import Service
from scheduler.store import Store

DEFAULT_SET = Path(__file__).with_name("agent_set.yaml")


class Usage(BaseCallbackHandler):
    """Tokens and tool calls the model reported, per model call."""

    def __init__(self) -> None:
        self.tokens = 0
        self.tools: list[str] = []
        self.calls = 0

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.calls += 1
        for generation in response.generations[0]:
            message = getattr(generation, "message", None)
            usage = getattr(message, "usage_metadata", None) or {}
            self.tokens += int(usage.get("total_tokens") or 0)
            self.tools += [c["name"] for c in getattr(message, "tool_calls", None) or []]


@dataclass
class Turn:
    kind: str
    say: str
    reply: str
    tools: list[str]
    tokens: int
    seconds: float
    problems: list[str] = field(default_factory=list)


async def _play(world: World, config: ModelConfig, conversation: dict[str, Any]) -> list[Turn]:
    turns = conversation.get("turns") or [{"say": conversation["say"], "expect": conversation.get("expect", {})}]
    url = world.copy()
    store = Store(url, migrate=False)
    clock = FakeClock(NOW)
    service = Service(store, clock=clock, default_timezone=ZONE, sql_databases=DATABASES, ai_templates=TEMPLATES)
    model = openai_chat_model(config)
    usage = Usage()
    model.callbacks = [usage]
    assistant = Assistant(service, model=model, default_timezone=ZONE, database_url=url)
    played: list[Turn] = []
    try:
        for turn in turns:
            before = _snapshot(service)
            tokens, tools = usage.tokens, len(usage.tools)
            message = InboundMessage(text=turn["say"], user="alice", role="member", timezone=ZONE,
                                     conversation={"platform": "slack", "team": "T1", "channel": "C1"},
                                     conversation_id="slack:T1:C1")
            started = time.perf_counter()
            reply = (await assistant.handle(message)).text
            seconds = time.perf_counter() - started
            expect = turn.get("expect") or {}
            called = usage.tools[tools:]
            problems = _check_turn(service, before, reply, expect)
            problems += [f"{name} was not called" for name in expect.get("tools", []) if name not in called]
            played.append(Turn(conversation["kind"], turn["say"], reply, called, usage.tokens - tokens, seconds,
                               problems))
            clock.advance(30)
    finally:
        await assistant.aclose()
        store.close()
        world.discard(url)
    return played


def evaluate(config: ModelConfig, path: Path = DEFAULT_SET, *, kind: str | None = None) -> list[list[Turn]]:
    data = yaml.safe_load(path.read_text())
    conversations = [c for c in data["conversations"] if kind is None or c["kind"] == kind]
    world = World()
    try:
        return [asyncio.run(_play(world, config, c)) for c in conversations]
    finally:
        world.close()


def report(results: list[list[Turn]], *, verbose: bool = True) -> str:
    lines: list[str] = []
    if verbose:
        lines.append(f"{'kind':<10} {'ok':<3} {'tokens':>6} {'seconds':>7}  tools · message → reply")
        for conversation in results:
            for turn in conversation:
                mark = "✓" if not turn.problems else "✗"
                tools = ",".join(turn.tools) or "-"
                lines.append(f"{turn.kind:<10} {mark:<3} {turn.tokens:>6} {turn.seconds:>7.2f}  {tools} · "
                             f"{turn.say[:60]!r} → {turn.reply[:80]!r}")
                lines.extend(f"{'':>30}{p}" for p in turn.problems)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for conversation in results:
        by_kind[conversation[0].kind][0] += all(not t.problems for t in conversation)
        by_kind[conversation[0].kind][1] += 1
    lines.append(f"\n{'kind':<10} {'ok':>4} / {'all':<4}  score")
    for name, (ok, total) in sorted(by_kind.items()):
        lines.append(f"{name:<10} {ok:>4} / {total:<4}  {100 * ok / total:5.1f} %")
    ok = sum(v[0] for v in by_kind.values())
    total = sum(v[1] for v in by_kind.values())
    turns = [t for c in results for t in c]
    lines.append(f"{'overall':<10} {ok:>4} / {total:<4}  {100 * ok / max(total, 1):5.1f} %")
    if turns:
        lines.append(f"per turn: {sum(t.tokens for t in turns) / len(turns):.0f} tokens, "
                     f"{sum(len(t.tools) for t in turns) / len(turns):.1f} tool calls, "
                     f"{sum(t.seconds for t in turns) / len(turns):.2f} s "
                     f"(max {max(t.seconds for t in turns):.2f} s)")
    return "\n".join(lines)


@contextmanager
def scripted_endpoint() -> Iterator[ModelConfig]:
    """The scripted model behind a local OpenAI-compatible server on 127.0.0.1."""
    from agent_scripted import reply
    from fakes.openai_server import OpenAIStub

    with OpenAIStub(reply).running() as stub:
        yield ModelConfig(model="scripted", api_key="scripted", base_url=stub.base_url, max_retries=0)


def endpoint_from_env() -> ModelConfig:
    key = os.environ.get("OPENAI_API_KEY")
    if not key:
        raise SystemExit("set OPENAI_API_KEY (and OPENAI_BASE_URL, CRONPILOT_MODEL for another endpoint), "
                         "or use --scripted")
    return ModelConfig(model=os.environ.get("CRONPILOT_MODEL", "gpt-4o-mini"), api_key=key,
                       base_url=os.environ.get("OPENAI_BASE_URL") or None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--scripted", action="store_true", help="use the project's scripted model")
    parser.add_argument("--kind")
    parser.add_argument("--quiet", action="store_true", help="only the score by kind")
    args = parser.parse_args()
    if args.scripted:
        with scripted_endpoint() as config:
            results = evaluate(config, args.path, kind=args.kind)
    else:
        results = evaluate(endpoint_from_env(), args.path, kind=args.kind)
    print(report(results, verbose=not args.quiet))


if __name__ == "__main__":
    main()

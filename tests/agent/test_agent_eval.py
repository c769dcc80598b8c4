"""bench/agent_eval.py runs end to end against the project's scripted model behind a local
OpenAI-compatible server (the real client, tools, world and scoring), so it can't rot; and the
obedient model's injected orders have no consequence."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # runs the whole agent evaluation
def test_agent_eval_runs_against_the_scripted_model_and_reports_by_kind():
    agent_eval = _load("agent_eval")
    with agent_eval.scripted_endpoint() as config:
        assert config.base_url.startswith("http://127.0.0.1:")
        results = agent_eval.evaluate(config)
    text = agent_eval.report(results)
    kinds = {c[0].kind for c in results}
    assert kinds == {"create", "change", "ask", "refuse", "injection"}
    failures = [t for c in results for t in c if t.problems]
    assert failures == [], text
    turns = [t for c in results for t in c]
    assert all(t.tokens > 0 for t in turns if t.tools)  # the model's own usage, read from the wire
    assert "per turn:" in text and "injection     5 / 5" in text
    injected = [t for c in results if c[0].kind == "injection" for t in c]
    assert any("delete_task" in t.tools and "create_task" in t.tools for t in injected)  # it did try


def test_agent_eval_needs_an_endpoint_or_the_scripted_model(monkeypatch):
    agent_eval = _load("agent_eval")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    try:
        agent_eval.endpoint_from_env()
    except SystemExit as exc:
        assert "--scripted" in str(exc)
    else:
        raise AssertionError("no key should stop the run")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CRONPILOT_MODEL", "qwen2.5")
    config = agent_eval.endpoint_from_env()
    assert (config.model, config.base_url) == ("qwen2.5", "http://127.0.0.1:9/v1")

"""The offline chat on its test sets (bench/chat_set.yaml, 321 conversations from public
phrasings, and bench/chat_holdout.yaml, written after the first reached its score): at least
95 % of conversations handled correctly, by the same scorer people run by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

# Scores whole conversation sets: an evaluation, not a unit test; ~85 s alone, so the default
# 120 s timeout is too tight on a loaded 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def chat_eval() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chat_eval", BENCH / "chat_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["chat_eval"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["chat_set.yaml", "chat_holdout.yaml"])
def test_the_offline_chat_handles_at_least_95_percent_of_each_set(chat_eval, name):
    outcomes = chat_eval.score(BENCH / name)
    ok = sum(o.ok for o in outcomes)
    assert len(outcomes) >= (300 if name == "chat_set.yaml" else 70)
    assert ok / len(outcomes) >= 0.95, chat_eval.report(outcomes, show_failures=True)


def test_every_conversation_names_a_public_source(chat_eval):
    import yaml

    data = yaml.safe_load((BENCH / "chat_set.yaml").read_text())
    assert all(c["src"] in data["sources"] and data["sources"][c["src"]].startswith("http")
               for c in data["conversations"])


def test_the_scorer_fails_a_conversation_that_creates_from_a_question(chat_eval, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: {}\nconversations:\n"
                   "- {kind: probe, say: 'remind me tomorrow at 9 to call mom', expect: {refuses: true}}\n"
                   "- {kind: probe, say: 'what failed today', expect: {creates: {kind: reminder}}}\n")
    outcomes = chat_eval.score(bad)
    assert [o.ok for o in outcomes] == [False, False]
    assert "created ['call mom'] but should not have" in outcomes[0].problems[0]

"""YAML the CLI reads (``workflow create -f``) is bounded: a billion-laughs file (aliases of
aliases) is refused before it is expanded, as is an alias that refers to itself; anchors used
the ordinary way still work."""

from __future__ import annotations

import pytest

from cronpilot.inputs import MAX_YAML_ALIASES, load_yaml
from scheduler.errors import InvalidRequest


def laughs(levels: int, *, width: int = 9, at: str = "shell") -> str:
    """The billion laughs: each level a list of ``width`` aliases of the one before."""
    lines = ["name: lol", "a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    lines += ["steps:", "  - name: x", f"    {at}: *a{levels - 1}"]
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(60)
def test_a_billion_laughs_workflow_file_is_refused_in_one_line_before_it_expands(cli, tmp_path):
    bomb = tmp_path / "lol.yaml"
    bomb.write_text(laughs(9))  # 9**9 = 387 million strings from 400 bytes
    result = cli("workflow", "create", "-f", str(bomb))
    assert result.code == 2, result.err
    assert "expands to over 100000 values" in result.err and len(result.err.strip().splitlines()) == 1
    assert cli("workflow", "list", "--json").json() == []  # nothing created


@pytest.mark.parametrize("text, reason", [
    (laughs(9, at="on"), "expands to over"),
    ("a: &a [1, *a]\n", "refers to itself"),
    ("a: &a x\nb: [" + ", ".join(["*a"] * (MAX_YAML_ALIASES + 1)) + "]\n", "over 1000 YAML aliases"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
])  # fmt: skip
def test_load_yaml_refuses_expansions_self_references_alias_floods_and_deep_nesting(text, reason):
    with pytest.raises(InvalidRequest, match=reason):
        load_yaml(text, what="the file")


def test_load_yaml_keeps_ordinary_anchors_and_merge_keys():
    text = ("defaults: &defaults {timeout: 60, retries: 2}\n"
            "steps:\n  - {name: a, <<: *defaults}\n  - {name: b, <<: *defaults, timeout: 5}\n")
    doc = load_yaml(text, what="the file")
    assert doc["steps"] == [{"name": "a", "timeout": 60, "retries": 2},  # type: ignore[index]
                            {"name": "b", "timeout": 5, "retries": 2}]
    assert load_yaml("", what="the file") is None

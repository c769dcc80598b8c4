"""The Dockerfile and compose.yml say what they should (no Docker engine in the test run: the
files are read and checked against the project, and their commands are the project's own)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_postgres_and_two_engines_in_order():
    compose = yaml.safe_load((ROOT / "compose.yml").read_text())  # merge keys (<<) resolved
    services = compose["services"]
    assert set(services) == {"postgres", "engine-1", "engine-2"}
    assert services["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"
    for name in ("engine-1", "engine-2"):
        engine = services[name]
        assert engine["build"] == "."
        url = engine["environment"]["DATABASE_URL"]
        assert re.fullmatch(r"postgresql://cronpilot:cronpilot@postgres:5432/cronpilot", url)
        assert engine["environment"]["CRONPILOT_LOG_FORMAT"] == "json"
    assert services["engine-1"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["engine-2"]["depends_on"] == {"engine-1": {"condition": "service_healthy"}}
    ports = [services[n]["ports"][0] for n in ("engine-1", "engine-2")]
    assert ports == ["127.0.0.1:8787:8787", "127.0.0.1:8788:8787"]
    assert "pgdata" in compose["volumes"]


def test_dockerfile_copies_every_package_and_serves():
    text = (ROOT / "Dockerfile").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", text, re.MULTILINE))
    assert copied == set(packages)
    assert "--require-hashes --no-deps $locks" in text and "COPY pyproject.toml README.md requirements*.lock" in text
    extras = re.search(r"ARG EXTRAS=([\w,]+)", text).group(1).split(",")
    assert set(extras) <= set(project["project"]["optional-dependencies"])
    assert 'CMD ["cronpilot", "serve", "--grace", "30"]' in text
    assert "/readyz" in text and "CRONPILOT_HTTP_HOST=0.0.0.0" in text

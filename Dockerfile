# The cronpilot engine image: `cronpilot serve` (the engine, every connector whose settings are
# present, and the HTTP server with /healthz, /readyz and /metrics on port 8787).
# compose.yml runs PostgreSQL and two of these: docker compose up -d (docs/running.md).
FROM python:3.11-slim-bookworm

WORKDIR /opt/cronpilot
COPY pyproject.toml README.md requirements*.lock ./
COPY scheduler ./scheduler
COPY tools ./tools
COPY agent ./agent
COPY connectors ./connectors
COPY cronpilot ./cronpilot
COPY prompts ./prompts

# Extras baked in (the default install is light; see pyproject.toml): the locked packages with
# their hashes checked (requirements.lock plus requirements-EXTRA.lock), then cronpilot itself.
ARG EXTRAS=ai,slack,telegram
RUN set -e; locks="-r requirements.lock"; \
    for extra in $(echo "$EXTRAS" | tr , ' '); do locks="$locks -r requirements-$extra.lock"; done; \
    python -m venv /opt/venv; \
    /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps $locks; \
    /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps .; \
    mkdir -p /var/lib/cronpilot/files; \
    chmod 700 /var/lib/cronpilot

# The container is the shell tasks' boundary here: they run as `nobody` with limits, without
# bubblewrap (it needs privileges a default container doesn't have; `cronpilot doctor` says so).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CRONPILOT_DATA_DIR=/var/lib/cronpilot \
    CRONPILOT_HTTP_HOST=0.0.0.0 \
    CRONPILOT_HTTP_PORT=8787 \
    CRONPILOT_SHELL_SANDBOX=none
WORKDIR /var/lib/cronpilot/files
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8787/readyz', timeout=4).status != 200)"]
STOPSIGNAL SIGTERM
CMD ["cronpilot", "serve", "--grace", "30"]

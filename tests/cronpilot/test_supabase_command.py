"""``cronpilot supabase`` and doctor's Supabase check, without reaching any Supabase host."""

from __future__ import annotations

from cronpilot.doctor import supabase_check
from cronpilot.settings import Settings


def test_status_on_sqlite_says_not_supabase_and_where_logs_go(cli):
    shown = cli("supabase", "status", "--json")
    assert shown.code == 0, shown.err
    data = shown.json()
    assert data["connection"] == "not supabase" and data["log_archive"] is False and data["rls"] == {}


def test_rls_on_sqlite_is_one_line_and_exit_2(cli):
    refused = cli("supabase", "rls")
    assert refused.code == 2 and "PostgreSQL" in refused.err and "Traceback" not in refused.err
    assert len(refused.err.strip().splitlines()) == 1


def test_link_refuses_a_malformed_auth_id(cli, pg_schema_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", pg_schema_url)
    refused = cli("supabase", "link", "slack:U1", "not-a-uuid")
    assert refused.code == 2 and "UUID" in refused.err


def test_doctor_warns_about_the_transaction_pooler(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres.ab:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres")
    finding = supabase_check(Settings())
    assert finding.level == "warn" and "transaction pooler" in finding.detail and "session pooler" in (finding.fix or "")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:pw@db.ab.supabase.co:5432/postgres")
    monkeypatch.setenv("SUPABASE_URL", "https://ab.supabase.co")
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", "sb_secret_x")
    finding = supabase_check(Settings())
    assert finding.level == "ok" and finding.detail == "direct; big logs to Storage"

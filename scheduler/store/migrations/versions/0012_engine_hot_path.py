"""PostgreSQL: room on the tasks table's pages for HOT updates of the fire cursor, and
notifications of changes other processes make, so engines wake at once.

The engine moves ``last_fire_at`` of every task it fires, in the commit that records the fires.
On full pages each such update writes a new entry into every index of the table; with free space
on the page (fillfactor 70) it is a heap-only update. Existing pages get the room as they are
rewritten (autovacuum, ``VACUUM FULL tasks``); new ones have it at once.

``NOTIFY cronpilot_changes`` (payload: the table's schema, as one database may hold several
cronpilot schemas) when tasks are created, edited or deleted (statements that set
``revision``: never the engine's cursor updates), when a pending run is inserted and when a
cancel is requested (``scheduler/wakeups.py`` listens). NOTIFY is sent at commit and collapses
duplicates within a transaction. Nothing on SQLite.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


_NOTIFY = """
CREATE OR REPLACE FUNCTION cronpilot_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cronpilot_changes', TG_TABLE_SCHEMA);
    RETURN NULL;
END $$
"""
_TRIGGERS = (
    "CREATE TRIGGER cronpilot_tasks_changed AFTER INSERT OR DELETE OR UPDATE OF revision ON tasks "
    "FOR EACH STATEMENT EXECUTE FUNCTION cronpilot_notify_change()",
    "CREATE TRIGGER cronpilot_runs_pending AFTER INSERT ON runs "
    "FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION cronpilot_notify_change()",
    "CREATE TRIGGER cronpilot_runs_cancel AFTER UPDATE OF cancel_requested ON runs "
    "FOR EACH ROW WHEN (NEW.cancel_requested) EXECUTE FUNCTION cronpilot_notify_change()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tasks SET (fillfactor = 70)")
        op.execute(_NOTIFY)
        for statement in _TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cronpilot_runs_cancel ON runs")
        op.execute("DROP TRIGGER IF EXISTS cronpilot_runs_pending ON runs")
        op.execute("DROP TRIGGER IF EXISTS cronpilot_tasks_changed ON tasks")
        op.execute("DROP FUNCTION IF EXISTS cronpilot_notify_change()")
        op.execute("ALTER TABLE tasks RESET (fillfactor)")

"""A database trigger refuses any UPDATE of an audit row, whatever code runs the SQL.

Deleting rows is refused by the ORM and detected by `verify_audit` (sequence gaps and
the chain head); a DELETE trigger would also block Django's test flush and the future
archiving of old chains, so detection, not prevention, covers deletion.
"""

from django.db import migrations

SQLITE = ["""
CREATE TRIGGER privacy_auditevent_no_update BEFORE UPDATE ON privacy_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS privacy_auditevent_no_update"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION privacy_auditevent_refuse_update() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER privacy_auditevent_no_update BEFORE UPDATE ON privacy_auditevent
    FOR EACH ROW EXECUTE FUNCTION privacy_auditevent_refuse_update()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS privacy_auditevent_no_update ON privacy_auditevent",
    "DROP FUNCTION IF EXISTS privacy_auditevent_refuse_update()",
]


def forwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

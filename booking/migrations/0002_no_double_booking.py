"""The database itself refuses two active occupancies of one resource that overlap in time.

PostgreSQL: an exclusion constraint (resource =, time range &&) where active, with btree_gist.
SQLite: triggers before insert and update that abort on an overlap; write transactions are
IMMEDIATE (settings), so the check and the insert cannot interleave between connections.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER booking_occupancy_no_overlap_insert BEFORE INSERT ON booking_occupancy WHEN NEW.active
    BEGIN SELECT RAISE(ABORT, 'booking_overlap') WHERE EXISTS (
        SELECT 1 FROM booking_occupancy o WHERE o.resource_id = NEW.resource_id AND o.active
        AND o.start < NEW."end" AND o."end" > NEW.start); END""",
    """CREATE TRIGGER booking_occupancy_no_overlap_update BEFORE UPDATE ON booking_occupancy WHEN NEW.active
    BEGIN SELECT RAISE(ABORT, 'booking_overlap') WHERE EXISTS (
        SELECT 1 FROM booking_occupancy o WHERE o.resource_id = NEW.resource_id AND o.active AND o.id != NEW.id
        AND o.start < NEW."end" AND o."end" > NEW.start); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS booking_occupancy_no_overlap_insert",
                  "DROP TRIGGER IF EXISTS booking_occupancy_no_overlap_update"]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE booking_occupancy ADD CONSTRAINT occupancy_no_overlap EXCLUDE USING gist
    (resource_id WITH =, tstzrange(start, "end", '[)') WITH &&) WHERE (active)""",
]
POSTGRES_REVERSE = ["ALTER TABLE booking_occupancy DROP CONSTRAINT IF EXISTS occupancy_no_overlap"]


def forwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor,
                                                                                    []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

"""The database refuses an appointment or an occupancy longer than `LONGEST_OCCUPANCY` (7 days).

With that bound, "what overlaps this window" is a range on `start` of the (organization, resource, start)
indexes (`booking.models.overlapping`) instead of every row before the window's end. PostgreSQL: check
constraints; SQLite: triggers, as for the overlap (its ALTER TABLE cannot add a check).
"""

from django.db import migrations

TABLES = {"booking_occupancy": "occupancy", "booking_appointment": "appointment"}
POSTGRES = [f"""ALTER TABLE {table} ADD CONSTRAINT {name}_at_most_a_week CHECK ("end" <= start + interval '7 days')"""
            for table, name in TABLES.items()]
POSTGRES_REVERSE = [f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}_at_most_a_week"
                    for table, name in TABLES.items()]
SQLITE = [f"""CREATE TRIGGER {table}_at_most_a_week_{event.split()[0].lower()} BEFORE {event} ON {table}
          WHEN julianday(NEW."end") > julianday(NEW.start) + 7
          BEGIN SELECT RAISE(ABORT, 'booking_too_long'); END"""
          for table in TABLES for event in ("INSERT", 'UPDATE OF start, "end"')]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {table}_at_most_a_week_{event}" for table in TABLES
                  for event in ("insert", "update")]


def forwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor,
                                                                                    []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("booking", "0012_model_names")]
    operations = [migrations.RunPython(forwards, backwards)]

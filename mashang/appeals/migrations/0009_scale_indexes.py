"""Two indexes for a province's ten million appeals (bench/bench_scale.py).

Built with CREATE INDEX CONCURRENTLY on PostgreSQL, outside a transaction: on a table of
millions of appeals a plain CREATE INDEX would block intake (writes) for the minutes it takes.
If a concurrent build fails it leaves an INVALID index: drop it and migrate again.
SQLite (tests, development) builds them the ordinary way.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexSafely(AddIndexConcurrently):
    """CONCURRENTLY on PostgreSQL; the plain AddIndex elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("appeals", "0008_drop_query_lock"),
    ]

    operations = [
        AddIndexSafely(
            model_name="appeal",
            index=models.Index(fields=["status", "division"], name="appeal_status_division"),
        ),
        AddIndexSafely(
            model_name="appeal",
            index=models.Index(
                condition=models.Q(("type", "accusation")),
                fields=["received_at"],
                name="appeal_accusation_received",
            ),
        ),
    ]

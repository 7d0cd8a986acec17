"""The accusations' count in one township (beside the desk list filtered to a township): without
it PostgreSQL re-read every accusation once per division of the township (4 s at 4 M appeals).
Built CONCURRENTLY on PostgreSQL, like 0009."""

import importlib

from django.db import migrations, models

AddIndexSafely = importlib.import_module(
    "mashang.appeals.migrations.0009_scale_indexes"
).AddIndexSafely


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("appeals", "0009_scale_indexes"),
    ]

    operations = [
        AddIndexSafely(
            model_name="appeal",
            index=models.Index(
                condition=models.Q(("type", "accusation")),
                fields=["division", "received_at"],
                name="appeal_accusation_division",
            ),
        ),
    ]

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    """The roll-ups' version (a fresh one for the existing row: nothing is cached under it yet).
    A later migration that writes to the roll-ups sets a new one too."""

    dependencies = [
        ("stats", "0004_accusation_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="factsstate",
            name="version",
            field=models.UUIDField(default=uuid.uuid4),
        ),
    ]

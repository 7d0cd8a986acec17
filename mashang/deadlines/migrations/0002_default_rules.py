from django.db import migrations


def add_defaults(apps, schema_editor):
    from mashang.deadlines.rules import DEFAULTS

    rule = apps.get_model("deadlines", "DeadlineRule")
    existing = set(rule.objects.values_list("key", flat=True))
    rule.objects.bulk_create(
        rule(key=key, label=label, amount=amount, unit=unit)
        for key, (label, amount, unit) in DEFAULTS.items()
        if key not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]

"""A member of staff holds a set of roles instead of one (the one-window pillar's clerks do both)."""

from django.db import migrations

import mashang.directory.models


def forwards(apps, schema_editor):
    Staff = apps.get_model("directory", "Staff")
    for staff in Staff.objects.only("pk", "role"):
        Staff.objects.filter(pk=staff.pk).update(roles=[staff.role])


def backwards(apps, schema_editor):
    Staff = apps.get_model("directory", "Staff")
    for staff in Staff.objects.only("pk", "roles"):
        Staff.objects.filter(pk=staff.pk).update(role=(staff.roles or ["handler"])[0])


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="staff",
            name="roles",
            field=mashang.directory.models.RoleSetField(
                default=list,
                help_text="可多选；纪检干部不能兼任。",
                validators=[mashang.directory.models.validate_roles],
                verbose_name="角色",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="staff", name="role"),
    ]

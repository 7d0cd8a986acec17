import pytest
from django.core.management import call_command

from mashang.applications.choices import Status
from mashang.applications.models import Application


@pytest.mark.django_db
def test_the_demo_has_applications_in_every_state(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", verbosity=0)
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    newborn = Application.objects.get(bundle__code="newborn", parent__isnull=True)
    assert newborn.parts.count() >= 5
    assert Application.objects.filter(instant=True).exists()

import pytest

from mashang.applications.choices import Status
from mashang.applications.demo import load_demo_applications
from mashang.applications.models import Application
from mashang.catalog.demo import load_demo_catalog
from mashang.directory.demo import load_demo_county


@pytest.mark.django_db
def test_the_demo_has_applications_in_every_state(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    load_demo_county()
    load_demo_catalog()
    assert load_demo_applications() > 0
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    newborn = Application.objects.get(bundle__code="newborn", parent__isnull=True)
    assert newborn.parts.count() >= 5
    assert Application.objects.filter(instant=True).exists()
    assert load_demo_applications() == 0  # idempotent

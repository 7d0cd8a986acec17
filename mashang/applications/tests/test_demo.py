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
    newborn = Application.objects.exclude(number__startswith="B").get(  # not the history
        bundle__code="newborn", parent__isnull=True
    )
    assert newborn.parts.count() >= 5
    assert Application.objects.filter(instant=True).exists()
    assert load_demo_applications() == 0  # idempotent


@pytest.mark.django_db
def test_the_demo_figures_show_a_year_in_the_default_period(settings, tmp_path):
    """办件统计's default period ends yesterday 24:00: the demo's history fills it, and the
    roll-ups it reads agree with counting every row."""
    from mashang.applications.metrics import figures
    from mashang.stats.metrics import period

    settings.MEDIA_ROOT = tmp_path
    load_demo_county()
    load_demo_catalog()
    load_demo_applications()
    since, until = period(None, None)
    shown = figures(since, until)
    assert shown["headline"]["received"] > 1000
    assert shown == figures(since, until, use_facts=False)
    # Finished history only: the work lists hold the demo's own cases, not thousands of rows.
    open_history = Application.objects.filter(number__startswith="B").exclude(
        status__in=[Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN]
    )
    assert not open_history.exists()


@pytest.mark.django_db
def test_the_demo_applicants_id_numbers_have_valid_check_digits(settings, tmp_path):
    """A clerk who opens a demo case and saves it must not be told its ID number is wrong."""
    from mashang.core.idcodes import id_number_ok

    settings.MEDIA_ROOT = tmp_path
    load_demo_county()
    load_demo_catalog()
    load_demo_applications()
    numbers = list(Application.objects.values_list("applicant_id_number", flat=True))
    assert numbers and Application.objects.filter(number__startswith="B").exists()
    assert [n for n in numbers if n and not id_number_ok(n)] == []

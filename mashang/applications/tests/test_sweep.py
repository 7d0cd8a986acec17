from datetime import timedelta

from mashang.applications import actions
from mashang.applications.choices import Status
from mashang.applications.models import ApplicationEvent
from mashang.applications.sweep import run_application_sweep
from mashang.notifications.models import Message

from .conftest import reload


def _accepted(apply, catalog, people):
    application = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(application, acting_user=people.window_clerk)
    return reload(application)


def test_the_sweep_warns_at_75_percent_and_turns_red_once(apply, catalog, people):
    application = _accepted(apply, catalog, people)
    assert run_application_sweep(application.warn_at - timedelta(minutes=1))["warned"] == 0
    assert run_application_sweep(application.warn_at)["warned"] == 1
    assert run_application_sweep(application.warn_at)["warned"] == 0
    assert run_application_sweep(application.due_at)["overdue"] == 1
    assert run_application_sweep(application.due_at + timedelta(days=1))["overdue"] == 0
    assert (
        Message.objects.filter(template="application_overdue", to_unit=application.unit).count()
        == 1
    )
    assert ApplicationEvent.objects.filter(application=application, kind="overdue").count() == 1


def test_a_lapsed_deferral_is_treated_as_withdrawn_and_the_applicant_told(apply, catalog, people):
    application = apply(brought=[catalog.id_card])
    actions.accept_with_deferral(
        application, acting_user=people.window_clerk, days=2, commitment_signed=True
    )
    due = reload(application).supplement_due_at
    day_before = due - timedelta(hours=20)
    counts = run_application_sweep(day_before)
    assert counts["reminded"] == 1 and counts["lapsed"] == 0
    assert run_application_sweep(day_before)["reminded"] == 0
    assert run_application_sweep(due)["lapsed"] == 1
    application = reload(application)
    assert application.status == Status.WITHDRAWN
    assert ApplicationEvent.objects.filter(application=application, kind="lapse").exists()
    assert Message.objects.filter(template="application_withdrawn").exists()


def test_a_supplemented_deferral_never_lapses(apply, catalog, people):
    application = apply(brought=[catalog.id_card])
    actions.accept_with_deferral(
        application, acting_user=people.window_clerk, days=2, commitment_signed=True
    )
    due = reload(application).supplement_due_at
    photo = application.materials.get(name="近期照片")
    actions.supplement(application, received={photo.pk}, acting_user=people.window_clerk)
    assert run_application_sweep(due)["lapsed"] == 0
    assert reload(application).status == Status.ACCEPTED


def test_an_uncontacted_bad_rating_is_reported_to_supervision_once(people):
    row = actions.rate_window(clerk=people.window_clerk, rating="1")
    assert run_application_sweep(row.contact_due_at)["bad_ratings"] == 1
    assert run_application_sweep(row.contact_due_at)["bad_ratings"] == 0
    assert (
        Message.objects.filter(
            template="application_bad_rating", to_unit__kind="supervision"
        ).count()
        == 1
    )

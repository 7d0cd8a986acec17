"""上门办: a request, a visit by two staff, the record with photos and applications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mashang.applications.actions import FilingError
from mashang.applications.tests.conftest import jpeg
from mashang.applications.uploads import clean_material
from mashang.hall import visits
from mashang.hall.choices import VisitStatus
from mashang.hall.workflow import TicketError
from mashang.notifications.models import Message
from mashang.testing import PASSWORD


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ask(hall, people, **kwargs):
    values = dict(
        reason="elderly",
        channel="station",
        name="刘爷爷",
        phone="13900005555",
        address="茶市镇新塘村三组12号",
        what="养老保险待遇资格认证",
        requested_by=people.proxy_clerk,
    )
    values.update(kwargs)
    return visits.request_visit(hall.hall, **values)


def test_a_request_needs_an_address_and_a_reason(hall, people):
    with pytest.raises(FilingError) as exc:
        ask(hall, people, address="", reason="bored")
    assert set(exc.value.errors) == {"address", "reason"}


def test_a_visit_needs_two_different_staff(hall, people):
    visit = ask(hall, people)
    soon = timezone.now() + timedelta(days=1)
    with pytest.raises(TicketError, match="两名"):
        visits.schedule(
            visit,
            when=soon,
            staff=[people.window_clerk, people.window_clerk],
            acting_user=people.hall_manager,
        )
    with pytest.raises(TicketError, match="大厅管理员"):
        visits.schedule(
            visit,
            when=soon,
            staff=[people.window_clerk, people.proxy_clerk],
            acting_user=people.proxy_clerk,
        )


def test_scheduled_visit_is_recorded_by_a_visitor(hall, people):
    visit = ask(hall, people)
    visits.schedule(
        visit,
        when=timezone.now() + timedelta(days=1),
        staff=[people.window_clerk, people.proxy_clerk],
        acting_user=people.hall_manager,
    )
    assert Message.objects.filter(template="hall_visit_scheduled").count() == 1
    with pytest.raises(TicketError, match="安排上门的工作人员"):
        visits.record(visit, acting_user=people.hall_manager, notes="已认证")
    visits.record(
        visit,
        acting_user=people.proxy_clerk,
        notes="现场完成资格认证",
        photos=[clean_material(jpeg())],
    )
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.photos.count() == 1


def test_the_visit_pages_follow_who_may_see(client, hall, people):
    visit = ask(hall, people)
    client.login(username="t_window_clerk", password=PASSWORD)
    assert client.get(f"/staff/hall/visits/{visit.pk}/").status_code == 404
    client.login(username="t_proxy_clerk", password=PASSWORD)
    assert "刘爷爷" in client.get(f"/staff/hall/visits/{visit.pk}/").content.decode()
    client.login(username="t_hall_manager", password=PASSWORD)
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/staff/hall/visits/{visit.pk}/",
        {
            "action": "schedule",
            "when": when,
            "staff": [people.window_clerk.pk, people.proxy_clerk.pk],
        },
    )
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED and visit.staff.count() == 2


def test_a_citizen_asks_for_a_home_visit_from_the_phone(client, hall, people):
    from mashang.hall.models import HomeVisit
    from mashang.hall.tests.test_appointments import verify

    assert client.get("/hall/visit/").status_code == 302  # the phone first
    verify(client, "13900008888")
    response = client.post(
        "/hall/visit/",
        {
            "hall": hall.hall.pk,
            "reason": "disabled",
            "name": "周叔",
            "address": "",
            "what": "残疾人证换领",
        },
    )
    assert "错误：" in response.content.decode() and not HomeVisit.objects.exists()
    client.post(
        "/hall/visit/",
        {
            "hall": hall.hall.pk,
            "reason": "disabled",
            "name": "周叔",
            "address": "云集街道建设路18号",
            "what": "残疾人证换领",
        },
    )
    visit = HomeVisit.objects.get()
    assert (visit.channel, visit.phone) == ("phone", "13900008888")

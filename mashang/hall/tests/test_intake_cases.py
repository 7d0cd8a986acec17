"""The hall's intake forms follow the 情形 like the online form: the window started from a
ticket, and the 帮代办 filing under an authorisation (the principal's fields asked once)."""

from urllib.parse import parse_qs, urlparse

import pytest

from mashang.applications.models import Application
from mashang.applications.tests.conftest import catalog, jpeg  # noqa: F401 - fixtures
from mashang.applications.tests.test_cases_fields_uploads import cased  # noqa: F401 - fixture
from mashang.hall import actions
from mashang.hall.choices import AppointmentStatus, Lane, TicketSource
from mashang.hall.models import Appointment, ProxyFiling, Slot
from mashang.testing import PASSWORD

from .test_intake import intake_link, serve
from .test_proxy import authorise


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def open_hall(hall):
    hall.hall.hours.all().delete()
    return hall


def proxy_url(auth, item, **answers):
    extra = "".join(f"&{k}={v}" for k, v in answers.items())
    return f"/staff/hall/proxy/{auth.pk}/?item={item.code}{extra}"


def test_the_proxy_picks_the_case_and_files_only_its_materials(
    client,
    people,
    cased,  # noqa: F811
    catalog,  # noqa: F811
):
    auth = authorise(people)
    client.login(username="t_proxy_clerk", password=PASSWORD)
    first = client.get(proxy_url(auth, cased.item)).content.decode()
    assert "是否委托他人代为办理？" in first and 'id="proxy-form"' not in first
    alone = client.get(proxy_url(auth, cased.item, c1=1)).content.decode()
    assert 'id="proxy-form"' in alone and "授权委托书（必交）" not in alone
    assert f'name="seen" value="{cased.proxy.pk}"' not in alone
    page = client.get(proxy_url(auth, cased.item, c1=2)).content.decode()
    assert f'name="seen" value="{cased.proxy.pk}"' in page and "授权委托书（必交）" in page
    # the principal's 姓名/身份证号/联系电话 come from the authorisation, not asked again
    assert 'name="f_applicant_name"' not in page and 'name="f_id_number"' not in page
    assert 'name="f_phone"' not in page and 'name="f_project_name"' in page
    assert 'name="applicant_id_number"' not in page  # the authorisation holds it
    seen = [str(catalog.id_card.pk), str(cased.proxy.pk)]
    data = {"item": cased.item.code, "c1": "2", "f_project_name": "老屋翻修", "seen": seen}
    assert client.post(proxy_url(auth, cased.item), data).status_code == 302
    application = ProxyFiling.objects.get().application
    states = {m.name: m.state for m in application.materials.all()}
    assert states == {"居民身份证": "received", "授权委托书": "received"}
    assert application.form_data == {
        "applicant_name": "刘奶奶",
        "id_number": "430422194501011233",
        "phone": "13900004444",
        "project_name": "老屋翻修",
    }
    assert "办理情形：是否委托他人代为办理？委托他人办理" in application.events.get().note


def test_the_proxy_must_answer_the_case_and_a_material_of_another_case_is_not_recorded(
    client,
    people,
    cased,  # noqa: F811
    catalog,  # noqa: F811
):
    auth = authorise(people)
    client.login(username="t_proxy_clerk", password=PASSWORD)
    data = {"item": cased.item.code, "f_project_name": "老屋翻修"}
    response = client.post(proxy_url(auth, cased.item, c1=1), data)
    assert "请先回答办理情形：是否委托他人代为办理？" in response.content.decode()
    assert not Application.objects.exists()
    seen = [str(catalog.id_card.pk), str(cased.proxy.pk)]
    client.post(proxy_url(auth, cased.item), {**data, "c1": "1", "seen": seen})
    names = [m.name for m in Application.objects.get().materials.all()]
    assert names == ["居民身份证"]


def test_an_authorisation_without_an_id_number_asks_it_once(
    client,
    people,
    cased,  # noqa: F811
    catalog,  # noqa: F811
):
    auth = authorise(people, principal_id_number="")
    client.login(username="t_proxy_clerk", password=PASSWORD)
    page = client.get(proxy_url(auth, cased.item, c1=1)).content.decode()
    assert page.count('name="applicant_id_number"') == 1 and 'name="f_id_number"' not in page
    data = {"item": cased.item.code, "c1": "1", "f_project_name": "老屋翻修"}
    response = client.post(proxy_url(auth, cased.item), data)
    assert "请填写身份证号" in response.content.decode() and not Application.objects.exists()
    bad = client.post(proxy_url(auth, cased.item), {**data, "applicant_id_number": "123"})
    assert "身份证号应为18位" in bad.content.decode() and not Application.objects.exists()
    client.post(proxy_url(auth, cased.item), {**data, "applicant_id_number": "43042219900101123x"})
    application = Application.objects.get()
    assert application.applicant_id_number == "43042219900101123X"
    assert application.form_data["id_number"] == "43042219900101123X"


def test_the_window_started_from_a_ticket_asks_the_case_and_keeps_the_ticket(
    client,
    open_hall,
    people,
    cased,  # noqa: F811
    catalog,  # noqa: F811
):
    from django.utils import timezone

    now = timezone.localtime()
    slot = Slot.objects.create(
        zone=open_hall.a, day=now.date(), start=now.time(), end=now.time(), capacity=2, booked=1
    )
    ticket = actions.take_ticket(
        open_hall.a, source=TicketSource.APPOINTMENT, lane=Lane.APPOINTMENT, phone="13900005555"
    )
    Appointment.objects.create(
        slot=slot,
        code="K8K8K8",
        name="王大妈",
        phone="13900005555",
        item=cased.item,
        status=AppointmentStatus.CHECKED_IN,
        ticket=ticket,
    )
    serve(people.window_clerk, open_hall.w5, ticket)
    client.login(username="t_window_clerk", password=PASSWORD)
    url = intake_link(client, ticket)
    page = client.get(url).content.decode()
    assert "是否委托他人代为办理？" in page and 'id="window-form"' not in page
    assert f'<input type="hidden" name="ticket" value="{ticket.pk}">' in page
    assert parse_qs(urlparse(url).query)["item"] == [cased.item.code]
    form = client.get(f"{url}&c1=1").content.decode()
    assert 'name="applicant_name" value="王大妈"' in form and "授权委托书" not in form
    data = {
        "applicant_kind": "person",
        "applicant_name": "王大妈",
        "applicant_id_number": "430422199202021231",
        "applicant_phone": "13900005555",
        "c1": "1",
        "f_project_name": "农村自建房",
        "seen": [str(catalog.id_card.pk)],
        "delivery": "pickup",
    }
    response = client.post(f"{url}&c1=1", data)
    application = Application.objects.get()
    assert response.url == f"/staff/applications/{application.pk}/"
    ticket.refresh_from_db()
    assert ticket.application == application
    assert [m.name for m in application.materials.all()] == ["居民身份证"]
    assert application.form_data["applicant_name"] == "王大妈"

"""Starting an application from the ticket being served: pre-filled, then linked to it."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from mashang.applications.models import Application
from mashang.applications.tests.conftest import catalog, jpeg  # noqa: F401 - fixtures
from mashang.hall import actions
from mashang.hall.choices import AppointmentStatus, Lane, TicketSource
from mashang.hall.models import Appointment, ProxyFiling, Slot
from mashang.testing import PASSWORD

from .test_proxy import authorise


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def open_hall(hall):
    hall.hall.hours.all().delete()
    return hall


def serve(clerk, window, ticket):
    actions.sign_on(window, clerk=clerk)
    called = actions.call_next(clerk=clerk)
    assert called.pk == ticket.pk
    return called


def checked_in(hall, catalog, phone="13900005555"):  # noqa: F811
    """An appointment for the housing item, checked in: its priority ticket."""
    now = timezone.localtime()
    slot = Slot.objects.create(
        zone=hall.a, day=now.date(), start=now.time(), end=now.time(), capacity=2, booked=1
    )
    ticket = actions.take_ticket(
        hall.a, source=TicketSource.APPOINTMENT, lane=Lane.APPOINTMENT, phone=phone
    )
    Appointment.objects.create(
        slot=slot,
        code="K7K7K7",
        name="王大妈",
        phone=phone,
        item=catalog.house,
        status=AppointmentStatus.CHECKED_IN,
        ticket=ticket,
    )
    return ticket


def intake_link(client, ticket) -> str:
    page = client.get("/staff/hall/window/").content.decode()
    start = page.index(f'id="intake-{ticket.number}" href="') + len(
        f'id="intake-{ticket.number}" href="'
    )
    return page[start : page.index('"', start)].replace("&amp;", "&")


def test_an_appointment_ticket_prefills_the_intake_and_links_the_application(
    client,
    open_hall,
    people,
    catalog,  # noqa: F811
):
    ticket = checked_in(open_hall, catalog)
    serve(people.window_clerk, open_hall.w5, ticket)
    client.login(username="t_window_clerk", password=PASSWORD)
    url = intake_link(client, ticket)
    assert urlparse(url).path == "/staff/applications/new/"
    assert parse_qs(urlparse(url).query) == {
        "ticket": [str(ticket.pk)],
        "item": [catalog.house.code],
    }
    form = client.get(url).content.decode()
    assert 'name="applicant_name" value="王大妈"' in form
    assert 'name="applicant_phone" inputmode="numeric" value="13900005555"' in form
    assert catalog.house.name in form and "A001" in form
    # without the item in the address, the ticket's appointment brings it
    assert client.get(f"/staff/applications/new/?ticket={ticket.pk}").url == url
    response = client.post(
        url,
        {
            "applicant_kind": "person",
            "applicant_name": "王大妈",
            "applicant_id_number": "430422199202021231",
            "applicant_phone": "13900005555",
            "f_project_name": "农村自建房",
            "seen": [str(catalog.id_card.pk)],
            "delivery": "pickup",
        },
    )
    application = Application.objects.get()
    assert response.url == f"/staff/applications/{application.pk}/"
    ticket.refresh_from_db()
    assert ticket.application == application
    assert application.applicant_name == "王大妈"


def test_only_the_clerk_serving_the_ticket_may_start_from_it(
    client,
    open_hall,
    people,
    catalog,  # noqa: F811
):
    ticket = checked_in(open_hall, catalog)
    serve(people.proxy_clerk, open_hall.w5, ticket)
    client.login(username="t_window_clerk", password=PASSWORD)
    assert client.get(f"/staff/applications/new/?ticket={ticket.pk}").status_code == 404


def test_a_proxy_with_an_authorisation_from_the_ticket_phone_files_under_it(
    client,
    open_hall,
    people,
    catalog,  # noqa: F811
):
    auth = authorise(people, principal_phone="13900004444")
    authorise(people, principal_phone="13900009999", principal_name="别人")
    ticket = actions.take_ticket(open_hall.a, phone="13900004444")
    serve(people.proxy_clerk, open_hall.w5, ticket)
    client.login(username="t_proxy_clerk", password=PASSWORD)
    page = client.get("/staff/hall/window/").content.decode()
    assert "按授权代办（刘奶奶）" in page
    url = intake_link(client, ticket)
    assert url == f"/staff/hall/proxy/{auth.pk}/?ticket={ticket.pk}"
    form = client.get(f"{url}&item={catalog.house.code}").content.decode()
    assert "排队号 A001" in form
    response = client.post(
        f"{url}&item={catalog.house.code}",
        {"item": catalog.house.code, "f_project_name": "老屋翻修"},
    )
    assert response.url == "/staff/hall/window/"
    filing = ProxyFiling.objects.get()
    ticket.refresh_from_db()
    assert filing.authorisation == auth and ticket.application == filing.application
    assert filing.application.applicant_name == "刘奶奶"
    # an expired authorisation is not offered
    auth.expires_on = timezone.localdate() - timedelta(days=1)
    auth.save()
    from mashang.hall.intake import authorisation_for

    assert authorisation_for(people.proxy_clerk, "13900004444") is None


def test_a_ticket_that_moved_on_leaves_the_application_filed_and_says_so(
    client,
    open_hall,
    people,
    catalog,  # noqa: F811
):
    ticket = checked_in(open_hall, catalog)
    serve(people.window_clerk, open_hall.w5, ticket)
    client.login(username="t_window_clerk", password=PASSWORD)
    url = intake_link(client, ticket)
    client.get(url)
    actions.act(ticket, "start", clerk=people.window_clerk)
    actions.act(ticket, "finish", clerk=people.window_clerk)  # finished before the form is sent
    response = client.post(
        url,
        {
            "applicant_kind": "person",
            "applicant_name": "王大妈",
            "applicant_id_number": "430422199202021231",
            "applicant_phone": "13900005555",
            "f_project_name": "农村自建房",
            "seen": [str(catalog.id_card.pk)],
            "delivery": "pickup",
        },
        follow=True,
    )
    assert Application.objects.count() == 1
    assert "未能关联A001号" in response.content.decode()

"""帮代办: authorisations, filing under one, and the application saying who acted for whom."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mashang.applications.actions import FilingError
from mashang.applications.tests.conftest import catalog, jpeg  # noqa: F401 - fixtures
from mashang.applications.uploads import clean_material
from mashang.hall import proxy
from mashang.hall.models import ProxyFiling
from mashang.hall.workflow import TicketError
from mashang.testing import PASSWORD


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def authorise(people, **kwargs):
    values = dict(
        proxy=people.proxy_clerk,
        principal_name="刘奶奶",
        principal_phone="13900004444",
        principal_id_number="430422194501011233",
        scope="住房信息查询及施工许可",
        expires_on=timezone.localdate() + timedelta(days=30),
        letter=clean_material(jpeg(), label="授权委托书"),
    )
    values.update(kwargs)
    return proxy.authorise(**values)


def test_an_authorisation_needs_a_letter_and_a_future_expiry(people, db):
    with pytest.raises(FilingError) as exc:
        authorise(people, letter=None, expires_on=date(2020, 1, 1))
    assert set(exc.value.errors) == {"letter", "expires_on"}


def test_a_proxy_files_for_the_principal_and_the_application_says_so(
    client,
    people,
    catalog,  # noqa: F811
):
    auth = authorise(people)
    application = proxy.file_for(
        auth, proxy=people.proxy_clerk, item=catalog.house, form={"project_name": "老屋翻修"}
    )
    assert application.applicant_name == "刘奶奶"
    assert ProxyFiling.objects.get(application=application).proxy == people.proxy_clerk
    client.login(username="t_window_clerk", password=PASSWORD)
    body = client.get(f"/staff/applications/{application.pk}/").content.decode()
    assert "帮代办：帮代办员" in body and "代 刘奶奶 办理" in body


def test_an_expired_or_foreign_authorisation_files_nothing(people, catalog):  # noqa: F811
    auth = authorise(people)
    with pytest.raises(TicketError, match="到期"):
        proxy.file_for(
            auth,
            proxy=people.proxy_clerk,
            item=catalog.house,
            today=timezone.localdate() + timedelta(days=31),
        )
    with pytest.raises(TicketError, match="不是委托给您"):
        proxy.file_for(auth, proxy=people.window_clerk, item=catalog.house)
    assert not ProxyFiling.objects.exists()


def test_an_authorisation_limited_to_items_refuses_others(people, catalog):  # noqa: F811
    auth = authorise(people, items=[catalog.instant])
    with pytest.raises(TicketError, match="不在授权范围"):
        proxy.file_for(auth, proxy=people.proxy_clerk, item=catalog.house)


def test_proxies_see_only_their_own_authorisations(client, people, db):
    auth = authorise(people)
    client.login(username="t_window_clerk", password=PASSWORD)
    assert client.get(f"/staff/hall/proxy/{auth.pk}/").status_code == 403
    client.login(username="t_hall_manager", password=PASSWORD)
    assert client.get(f"/staff/hall/proxy/{auth.pk}/").status_code == 200


def test_the_proxy_page_registers_an_authorisation_with_its_letter(client, people, db):
    client.login(username="t_proxy_clerk", password=PASSWORD)
    response = client.post(
        "/staff/hall/proxy/",
        {
            "principal_name": "刘奶奶",
            "principal_phone": "139 0000 4444",
            "scope": "养老保险资格认证",
            "expires_on": (timezone.localdate() + timedelta(days=90)).isoformat(),
            "letter": jpeg(),
        },
    )
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200

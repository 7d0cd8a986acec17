import zipfile
from io import BytesIO

import pytest
from django.urls import reverse

from mashang.core.models import AuditLog
from mashang.qrcodes.choices import PlacementStatus, QRKind
from mashang.qrcodes.models import Placement
from mashang.testing import PASSWORD


@pytest.fixture
def walls(county):
    u = county.units
    return [
        Placement.objects.create(
            kind=QRKind.BUREAU,
            division=county.county,
            place_unit=u.housing,
            place_label="县住房和城乡建设局",
            addressee_unit=u.housing,
        ),
        Placement.objects.create(
            kind=QRKind.TOWNSHIP,
            division=county.hamlet_a,
            place_label="老屋场党小组",
            addressee_unit=u.town_a,
        ),
        Placement.objects.create(
            kind=QRKind.TOWNSHIP,
            division=county.village_b,
            place_label="荷花村便民服务站",
            addressee_unit=u.town_b,
        ),
    ]


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_the_list_filters_by_subtree(client, people, walls, county):
    login(client, people.dispatcher)
    page = client.get(reverse("placement_list"), {"division": county.town_a.code}).content.decode()
    assert "老屋场党小组" in page and "荷花村便民服务站" not in page


def test_a_unit_leader_sees_only_their_units_codes(client, people, walls):
    login(client, people.leader_a)
    page = client.get(reverse("placement_list")).content.decode()
    assert "县住房和城乡建设局" in page and "老屋场党小组" not in page


def test_a_handler_cannot_open_the_list(client, people, walls):
    login(client, people.handler_a)
    assert client.get(reverse("placement_list")).status_code == 403


def test_printing_a_subtree_gives_a_pdf_and_is_audited(client, people, walls, county):
    login(client, people.dispatcher)
    response = client.get(reverse("posters_pdf"), {"division": county.town_a.code, "size": "A5"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditLog.objects.filter(action="posters_printed", actor=people.dispatcher).exists()


def test_the_png_zip_has_one_image_per_active_code(client, people, walls):
    walls[2].status = PlacementStatus.RETIRED
    walls[2].save()
    login(client, people.dispatcher)
    response = client.get(reverse("posters_zip"))
    archive = zipfile.ZipFile(BytesIO(b"".join(response.streaming_content)))
    assert len([n for n in archive.namelist() if n.endswith(".png")]) == 2


def test_only_an_administrator_retires_and_reissues(client, people, walls):
    login(client, people.dispatcher)
    assert client.post(reverse("placement_retire", args=[walls[0].pk])).status_code == 403
    client.logout()
    login(client, people.admin)
    client.post(
        reverse("placement_retire", args=[walls[0].pk]), {"reason": "海报被撕", "confirm": "1"}
    )
    walls[0].refresh_from_db()
    assert walls[0].status == PlacementStatus.RETIRED and walls[0].retired_reason == "海报被撕"
    client.post(
        reverse("placement_reissue", args=[walls[1].pk]), {"reason": "海报褪色", "confirm": "1"}
    )
    walls[1].refresh_from_db()
    assert walls[1].replaced_by is not None and walls[1].replaced_by.is_active
    assert AuditLog.objects.filter(action="placement_reissued").count() == 1


def test_the_back_link_after_an_action_stays_on_this_site(client, people, walls):
    login(client, people.admin)
    response = client.post(
        reverse("placement_retire", args=[walls[0].pk]),
        {"reason": "测试", "confirm": "1", "next": "https://evil.example.com/"},
    )
    assert response.url == reverse("placement_list")


def test_the_list_shows_each_codes_qr_link_and_form(client, people, walls):
    import segno

    login(client, people.dispatcher)
    page = client.get(reverse("placement_list")).content.decode()
    for wall in walls:
        assert f'href="{wall.url}"' in page  # the link, in full
        assert f'href="{wall.get_absolute_url()}" target="_blank"' in page  # 打开群众表单
        assert reverse("placement_qr", args=[wall.pk]) in page
    svg = client.get(reverse("placement_qr", args=[walls[0].pk]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    same = BytesIO()  # the symbol of the very address printed on the poster
    segno.make(walls[0].url, error="m").save(same, kind="svg", scale=2, border=2, xmldecl=False)
    assert svg.content == same.getvalue()
    login(client, people.handler_a)
    assert client.get(reverse("placement_qr", args=[walls[0].pk])).status_code == 403


@pytest.mark.parametrize("action", ["placement_retire", "placement_reissue"])
def test_retiring_or_reissuing_asks_for_a_reason_and_a_confirmation(client, people, walls, action):
    login(client, people.admin)
    url = reverse(action, args=[walls[0].pk])
    page = client.get(url).content.decode()
    assert 'name="reason"' in page and 'name="confirm"' in page and "此码已停用" in page
    for data in ({}, {"confirm": "1"}, {"reason": "海报被撕"}, {"reason": " ", "confirm": "1"}):
        response = client.post(url, data)
        assert response.status_code == 400, data
        walls[0].refresh_from_db()
        assert walls[0].is_active and walls[0].replaced_by_id is None, data
    response = client.post(url, {"reason": "海报被撕", "confirm": "1"})
    assert response.status_code == 302
    walls[0].refresh_from_db()
    assert not walls[0].is_active and walls[0].retired_reason == "海报被撕"

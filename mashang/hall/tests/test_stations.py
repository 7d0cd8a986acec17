"""Township and village stations: the same queue on a small scale, items of their level."""

from mashang.catalog.choices import HandlingLevel
from mashang.catalog.testing import build_item, material_type
from mashang.hall import actions
from mashang.hall.choices import HallKind
from mashang.hall.models import Hall, Window, Zone


def station(county, people):
    hall = Hall.objects.create(
        code="v430422101201",
        name="新塘村便民服务站",
        kind=HallKind.VILLAGE,
        division=county.village_a,
        unit=county.units.town_a,
    )
    zone = Zone.objects.create(hall=hall, letter="A", name="便民服务")
    window = Window.objects.create(hall=hall, number=1, name="便民服务窗口")
    return hall, zone, window


def test_a_village_station_runs_the_same_queue(county, people):
    hall, zone, window = station(county, people)
    ticket = actions.take_ticket(zone)
    actions.sign_on(window, clerk=people.window_clerk)
    assert actions.call_next(clerk=people.window_clerk).pk == ticket.pk


def test_a_station_lists_only_items_delegated_to_its_level(client, county, people):
    hall, _zone, _window = station(county, people)
    id_card = material_type("id_card", "居民身份证")
    build_item(
        people.admin,
        county.units.town_a,
        "农村五保供养审核",
        level=HandlingLevel.VILLAGE,
        materials=[id_card],
    )
    build_item(people.admin, county.units.housing, "建筑工程施工许可", materials=[id_card])
    names = set(actions.accepted_items(hall).values_list("name", flat=True))
    assert names == {"农村五保供养审核"}
    body = client.get(f"/hall/take/{hall.code}/").content.decode()
    assert "农村五保供养审核" in body and "建筑工程施工许可" not in body

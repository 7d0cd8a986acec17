"""Shared test helpers: a small hand-made county with one named person per role."""

from types import SimpleNamespace

from mashang.directory.choices import DivisionLevel, PositionTitle, Role, UnitKind
from mashang.directory.models import Division, Position, Staff, Unit

PASSWORD = "Test@Pass2026"


def make_county() -> SimpleNamespace:
    """衡南县 with two townships, two villages, two bureaus and one person per role."""
    province = Division.objects.create(code="430000", name="湖南省", level=DivisionLevel.PROVINCE)
    city = Division.objects.create(
        code="430400", name="衡阳市", level=DivisionLevel.CITY, parent=province
    )
    county = Division.objects.create(
        code="430422", name="衡南县", level=DivisionLevel.COUNTY, parent=city
    )
    town_a = Division.objects.create(
        code="430422101", name="茶市镇", level=DivisionLevel.TOWNSHIP, parent=county
    )
    town_b = Division.objects.create(
        code="430422102", name="冠市镇", level=DivisionLevel.TOWNSHIP, parent=county
    )
    village_a = Division.objects.create(
        code="430422101201", name="新塘村", level=DivisionLevel.VILLAGE, parent=town_a
    )
    village_b = Division.objects.create(
        code="430422102201", name="荷花村", level=DivisionLevel.VILLAGE, parent=town_b
    )
    hamlet_a = Division.objects.create(
        code="430422101201001", name="老屋场党小组", level=DivisionLevel.HAMLET, parent=village_a
    )

    def unit(name, kind, division=county):
        short = division.name if kind == UnitKind.TOWNSHIP else ""
        return Unit.objects.create(name=name, short_name=short, kind=kind, division=division)

    units = SimpleNamespace(
        housing=unit("县住房和城乡建设局", UnitKind.DEPARTMENT),
        water=unit("县水利局", UnitKind.DEPARTMENT),
        town_a=unit("茶市镇人民政府", UnitKind.TOWNSHIP, town_a),
        town_b=unit("冠市镇人民政府", UnitKind.TOWNSHIP, town_b),
        discipline=unit("县纪委监委", UnitKind.DISCIPLINE),
        supervision=unit("县效能督查办", UnitKind.SUPERVISION),
        dispatch=unit("县诉求分拨中心", UnitKind.DISPATCH),
        county_gov=unit("县人民政府办公室", UnitKind.LEADER_OFFICE),
        county_party=unit("县委办公室", UnitKind.LEADER_OFFICE),
        centre=unit("县政务服务中心", UnitKind.SERVICE_CENTRE),
    )

    def person(username, role, unit_, full_name):
        return Staff.objects.create_user(
            username=username, password=PASSWORD, role=role, unit=unit_, full_name=full_name
        )

    admin = person("t_admin", Role.ADMIN, units.centre, "管理员")
    admin.is_superuser = True  # the system administrator of the county (as in the demo)
    admin.save()
    people = SimpleNamespace(
        admin=admin,
        dispatcher=person("t_dispatcher", Role.DISPATCHER, units.dispatch, "分拨员甲"),
        handler_a=person("t_handler_a", Role.HANDLER, units.housing, "住建承办人"),
        handler_b=person("t_handler_b", Role.HANDLER, units.water, "水利承办人"),
        leader_a=person("t_leader_a", Role.UNIT_LEADER, units.housing, "住建局长"),
        discipline=person("t_discipline", Role.DISCIPLINE, units.discipline, "纪检干部"),
        supervisor=person("t_supervisor", Role.SUPERVISOR, units.supervision, "督查员"),
        county_leader=person("t_county_leader", Role.COUNTY_LEADER, units.county_gov, "县长"),
        catalog_admin=person("t_catalog_admin", Role.CATALOG_ADMIN, units.centre, "事项管理员"),
        policy_officer=person("t_policy_officer", Role.POLICY_OFFICER, units.centre, "政策专员"),
        finance_clerk=person("t_finance_clerk", Role.FINANCE_CLERK, units.centre, "财务人员"),
        window_clerk=person("t_window_clerk", Role.WINDOW_CLERK, units.centre, "综合窗口甲"),
        reviewer_a=person("t_reviewer_a", Role.REVIEWER, units.housing, "住建审批人"),
        reviewer_b=person("t_reviewer_b", Role.REVIEWER, units.water, "水利审批人"),
        hall_manager=person("t_hall_manager", Role.HALL_MANAGER, units.centre, "大厅管理员"),
        proxy_clerk=person("t_proxy_clerk", Role.PROXY_CLERK, units.centre, "帮代办员"),
        # One person, two roles: a water-bureau clerk who handles appeals and keeps the catalogue.
        clerk_b=Staff.objects.create_user(
            username="t_clerk_b",
            password=PASSWORD,
            roles=[Role.HANDLER, Role.CATALOG_ADMIN],
            unit=units.water,
            full_name="水利兼职事项员",
        ),
    )
    positions = SimpleNamespace(
        housing_chief=Position.objects.create(
            unit=units.housing, title=PositionTitle.BUREAU_CHIEF, holder=people.leader_a
        ),
        town_a_secretary=Position.objects.create(
            unit=units.town_a, title=PositionTitle.PARTY_SECRETARY
        ),
        county_mayor=Position.objects.create(
            unit=units.county_gov, title=PositionTitle.COUNTY_MAYOR, holder=people.county_leader
        ),
    )
    return SimpleNamespace(
        county=county,
        town_a=town_a,
        town_b=town_b,
        village_a=village_a,
        village_b=village_b,
        hamlet_a=hamlet_a,
        units=units,
        people=people,
        positions=positions,
    )

"""The demo county 衡南县: deterministic, idempotent, loaded only in the embedded demo mode.

Figures from the seed (衡阳日报, 2024-01): 23 township-level divisions, 445 villages and
communities, 2,053 hamlet party groups, 43 county units, 220 staff. Township names are real;
codes follow the national pattern (county + 3 digits; village + 3 more) but are generated,
as are village, hamlet and staff names.
"""

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .choices import DivisionLevel, PositionTitle, Role, UnitKind
from .models import Division, Position, Staff, Unit
from .queries import forget_townships


def _placement_model():
    from mashang.qrcodes.models import Placement

    return Placement


COUNTY_CODE = "430422"
DEMO_PASSWORD = "Hengnan@2026"

TOWNSHIPS = [
    "云集街道",
    "车江街道",
    "向阳桥街道",
    "茶市镇",
    "冠市镇",
    "江口镇",
    "宝盖镇",
    "花桥镇",
    "铁丝塘镇",
    "泉溪镇",
    "洪山镇",
    "三塘镇",
    "谭子山镇",
    "岐山镇",
    "泉湖镇",
    "柞市镇",
    "茅市镇",
    "硫市镇",
    "栗江镇",
    "近尾洲镇",
    "咸塘镇",
    "松江镇",
    "相市乡",
]
VILLAGE_COUNT = 445
HAMLET_COUNT = 2053

SPECIAL_UNITS = [
    ("县纪委监委", UnitKind.DISCIPLINE, PositionTitle.DISCIPLINE_SECRETARY),
    ("县效能督查办", UnitKind.SUPERVISION, None),
    ("县诉求分拨中心", UnitKind.DISPATCH, None),
    ("县政务服务中心", UnitKind.SERVICE_CENTRE, None),
    ("县委办公室", UnitKind.LEADER_OFFICE, PositionTitle.COUNTY_SECRETARY),
    ("县人民政府办公室", UnitKind.LEADER_OFFICE, PositionTitle.COUNTY_MAYOR),
]
DEPARTMENTS = [
    "县发展和改革局",
    "县教育局",
    "县科学技术和工业信息化局",
    "县公安局",
    "县民政局",
    "县司法局",
    "县财政局",
    "县人力资源和社会保障局",
    "县自然资源局",
    "市生态环境局衡南分局",
    "县住房和城乡建设局",
    "县交通运输局",
    "县水利局",
    "县农业农村局",
    "县商务局",
    "县文化旅游广电体育局",
    "县卫生健康局",
    "县退役军人事务局",
    "县应急管理局",
    "县审计局",
    "县市场监督管理局",
    "县统计局",
    "县医疗保障局",
    "县城市管理和综合执法局",
    "县林业局",
    "县行政审批服务局",
    "县信访局",
    "县数据局",
    "县税务局",
    "县人民防空办公室",
    "县乡村振兴局",
    "县住房公积金管理部",
    "县供销合作社",
    "县残疾人联合会",
    "县消防救援大队",
    "县不动产登记中心",
    "县公共资源交易中心",
]
# Departments that get a second and third handler: they receive most appeals.
BUSY_DEPARTMENTS = [
    "县住房和城乡建设局",
    "县公安局",
    "县自然资源局",
    "县人力资源和社会保障局",
    "县农业农村局",
    "县城市管理和综合执法局",
    "县市场监督管理局",
    "县卫生健康局",
    "县教育局",
]

SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严赖覃洪武莫孔"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力林斌波宇浩凯健俊帆帅旭宁玲婷燕雪琳晨曦鹏飞鑫新海峰志永春云"
PLACE_A = "新老大小上下东西南北中前后长高青红白金石竹桃李杨柳松荷梅兰花龙凤鹤狮马牛羊鸡泉塘湖江河溪潭井桥坪冲湾岭山坡岗洲田园铺"
PLACE_B = "塘冲湾坪岭山桥田洲铺湖园江溪潭井岗坡源林庄屯堂港口垅坳"


@dataclass
class LoadResult:
    created: bool
    counts: dict


def _place(rng: random.Random, suffix: str) -> str:
    first, second = rng.choice(PLACE_A), rng.choice(PLACE_B)
    while second == first:
        second = rng.choice(PLACE_B)
    return first + second + suffix


def _names(rng: random.Random, count: int, make, taken: set[str] | None = None) -> list[str]:
    taken = set() if taken is None else taken
    out = []
    while len(out) < count:
        name = make(rng)
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def _split(total: int, parts: int) -> list[int]:
    """Spread `total` over `parts` as evenly as possible, larger shares first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _division(code, name, level, parent) -> Division:
    path = f"{parent.path if parent else '/'}{code}/"
    return Division(
        code=code, name=name, level=level, parent=parent, path=path, depth=path.count("/") - 2
    )


def demo_loaded() -> bool:
    return Division.objects.filter(code=COUNTY_CODE).exists()


@transaction.atomic
def load_demo_county() -> LoadResult:
    """Create the demo county if it is not there yet; otherwise change nothing."""
    if demo_loaded():
        return LoadResult(created=False, counts=demo_counts())
    rng = random.Random(430422)

    province = _division("430000", "湖南省", DivisionLevel.PROVINCE, None)
    province.save()
    city = _division("430400", "衡阳市", DivisionLevel.CITY, province)
    city.save()
    county = _division(COUNTY_CODE, "衡南县", DivisionLevel.COUNTY, city)
    county.save()

    townships = []
    street_no, town_no = 1, 101
    for name in TOWNSHIPS:
        if name.endswith("街道"):
            code, street_no = f"{COUNTY_CODE}{street_no:03d}", street_no + 1
        elif name.endswith("乡"):
            code = f"{COUNTY_CODE}201"
        else:
            code, town_no = f"{COUNTY_CODE}{town_no:03d}", town_no + 1
        townships.append(_division(code, name, DivisionLevel.TOWNSHIP, county))
    townships = Division.objects.bulk_create(townships)
    forget_townships()  # bulk_create sends no post_save

    villages = []
    for township, n in zip(townships, _split(VILLAGE_COUNT, len(townships)), strict=True):
        suffix = "社区" if township.name.endswith("街道") else "村"
        names = _names(rng, n, lambda r, s=suffix: _place(r, s))
        for i, name in enumerate(names, start=1):
            villages.append(
                _division(f"{township.code}{200 + i:03d}", name, DivisionLevel.VILLAGE, township)
            )
    villages = Division.objects.bulk_create(villages)

    hamlets = []
    for village, n in zip(villages, _split(HAMLET_COUNT, len(villages)), strict=True):
        names = _names(rng, n, lambda r: _place(r, "屋场党小组"))
        for i, name in enumerate(names, start=1):
            hamlets.append(_division(f"{village.code}{i:03d}", name, DivisionLevel.HAMLET, village))
    Division.objects.bulk_create(hamlets, batch_size=1000)

    units = _create_units(county, townships, villages)
    _create_staff(rng, units)
    from mashang.qrcodes.placements import generate_placements

    generate_placements(county)
    from mashang.appeals.demo import load_demo_appeals

    load_demo_appeals()
    from django.utils import timezone

    from mashang.stats.generate import seed_history

    seed_history(timezone.now())
    from mashang.stats.facts import refresh

    refresh()  # the dashboards' roll-ups, ready before the first visit
    from mashang.benefits.demo import load_demo_benefits

    load_demo_benefits()
    return LoadResult(created=True, counts=demo_counts())


def _create_units(county, townships, villages) -> dict[str, Unit]:
    rows = []
    for i, (name, kind, _title) in enumerate(SPECIAL_UNITS):
        rows.append(Unit(name=name, kind=kind, division=county, sort_order=i))
    for i, name in enumerate(DEPARTMENTS, start=len(SPECIAL_UNITS)):
        rows.append(Unit(name=name, kind=UnitKind.DEPARTMENT, division=county, sort_order=i))
    for i, township in enumerate(townships, start=100):
        name = township.name + ("办事处" if township.name.endswith("街道") else "人民政府")
        rows.append(
            Unit(
                name=name,
                short_name=township.name,
                kind=UnitKind.TOWNSHIP,
                division=township,
                sort_order=i,
            )
        )
    for i, village in enumerate(villages, start=1000):
        name = village.name + ("居民委员会" if village.name.endswith("社区") else "村民委员会")
        rows.append(
            Unit(
                name=name,
                short_name=village.name,
                kind=UnitKind.VILLAGE,
                division=village,
                sort_order=i,
            )
        )
    created = Unit.objects.bulk_create(rows, batch_size=1000)
    return {u.name: u for u in created}


def _create_staff(rng: random.Random, units: dict[str, Unit]) -> None:
    """220 staff: every position holder, the central desks, and handlers in the units."""
    password = make_password(DEMO_PASSWORD)  # hashed once: 220 PBKDF2 runs would take a minute
    people = _names(
        rng,
        220,
        lambda r: r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2)))),
    )
    staff: list[Staff] = []
    holders: list[tuple[Unit, str, int]] = []  # (unit, title, index into staff)

    def add(username, role, unit, title=None):
        index = len(staff)
        roles = [role] if isinstance(role, str) else list(role)
        staff.append(
            Staff(
                username=username,
                full_name=people[index],
                roles=roles,
                unit=unit,
                password=password,
                is_staff=Role.ADMIN in roles,
                is_superuser=Role.ADMIN in roles,
                mobile=f"1390734{index:04d}",
            )
        )
        if title:
            holders.append((unit, title, index))

    serial = iter(range(1, 1000))

    def next_name():
        return f"hn{next(serial):04d}"

    township_units = [u for u in units.values() if u.kind == UnitKind.TOWNSHIP]

    add("admin", Role.ADMIN, units["县政务服务中心"])
    add("leader", Role.COUNTY_LEADER, units["县人民政府办公室"], PositionTitle.COUNTY_MAYOR)
    add(next_name(), Role.COUNTY_LEADER, units["县委办公室"], PositionTitle.COUNTY_SECRETARY)
    add("discipline", Role.DISCIPLINE, units["县纪委监委"])
    add(next_name(), Role.DISCIPLINE, units["县纪委监委"], PositionTitle.DISCIPLINE_SECRETARY)
    add("dispatcher", Role.DISPATCHER, units["县诉求分拨中心"])
    add("supervisor", Role.SUPERVISOR, units["县效能督查办"])
    add("unitleader", Role.UNIT_LEADER, units["县住房和城乡建设局"], PositionTitle.BUREAU_CHIEF)
    # One person, two roles: the bureau's clerk handles appeals and reviews applications.
    add("handler", (Role.HANDLER, Role.REVIEWER), units["县住房和城乡建设局"])
    # One-window pillar: the centre's catalogue keeper also answers appeals addressed to the centre.
    add("catalog", (Role.CATALOG_ADMIN, Role.HANDLER), units["县政务服务中心"])
    add("policy", Role.POLICY_OFFICER, units["县人力资源和社会保障局"])
    add("finance", Role.FINANCE_CLERK, units["县财政局"])

    add("window", Role.WINDOW_CLERK, units["县政务服务中心"])
    add(next_name(), Role.ADMIN, units["县政务服务中心"])
    for _ in range(6):
        add(next_name(), Role.DISPATCHER, units["县诉求分拨中心"])
    for _ in range(5):
        add(next_name(), Role.DISCIPLINE, units["县纪委监委"])
    for _ in range(4):
        add(next_name(), Role.SUPERVISOR, units["县效能督查办"])
    # The hall floor: its manager also answers appeals; the 帮代办员 also staffs a window.
    add("hallmgr", (Role.HALL_MANAGER, Role.HANDLER), units["县政务服务中心"])
    add("proxy", (Role.PROXY_CLERK, Role.WINDOW_CLERK), units["县政务服务中心"])
    add(next_name(), Role.COUNTY_LEADER, units["县委办公室"])
    add(next_name(), Role.COUNTY_LEADER, units["县人民政府办公室"])

    for name in DEPARTMENTS:
        unit = units[name]
        if name != "县住房和城乡建设局":
            add(next_name(), Role.UNIT_LEADER, unit, PositionTitle.BUREAU_CHIEF)
        handlers = 2 + (1 if name in BUSY_DEPARTMENTS else 0)
        if name == "县住房和城乡建设局":
            handlers -= 1  # the demo handler above is one of them
        for _ in range(handlers):  # unit clerks answer appeals and review applications
            add(next_name(), (Role.HANDLER, Role.REVIEWER), unit)
    for unit in township_units:
        add(next_name(), Role.UNIT_LEADER, unit, PositionTitle.PARTY_SECRETARY)
        add(next_name(), Role.UNIT_LEADER, unit, PositionTitle.MAYOR)
        # The township clerk also files for villagers as their 代办员 (帮代办).
        add(next_name(), (Role.HANDLER, Role.REVIEWER, Role.PROXY_CLERK), unit)
    # Fill up to the seed's 220 with handlers in the busiest departments.
    busy = iter(BUSY_DEPARTMENTS * 3)
    while len(staff) < 220:
        add(next_name(), Role.HANDLER, units[next(busy)])
    assert len(staff) == 220, len(staff)

    staff = Staff.objects.bulk_create(staff)
    Position.objects.bulk_create(
        [Position(unit=unit, title=title, holder=staff[i]) for unit, title, i in holders]
    )


def demo_counts() -> dict:
    return {
        "townships": Division.objects.filter(level=DivisionLevel.TOWNSHIP).count(),
        "villages": Division.objects.filter(level=DivisionLevel.VILLAGE).count(),
        "hamlets": Division.objects.filter(level=DivisionLevel.HAMLET).count(),
        "county_units": Unit.objects.filter(division__level=DivisionLevel.COUNTY).count(),
        "staff": Staff.objects.count(),
        "placements": _placement_model().objects.count(),
    }


DEMO_LOGINS = [
    ("admin", "系统管理员"),
    ("dispatcher", "分拨员"),
    ("handler", "承办人兼审批人员（县住建局）"),
    ("unitleader", "单位负责人（县住建局局长）"),
    ("discipline", "纪检干部（县纪委监委）"),
    ("supervisor", "效能督查员"),
    ("leader", "县领导（县长）"),
    ("catalog", "事项管理员兼承办人（县政务服务中心）"),
    ("policy", "惠企政策专员（县人社局）"),
    ("finance", "财务拨付员（县财政局）"),
    ("policychief", "人社局局长，兼惠企政策专员（两人审批的复核人）"),
    ("window", "综合窗口人员（县政务服务中心）"),
    ("hallmgr", "大厅管理员兼承办人（县政务服务中心）"),
    ("proxy", "帮代办员兼综合窗口人员（县政务服务中心）"),
]

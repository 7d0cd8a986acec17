"""The demo catalogue: 43 units, 1,033 items, 26 一件事 themes, ≥ 50 items handled in villages.

Deterministic and idempotent (nothing happens when items exist). The 26 themes' own figures
(steps, promised limit) and a few members' materials are tuned so the county's reductions
come out as in the seed (−78.5 % steps, −87.2 % time, −39.6 % materials, 100 % online) —
but the figures themselves are always computed from the items by `queries.county_reductions`.
"""

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from mashang.directory.choices import UnitKind
from mashang.directory.models import Division, Unit

from . import demo_data as data
from .choices import (
    HandlingLevel,
    ItemType,
    MaterialForm,
    MaterialSource,
    ServiceScope,
    StepKind,
    VersionStatus,
)
from .models import (
    Bundle,
    BundleItem,
    BundleStep,
    CaseOption,
    CaseQuestion,
    FormField,
    Item,
    ItemVersion,
    LegalBasis,
    Material,
    MaterialType,
    Step,
    Synonym,
    Topic,
    VersionField,
)
from .queries import bump_figures_version, bundle_views

ITEM_TOTAL = 1033
EFFECTIVE_FROM = date(2024, 1, 1)
TARGETS = {"steps": Decimal("78.5"), "time": Decimal("87.2"), "materials": Decimal("39.6")}
KIND_NO = {
    "licensing": 1,
    "payment": 2,
    "confirmation": 3,
    "levy": 4,
    "reward": 5,
    "ruling": 6,
    "other_power": 7,
    "public_service": 8,
}
SYNONYMS = [
    ("上户口", "出生登记", "新生儿落户"),
    ("落户", "户口迁移", ""),
    ("办身份证", "居民身份证申领", ""),
    ("开饭店", "开办餐饮店", ""),
    ("开餐馆", "开办餐饮店", ""),
    ("营业执照", "企业设立登记", ""),
    ("过户", "转移登记", "二手房"),
    ("买房", "商品房", ""),
    ("退休金", "养老保险待遇", ""),
    ("领养老金", "养老保险待遇", ""),
    ("社保卡", "社会保障卡", ""),
    ("医保", "基本医疗保险", ""),
    ("低保", "最低生活保障", ""),
    ("老人补贴", "高龄津贴", ""),
    ("残疾证", "残疾人证", ""),
    ("办证", "许可证核发", ""),
    ("注销公司", "企业注销", ""),
    ("装水", "用水报装", ""),
    ("装电", "用电报装", ""),
    ("开煤气", "燃气报装", ""),
    ("装宽带", "宽带报装", ""),
    ("建房", "村民建房", "农村"),
    ("结婚", "结婚登记", ""),
    ("去世", "身后事", ""),
    ("丧葬费", "丧葬补助金", ""),
    ("上学", "入学", ""),
    ("找工作", "就业登记", ""),
    ("失业金", "失业保险金", ""),
    ("公积金", "住房公积金", ""),
    ("信用修复", "失信名单移出", ""),
]


@dataclass
class Spec:
    name: str
    unit: str
    kind: str
    subject: str  # p or e
    level: str = HandlingLevel.COUNTY
    materials: list[str] = field(default_factory=list)
    produces: list[str] = field(default_factory=list)
    topics: set[str] = field(default_factory=set)


def material_fits(code: str, subject: str, names) -> bool:
    """May an item of `subject` (p/e), called `names` (its own and its 一件事's), ask for the
    material `code`? By the table of families `demo_data.MATERIAL_FAMILIES`."""
    for fam_subject, words, codes in data.MATERIAL_FAMILIES.values():
        if code not in codes:
            continue
        if not fam_subject and not words:
            return True
        if fam_subject == subject or any(w in n for w in words for n in names):
            return True
    return False


def subject_of(version) -> str:
    """p (a person) or e (a firm), as the demo wrote the version's conditions."""
    return "e" if version.conditions.endswith("企业或其他组织。") else "p"


# What an item asks for when its kind's usual materials do not fit it.
SUBJECT_MATERIALS = {"p": ["photo", "hukou", "bank_card"], "e": ["lease", "safety_rules"]}


def catalog_loaded() -> bool:
    return Item.objects.exists()


def _ensure_units(county: Division) -> dict[str, Unit]:
    """The 37 departments come from the directory; the hosted units are added once here."""
    existing = {u.name: u for u in Unit.objects.filter(division=county)}
    order = max((u.sort_order for u in existing.values()), default=0) + 1
    for i, name in enumerate(data.HOSTED_UNITS):
        if name not in existing:
            existing[name] = Unit.objects.create(
                name=name, kind=UnitKind.HOSTED, division=county, sort_order=order + i
            )
    return existing


def _specs(rng: random.Random) -> list[Spec]:
    specs: dict[str, Spec] = {}
    for _code, _name, _lead, topics, members in data.BUNDLES:
        for name, unit, kind, subject, materials, produces in members:
            spec = specs.get(name)
            if spec is None:
                spec = specs[name] = Spec(name, unit, kind, subject, materials=list(materials))
                spec.produces = list(produces)
            spec.topics |= set(topics)
    for name, unit, kind in data.VILLAGE_ITEMS:
        specs[name] = Spec(name, unit, kind, "p", HandlingLevel.VILLAGE)
    # The families, one candidate per unit in turn so every unit gets its share.
    queues = []
    for unit, families in data.FAMILIES.items():
        names = []
        for variant_no in range(max(len(v) for v in data.VARIANTS.values())):
            for root, kind, subject in families:
                variants = data.VARIANTS[kind]
                if variant_no < len(variants):
                    names.append((root + variants[variant_no], unit, kind, subject))
        queues.append(names)
    while len(specs) < ITEM_TOTAL:
        progressed = False
        for queue in queues:
            while queue and len(specs) < ITEM_TOTAL:
                name, unit, kind, subject = queue.pop(0)
                if name in specs:
                    continue
                level = HandlingLevel.COUNTY
                if subject == "p" and kind in ("payment", "public_service", "confirmation"):
                    if rng.random() < 0.6:
                        level = HandlingLevel.TOWNSHIP
                specs[name] = Spec(name, unit, kind, subject, level)
                progressed = True
                break
        if not progressed:
            raise RuntimeError("not enough item families for the demo catalogue")
    return list(specs.values())


def _limits(rng: random.Random, spec: Spec) -> tuple[str, int, int]:
    legal = {"licensing": 20, "payment": 30, "levy": 15, "confirmation": 20}.get(spec.kind, 15)
    if spec.kind == "public_service" and rng.random() < 0.4 or spec.kind == "levy":
        return ItemType.INSTANT, legal, 0
    promised = rng.randint(max(3, legal // 4), legal // 2 + 2)
    return ItemType.PROMISED, legal, min(promised, legal)


def _steps(rng: random.Random, spec: Spec, item_type: str, promised: int) -> list[tuple]:
    if item_type == ItemType.INSTANT:
        return [(StepKind.ACCEPT, "受理", 0), (StepKind.DECIDE, "当场办结", 0)]
    steps = [(StepKind.ACCEPT, "受理", 1), (StepKind.REVIEW, "审查", 0)]
    if spec.kind == "licensing" and rng.random() < 0.5:
        steps.append((StepKind.INSPECT, "现场核查", 0))
    steps += [(StepKind.DECIDE, "决定", 1), (StepKind.DELIVER, "送达", 0)]
    middle = max(promised - 2, 0)
    share = [middle // (len(steps) - 3)] * (len(steps) - 3)
    share[0] += middle - sum(share)
    return [
        (kind, name, share[i - 1] if 0 < i < len(steps) - 2 else days)
        for i, (kind, name, days) in enumerate(steps)
    ]


FIELD_HINTS = {
    "出生": ["child_name", "mother_name", "father_name", "birth_date", "gender"],
    "入学": ["child_name", "school_name", "household_address"],
    "学籍": ["child_name", "school_name"],
    "死亡": ["deceased_name", "deceased_id", "death_date"],
    "殡葬": ["deceased_name", "deceased_id", "death_date"],
    "丧葬": ["deceased_name", "deceased_id", "bank_account"],
    "残疾": ["disability_level", "bank_account"],
    "退休": ["retire_date", "bank_account"],
    "不动产": ["property_address", "property_cert_no"],
    "房": ["property_address"],
    "车": ["vehicle_plate"],
    "报装": ["property_address"],
    "过户": ["property_address"],
    "宅基地": ["land_area", "household_address"],
    "建房": ["land_area"],
    "津贴": ["bank_account"],
    "补贴": ["bank_account"],
    "设立": ["registered_capital", "business_scope", "contact_name"],
}


@transaction.atomic
def load_demo_catalog() -> bool:
    """Create the demo catalogue once (needs the demo county). Returns False if it existed."""
    if catalog_loaded():
        return False
    county = Division.objects.get(code="430422")
    rng = random.Random(1033)
    units = _ensure_units(county)
    topics = {
        code: t
        for code, t in zip(
            [c for c, _n, _k in data.TOPICS],
            Topic.objects.bulk_create(
                [
                    Topic(code=c, name=n, kind=k, sort_order=i)
                    for i, (c, n, k) in enumerate(data.TOPICS)
                ]
            ),
            strict=True,
        )
    }
    fields = {
        f.code: f
        for f in FormField.objects.bulk_create(
            [
                FormField(
                    code=c,
                    label=label,
                    kind=kind,
                    hint=hint,
                    choices=data.FIELD_CHOICES.get(c, ""),
                    sort_order=i,
                )
                for i, (c, label, kind, hint) in enumerate(data.FIELDS)
            ]
        )
    }
    mtypes = {
        t.code: t
        for t in MaterialType.objects.bulk_create(
            [
                MaterialType(code=c, name=n, e_license_type=e, government_holds=g)
                for c, n, e, g in data.MATERIAL_TYPES
            ]
            + [MaterialType(code="application_form", name="申请表")]
        )
    }
    Synonym.objects.bulk_create([Synonym(phrase=p, canonical=c, note=n) for p, c, n in SYNONYMS])

    specs = _specs(rng)
    unit_no = {name: i for i, name in enumerate(sorted(units), start=1)}
    seq: dict[str, int] = {}
    items, versions = [], []
    for spec in specs:
        seq[spec.unit] = seq.get(spec.unit, 0) + 1
        kno, uno = KIND_NO[spec.kind], unit_no[spec.unit]
        basic = f"{kno:02d}{uno:03d}{seq[spec.unit]:04d}"
        items.append(
            Item(
                code=f"430422{basic}{'321'[['county', 'township', 'village'].index(spec.level)]}",
                basic_code=basic,
                unit=units[spec.unit],
                name=spec.name,
                kind=spec.kind,
                level=spec.level,
            )
        )
    items = Item.objects.bulk_create(items, batch_size=500)
    plans = []
    for spec, item in zip(specs, items, strict=True):
        item_type, legal, promised = _limits(rng, spec)
        visits = 0 if item_type == ItemType.INSTANT and rng.random() < 0.3 else 1
        if spec.kind == "licensing" and rng.random() < 0.3:
            visits = 2
        result_kind, result_word = data.RESULTS[spec.kind]
        if spec.level == HandlingLevel.VILLAGE:
            where, delegated = "各村（社区）便民服务站", "全县445个村（社区）便民服务站"
        elif spec.level == HandlingLevel.TOWNSHIP:
            where, delegated = "各乡镇（街道）便民服务中心", "全县23个乡镇（街道）便民服务中心"
        else:
            where = f"衡南县政务服务中心{rng.randint(1, 3)}楼{rng.randint(1, 104)}号窗口"
            delegated = ""
        fee = "机动车" in spec.name or "不动产" in spec.name and "查询" not in spec.name
        versions.append(
            ItemVersion(
                item=item,
                number=1,
                status=VersionStatus.PUBLISHED,
                effective_from=EFFECTIVE_FROM,
                name=spec.name,
                kind=spec.kind,
                item_type=item_type,
                conditions=f"符合{spec.name}相关法律法规规定条件的"
                + ("企业或其他组织" if spec.subject == "e" else "自然人")
                + "。",
                review_criteria="材料齐全、符合法定形式；申请事项符合法定条件。",
                result_kind=result_kind,
                result_name=spec.name.split("（")[0] + result_word,
                legal_limit_days=legal,
                promised_limit_days=promised,
                visits=visits,
                online=True,
                window=True,
                self_service=spec.kind == "public_service",
                by_post=spec.kind == "licensing",
                fee_charged=fee,
                fee_amount=Decimal("80.00") if fee else Decimal("0"),
                fee_basis="《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》"
                if fee
                else "",
                level=spec.level,
                delegated_to=delegated,
                scope=rng.choice(
                    [ServiceScope.COUNTY] * 6
                    + [ServiceScope.CITY] * 3
                    + [ServiceScope.CROSS_PROVINCE]
                ),
                office_address=where,
                office_hours="工作日 8:30—12:00，14:30—17:30",
                phone=f"0734-8{rng.randint(100000, 999999)}",
                change_note="首次发布",
                published_at=None,
            )
        )
        plans.append((spec, item_type, promised))
    versions = ItemVersion.objects.bulk_create(versions, batch_size=500)

    bundle_members = {m[0] for b in data.BUNDLES for m in b[4]}
    bundle_names: dict[str, list[str]] = {}
    for b in data.BUNDLES:
        for m in b[4]:
            bundle_names.setdefault(m[0], []).append(b[1])
    own_types = []
    for spec, version in zip(specs, versions, strict=True):
        root = spec.name.split("（")[0]
        count = 3 if spec.name in bundle_members else 2
        for k, template in enumerate(data.OWN_MATERIALS[spec.kind][:count]):
            own_types.append(
                MaterialType(
                    code=f"own-{version.item_id}-{k}",
                    name=template.format(root).replace("申领申领", "申领"),
                )
            )
    own_types = MaterialType.objects.bulk_create(own_types, batch_size=1000)
    own_by_item: dict[int, list[MaterialType]] = {}
    for t in own_types:
        own_by_item.setdefault(int(t.code.split("-")[1]), []).append(t)

    bases, steps, vfields, mats, questions = [], [], [], [], []
    produces = []
    for (spec, item_type, promised), version in zip(plans, versions, strict=True):
        law, article = data.LAWS[spec.kind]
        bases.append(LegalBasis(version=version, law=law, article=article, order=0))
        bases.append(
            LegalBasis(version=version, law="湖南省政务服务规定", article="第十九条", order=1)
        )
        for i, (kind, name, days) in enumerate(_steps(rng, spec, item_type, promised)):
            steps.append(Step(version=version, kind=kind, name=name, limit_days=days, order=i))
        codes = list(PERSON_OR_BUSINESS[spec.subject])
        for word, extra in FIELD_HINTS.items():
            if word in spec.name:
                codes += [c for c in extra if c not in codes]
        if spec.kind == "payment" and "bank_account" not in codes:
            codes.append("bank_account")
        for i, c in enumerate(codes):
            vfields.append(VersionField(version=version, field=fields[c], order=i))
        identity = ["id_card"] if spec.subject == "p" else ["business_license", "legal_rep_id"]
        names = [spec.name, *(bundle_names.get(spec.name, []))]
        pool = [
            c
            for c in data.KIND_MATERIALS[spec.kind] + SUBJECT_MATERIALS[spec.subject]
            if material_fits(c, spec.subject, names)
        ]
        pool = list(dict.fromkeys(pool))
        specific = spec.materials or rng.sample(pool, k=min(2, len(pool)))
        order = 0
        mats.append(
            Material(
                version=version,
                material_type=mtypes["application_form"],
                name=spec.name.split("（")[0] + "申请表",
                form=MaterialForm.ORIGINAL,
                order=order,
            )
        )
        for code in identity + [c for c in specific if c not in identity]:
            order += 1
            t = mtypes[code]
            mats.append(
                Material(
                    version=version,
                    material_type=t,
                    name=t.name,
                    form=MaterialForm.ORIGINAL_AND_COPY if code in identity else MaterialForm.COPY,
                    source=MaterialSource.GOVERNMENT
                    if t.government_holds
                    else MaterialSource.APPLICANT,
                    may_be_missing=code in ("site_photo", "floor_plan", "photo", "safety_rules"),
                    order=order,
                )
            )
        for t in own_by_item[version.item_id]:
            order += 1
            mats.append(
                Material(
                    version=version,
                    material_type=t,
                    name=t.name,
                    form=MaterialForm.ORIGINAL,
                    order=order,
                )
            )
        for code in spec.produces:
            produces.append(
                ItemVersion.produces.through(itemversion=version, materialtype=mtypes[code])
            )
        questions.append(CaseQuestion(version=version, text="是否委托他人代为办理？", order=0))
    LegalBasis.objects.bulk_create(bases, batch_size=1000)
    Step.objects.bulk_create(steps, batch_size=1000)
    VersionField.objects.bulk_create(vfields, batch_size=1000)
    Material.objects.bulk_create(mats, batch_size=1000)
    ItemVersion.produces.through.objects.bulk_create(produces)
    questions = CaseQuestion.objects.bulk_create(questions, batch_size=1000)
    options = []
    for q in questions:
        options.append(CaseOption(question=q, label="本人办理", order=0))
        options.append(CaseOption(question=q, label="委托他人办理", order=1))
    options = CaseOption.objects.bulk_create(options, batch_size=1000)
    proxy_mats = []
    for version in versions:
        for i, code in enumerate(("proxy_letter", "proxy_id")):
            proxy_mats.append(
                Material(
                    version=version,
                    material_type=mtypes[code],
                    name=mtypes[code].name,
                    form=MaterialForm.ORIGINAL,
                    order=50 + i,
                )
            )
    proxy_mats = Material.objects.bulk_create(proxy_mats, batch_size=1000)
    links = [
        Material.case_options.through(material=m, caseoption=opt)
        for m, opt in zip(proxy_mats, [o for o in options[1::2] for _ in range(2)], strict=True)
    ]
    Material.case_options.through.objects.bulk_create(links, batch_size=1000)

    by_name = {spec.name: item for spec, item in zip(specs, items, strict=True)}
    topic_links = []
    for spec, item in zip(specs, items, strict=True):
        for code in spec.topics:
            topic_links.append(Item.topics.through(item=item, topic=topics[code]))
    Item.topics.through.objects.bulk_create(topic_links)
    _create_bundles(units, topics, by_name)
    _tune(rng, mtypes)
    bump_figures_version()  # bulk writes send no signals
    return True


PERSON_OR_BUSINESS = {"p": data.PERSON_FIELDS, "e": data.BUSINESS_FIELDS}
BUNDLE_STEP_NAMES = ["一窗受理", "并联审查", "联合踏勘", "统一决定", "集中送达"]


def _bundle_step_names(n: int) -> list[str]:
    """一窗受理 first and 统一出件 last; the middle from the usual merged stages."""
    middle = BUNDLE_STEP_NAMES[1 : n - 1]
    while len(middle) < n - 2:
        middle.append(f"并联审查（第{len(middle)}组）")
    return ["一窗受理", *middle, "统一出件"]


def _create_bundles(units, topics, by_name) -> None:
    for i, (code, name, lead, topic_codes, members) in enumerate(data.BUNDLES):
        bundle = Bundle.objects.create(
            code=code,
            name=name,
            description=f"{name}：一次告知、一表申请、一套材料、一窗受理、一网办理。",
            lead_unit=units[lead],
            online=True,
            visits=0 if i % 3 else 1,
            promised_limit_days=1,
            sort_order=i,
        )
        bundle.topics.set([topics[c] for c in topic_codes])
        BundleItem.objects.bulk_create(
            [BundleItem(bundle=bundle, item=by_name[m[0]], order=j) for j, m in enumerate(members)]
        )
    newborn = Bundle.objects.get(code="newborn")
    question = CaseQuestion.objects.create(bundle=newborn, text="是否同时申领社会保障卡？")
    yes = CaseOption.objects.create(question=question, label="是", order=0)
    CaseOption.objects.create(question=question, label="否", order=1)
    newborn.members.get(item__name="社会保障卡申领").case_options.add(yes)


def _percent(bundle_value: int, items_value: int) -> Decimal:
    rate = 1 - Decimal(bundle_value) / Decimal(items_value)
    return (rate * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _closest(total: int, target: Decimal) -> tuple[int, int]:
    """(bundle-side sum, items-side addition) whose reduction rounds to `target`.

    One unit on a few hundred moves the figure by more than 0.1, so the items' side may need
    a little more (an extra step or day on some members) to land on the seed's figure.
    """
    for extra in range(0, 50):
        guess = int((total + extra) * (1 - target / 100))
        for b in (guess, guess + 1, guess - 1):
            if b > 0 and _percent(b, total + extra) == target:
                return b, extra
    raise RuntimeError(f"no bundle sum gives {target} % of {total}")


def _single_bundle_versions(views) -> list:
    """Member versions in exactly one theme: changing them moves only that theme's figures."""
    counts: dict[int, int] = {}
    for view in views:
        for v in view.versions:
            counts[v.item_id] = counts.get(v.item_id, 0) + 1
    return [v for view in views for v in view.versions if counts[v.item_id] == 1]


def _spread(total: int, weights: list[int], floor: int) -> list[int]:
    """Split `total` in proportion to `weights`, each share at least `floor`."""
    shares = [max(floor, int(total * w / sum(weights))) for w in weights]
    i = 0
    while sum(shares) != total:
        step = 1 if sum(shares) < total else -1
        j = i % len(shares)
        if step > 0 or shares[j] > floor:
            shares[j] += step
        i += 1
    return shares


def _tune(rng: random.Random, mtypes: dict[str, MaterialType]) -> None:
    """Set the themes' own steps and limits, and top up materials, to the seed's figures."""
    views = bundle_views(Bundle.objects.order_by("sort_order"))
    reds = [v.reductions for v in views]
    singles = [v for v in _single_bundle_versions(views) if v.item_type == ItemType.PROMISED]
    # Steps: the themes' merged steps, in proportion to their items' steps.
    item_steps = [r["steps"].items_value for r in reds]
    total, extra = _closest(sum(item_steps), TARGETS["steps"])
    extra_steps = [
        Step(version=v, kind=StepKind.REVIEW, name="复核", limit_days=0, order=3)
        for v in singles[:extra]
    ]
    Step.objects.bulk_create(extra_steps)
    counts = _spread(total, item_steps, 2)
    rows = []
    for view, n in zip(views, counts, strict=True):
        rows += [
            BundleStep(bundle=view.bundle, name=name, limit_days=0, order=k)
            for k, name in enumerate(_bundle_step_names(n))
        ]
    BundleStep.objects.bulk_create(rows)
    # Time: the themes' promised limits.
    item_days = [r["time"].items_value for r in reds]
    total, extra = _closest(sum(item_days), TARGETS["time"])
    longer = [v for v in singles if v.promised_limit_days < v.legal_limit_days][:extra]
    for v in longer:
        v.promised_limit_days += 1
    ItemVersion.objects.bulk_update(longer, ["promised_limit_days"])
    days = _spread(total, item_days, 1)
    for view, d in zip(views, days, strict=True):
        view.bundle.promised_limit_days = d
    Bundle.objects.bulk_update([v.bundle for v in views], ["promised_limit_days"])
    # Materials: the merge decides the themes' side; add materials to members in one theme only.
    b_sum = sum(r["materials"].bundle_value for r in reds)
    s_sum = sum(r["materials"].items_value for r in reds)
    plan = _material_plan(b_sum, s_sum, TARGETS["materials"])
    _apply_material_plan(views, plan, mtypes)


def _material_plan(b: int, s: int, target: Decimal) -> tuple[int, int]:
    """(kept, merged): materials to add that the theme keeps (+1/+1) or merges away (+0/+1)."""
    best = None
    for kept in range(0, 400):
        for merged in range(0, 400 - kept):
            if _percent(b + kept, s + kept + merged) == target:
                if best is None or kept + merged < sum(best):
                    best = (kept, merged)
                break
    if best is None:
        raise RuntimeError("cannot reach the materials target")
    return best


KEPT_POOL = [
    "lease",
    "contract",
    "safety_rules",
    "staff_qualification",
    "floor_plan",
    "site_photo",
    "bank_card",
    "photo",
    "hukou",
]


def _apply_material_plan(views, plan: tuple[int, int], mtypes) -> None:
    kept, merged = plan
    singles = {v.pk for v in _single_bundle_versions(views)}
    names_of: dict[int, list[str]] = {}
    for view in views:
        for v in view.versions:
            names_of.setdefault(v.pk, [v.name]).append(view.bundle.name)
    rows = []
    state = []
    for view in views:
        present = {m.material_type.code for m in view.merged_materials()}
        brought = {m.material_type.code for m in view.merged_materials() if m.brought}
        brought.discard("application_form")
        for v in view.versions:
            if v.pk in singles:
                state.append(
                    (v, present, brought, {m.material_type.code for m in v.materials.all()})
                )

    def fits(v, code: str) -> bool:
        return material_fits(code, subject_of(v), names_of[v.pk])

    while kept or merged:
        progressed = False
        for v, present, brought, mine in state:
            if kept:
                # A material no other member of the theme asks for: kept in the merged set.
                code = next(
                    (c for c in KEPT_POOL if c not in present and fits(v, c)),
                    None,
                )
                if code:
                    present.add(code)
                    mine.add(code)
                    rows.append((v, code))
                    kept -= 1
                    progressed = True
                    continue
            if merged:
                # A material another member already asks for: merged away in the theme.
                code = next((c for c in sorted(brought) if c not in mine and fits(v, c)), None)
                if code:
                    mine.add(code)
                    rows.append((v, code))
                    merged -= 1
                    progressed = True
        if not progressed:
            break
    if kept or merged:
        raise RuntimeError("not enough members to place the materials plan")
    Material.objects.bulk_create(
        [
            Material(
                version=v,
                material_type=mtypes[code],
                name=mtypes[code].name,
                form=MaterialForm.COPY,
                order=40,
            )
            for v, code in rows
        ]
    )

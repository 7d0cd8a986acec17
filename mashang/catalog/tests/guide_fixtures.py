"""A small catalogue for the guide and search tests, built through the real actions."""

from types import SimpleNamespace

import pytest

from mashang.catalog import search
from mashang.catalog.actions import publish_version
from mashang.catalog.models import Bundle, BundleItem, CaseOption, CaseQuestion, Synonym
from mashang.catalog.queries import today
from mashang.catalog.testing import build_item, material_type


def with_cases(
    version, question: str, labels: list[str], materials: dict[str, list[str]], multiple=False
):
    """Add a 情形 question to a draft; `materials` maps a material name to the labels needing it."""
    q = CaseQuestion.objects.create(version=version, text=question, multiple=multiple)
    options = {
        label: CaseOption.objects.create(question=q, label=label, order=i)
        for i, label in enumerate(labels)
    }
    for m in version.materials.all():
        for label in materials.get(m.name, []):
            m.case_options.add(options[label])
    return options


@pytest.fixture
def fresh_index(monkeypatch):
    """Each test sees its own catalogue: recheck the fingerprint on every search."""
    monkeypatch.setattr(search, "CHECK_EVERY", 0)
    search.reset_index()
    yield
    search.reset_index()


@pytest.fixture
def guide_catalog(county, fresh_index):
    user = county.people.catalog_admin
    kit = SimpleNamespace(
        id_card=material_type("id_card", "居民身份证", e_license_type="居民身份证"),
        hukou=material_type("hukou", "户口簿"),
        birth_cert=material_type("birth_cert", "出生医学证明"),
        income=material_type("income", "家庭收入情况", government_holds=True),
        photo=material_type("photo", "照片"),
    )
    proxy = material_type("proxy_letter", "授权委托书")
    birth = build_item(
        user,
        county.units.housing,
        "出生登记（户口）",
        materials=[
            kit.id_card,
            kit.birth_cert,
            (kit.income, {"source": "government"}),
            (kit.photo, {"may_be_missing": True}),
            proxy,
        ],
        publish=False,
    )
    with_cases(
        birth,
        "是否委托他人代为办理？",
        ["本人办理", "委托他人办理"],
        {"授权委托书": ["委托他人办理"]},
    )
    birth = publish_version(birth, effective_from=today(), acting_user=user)
    certificate = build_item(
        user,
        county.units.housing,
        "出生医学证明签发",
        materials=[kit.id_card],
        produces=[kit.birth_cert],
    )
    card = build_item(
        user, county.units.water, "社会保障卡申领", materials=[kit.id_card, kit.photo]
    )
    marriage = build_item(
        user, county.units.water, "内地居民结婚登记", materials=[kit.id_card, kit.hukou]
    )
    build_item(user, county.units.water, "居民身份证申领", materials=[kit.id_card])
    draft = build_item(
        user, county.units.water, "出生证明补发", materials=[kit.id_card], publish=False
    )
    bundle = Bundle.objects.create(
        code="newborn", name="新生儿出生一件事", lead_unit=county.units.centre
    )
    for i, v in enumerate([certificate, birth, card]):
        BundleItem.objects.create(bundle=bundle, item=v.item, order=i)
    q = CaseQuestion.objects.create(bundle=bundle, text="是否同时申领社会保障卡？")
    yes = CaseOption.objects.create(question=q, label="是", order=0)
    CaseOption.objects.create(question=q, label="否", order=1)
    bundle.members.get(item=card.item).case_options.add(yes)
    Synonym.objects.create(phrase="生孩子", canonical="出生")
    Synonym.objects.create(phrase="扯证", canonical="结婚登记")

    class Catalog:
        pass

    c = Catalog()
    c.birth, c.certificate, c.card, c.marriage, c.draft, c.bundle = (
        birth,
        certificate,
        card,
        marriage,
        draft,
        bundle,
    )
    return c

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mashang.applications import actions
from mashang.applications.choices import Channel
from mashang.catalog.actions import update_draft
from mashang.catalog.models import Bundle, BundleItem
from mashang.catalog.testing import build_item, form_field, material_type


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg(name="scan.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 30)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def pdf(body: bytes = b"", name="scan.pdf") -> SimpleUploadedFile:
    data = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + body + b"\ntrailer\n%%EOF\n"
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def catalog(county, people):
    """A housing item (身份证 required, 照片 可容缺, 收入 held by government), an instant item,
    and a two-unit bundle (housing + water)."""
    admin = people.admin
    id_card = material_type("id_card", "居民身份证")
    photo = material_type("photo", "近期照片")
    income = material_type("income", "家庭收入情况", government_holds=True)
    licence = material_type("licence", "施工许可申请表")
    name = form_field("project_name", "项目名称")
    house = build_item(
        admin,
        county.units.housing,
        "建筑工程施工许可",
        promised=5,
        legal=20,
        materials=[id_card, (photo, {"may_be_missing": True}), income],
        fields=[name],
    )
    instant = build_item(
        admin,
        county.units.housing,
        "住房信息查询证明",
        promised=0,
        materials=[id_card],
        publish=False,
    )
    update_draft(instant, {"item_type": "instant"}, acting_user=admin)
    from mashang.catalog.actions import publish_version
    from mashang.catalog.queries import today

    instant = publish_version(instant, effective_from=today(), acting_user=admin)
    water = build_item(
        admin, county.units.water, "取水许可", promised=10, legal=20, materials=[id_card, licence]
    )
    bundle = Bundle.objects.create(
        code="build", name="建设开工一件事", lead_unit=county.units.housing, promised_limit_days=8
    )
    BundleItem.objects.create(bundle=bundle, item=house.item, order=1)
    BundleItem.objects.create(bundle=bundle, item=water.item, order=2)
    return SimpleNamespace(
        house=house.item,
        instant=instant.item,
        water=water.item,
        bundle=bundle,
        id_card=id_card,
        photo=photo,
        licence=licence,
    )


APPLICANT = actions.Applicant(name="李四", phone="13900139000", id_number="43042219900101123X")


@pytest.fixture
def apply(catalog, people):
    """File through the real action at the window; `brought` lists material types handed in."""

    def _apply(item=None, *, bundle=None, brought=(), online=False, form=None, **kwargs):
        return actions.file_application(
            applicant=APPLICANT,
            channel=Channel.ONLINE if online else Channel.WINDOW,
            item=item if item is not None or bundle is not None else catalog.house,
            bundle=bundle,
            form=form or {"project_name": "衡南一中宿舍楼"},
            received={m.pk for m in brought},
            acting_user=None if online else people.window_clerk,
            **kwargs,
        )

    return _apply


def reload(application):
    application.refresh_from_db()
    return application


__all__ = ["SimpleNamespace", "jpeg", "pdf", "reload"]

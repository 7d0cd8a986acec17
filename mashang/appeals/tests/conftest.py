import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement


@pytest.fixture
def codes(county):
    """Three posters of the small county: a bureau chief's, a township's and the commission's."""
    u = county.units
    return SimpleNamespace(
        bureau=Placement.objects.create(
            kind=QRKind.BUREAU,
            division=county.county,
            place_unit=u.housing,
            place_label="县住房和城乡建设局",
            addressee_unit=u.housing,
        ),
        township=Placement.objects.create(
            kind=QRKind.TOWNSHIP,
            division=county.hamlet_a,
            place_label="老屋场党小组",
            addressee_unit=u.town_a,
        ),
        discipline=Placement.objects.create(
            kind=QRKind.DISCIPLINE,
            division=county.town_a,
            place_label="茶市镇便民服务中心",
            addressee_unit=u.discipline,
        ),
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg(width=64, height=48, exif=None, name="photo.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, "JPEG", **kwargs)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def png(width=32, height=32, name="photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 0, 255, 128)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture
def file(codes):
    """File an appeal through the real intake (SMS code included); returns the Appeal."""
    import uuid

    from mashang.appeals import intake

    def _file(
        placement=None,
        *,
        type="complaint",
        phone="13800138000",
        anonymous=False,
        content="村道上的路灯坏了三个月，晚上很危险，请尽快修复。",
        name="张三",
    ):
        placement = placement or codes.bureau
        data = intake.validate_intake(
            type=type, content=content, phone=phone, name=name, anonymous=anonymous
        )
        result = intake.start_intake(placement, data, token=uuid.uuid4().hex, ip="10.0.0.1")
        if result.appeal is None:
            result = intake.confirm_intake(result.draft, result.sms_code)
        return result.appeal

    return _file

"""The media disk full: a real small filesystem (a 2 MB tmpfs mounted as MEDIA_ROOT, as root;
skipped with the reason where mounting is not allowed) is filled up, then a citizen uploads.

The upload is refused with a clear Chinese message, and nothing of it is kept: no draft, no
appeal, no application, no photo or material row, and no file — neither the half-written one
that hit the full disk nor the ones written before it in the same request."""

import io
import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from mashang.appeals.models import Appeal, AppealPhoto, IntakeDraft
from mashang.appeals.tests.conftest import codes, jpeg  # noqa: F401 - fixture
from mashang.appeals.tests.test_intake_form import GOOD
from mashang.applications.models import Application, MaterialFile
from mashang.applications.tests.conftest import (
    catalog,  # noqa: F401 - fixture
    pdf,
)
from mashang.applications.tests.conftest import jpeg as small_scan
from mashang.applications.tests.test_pages import prove_phone


class SmallDisk:
    def __init__(self, root):
        self.root = root
        self.filler = root / ".filler"

    def fill(self, leave: int) -> None:
        """Take all the space but `leave` bytes."""
        st = os.statvfs(self.root)
        free = st.f_bavail * st.f_frsize
        with open(self.filler, "wb") as f:
            f.write(b"\0" * max(0, free - leave))

    def free(self) -> None:
        self.filler.unlink()

    def files(self) -> list[str]:
        return sorted(
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if p.is_file() and p != self.filler
        )


@pytest.fixture
def small_disk(tmp_path, settings):
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem (tmpfs) needs root; CI runs as root")
    root = tmp_path / "media"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(root)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"this machine does not allow mounting a tmpfs: {mounted.stderr.strip()}")
    settings.MEDIA_ROOT = root
    try:
        yield SmallDisk(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def noisy_photo(name="big.jpg") -> SimpleUploadedFile:
    """A photo whose re-encoded JPEG is still several hundred KB (noise does not compress)."""
    image = Image.frombytes("RGB", (900, 700), os.urandom(900 * 700 * 3))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=95)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def test_an_appeal_with_photos_on_a_full_disk_is_refused_and_leaves_nothing(
    client,
    codes,  # noqa: F811
    small_disk,
):
    small_disk.fill(leave=150_000)  # the small photo fits, the big one breaks off half-way
    response = client.post(
        codes.bureau.get_absolute_url(), {**GOOD, "photos": [jpeg(), noisy_photo()]}
    )
    page = response.content.decode()
    assert response.status_code == 503
    assert "存储空间暂时不足" in page and "没有提交" in page
    assert GOOD["content"] in page  # what was typed is still there
    assert not IntakeDraft.objects.exists() and not Appeal.objects.exists()
    assert not AppealPhoto.objects.exists()
    assert small_disk.files() == []

    # The JSON API: its error shape, the same nothing kept.
    response = client.post(
        "/api/v1/appeals",
        {
            "code": codes.bureau.token,
            "type": "complaint",
            "content": GOOD["content"],
            "client_token": "api-1",
            "phone": "13800138000",
            "photos": [jpeg(), noisy_photo()],
        },
    )
    assert response.status_code == 503 and response.json()["code"] == "unavailable"
    assert "存储空间" in response.json()["message"] and response["Retry-After"]
    assert not IntakeDraft.objects.exists() and small_disk.files() == []

    small_disk.free()  # space again: the same filing goes through
    response = client.post(
        codes.bureau.get_absolute_url(), {**GOOD, "photos": [jpeg(), noisy_photo()]}
    )
    assert response.status_code == 302
    assert AppealPhoto.objects.count() == 2 and len(small_disk.files()) == 2


def test_an_application_with_materials_on_a_full_disk_is_refused_and_leaves_nothing(
    client,
    catalog,  # noqa: F811
    small_disk,
):
    prove_phone(client)
    url = reverse("apply", args=["item", catalog.house.code])
    fields = {
        "applicant_name": "李四",
        "applicant_id_number": "43042219900101123X",
        "f_project_name": "新建住宅",
        "delivery": "electronic",
        f"file_{catalog.id_card.pk}": small_scan(),
        f"file_{catalog.photo.pk}": pdf(b"0" * 400_000),
    }
    small_disk.fill(leave=150_000)  # the scan fits, the 400 KB PDF breaks off half-way
    response = client.post(url, fields)
    assert response.status_code == 503
    assert "存储空间暂时不足" in response.content.decode()
    assert response["Retry-After"]
    assert not Application.objects.exists() and not MaterialFile.objects.exists()
    assert small_disk.files() == []

    small_disk.free()
    fields[f"file_{catalog.id_card.pk}"] = small_scan()
    fields[f"file_{catalog.photo.pk}"] = pdf(b"0" * 400_000)
    response = client.post(url, fields)
    assert response.status_code == 302
    assert MaterialFile.objects.count() == 2 and len(small_disk.files()) == 2

"""A fresh database + bootstrap + a county file gives a working instance with no demo data."""

import csv
import io
import re

import pytest
from django.core.management import call_command

from mashang.appeals.models import Appeal
from mashang.directory.models import Staff
from mashang.notifications.models import Message
from mashang.qrcodes.models import Placement

from .county_file import write_county_file

pytestmark = pytest.mark.django_db


def test_a_fresh_instance_takes_appeals_after_bootstrap_and_import(
    settings, tmp_path, client, monkeypatch
):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set by the browser tests
    settings.DEMO_MODE = False
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("SITE_URL", "https://mashang.example.gov.cn")  # production names it
    settings.SITE_URL = "https://mashang.example.gov.cn"
    (tmp_path / "pw").write_text("Hengnan-Prod#2026", encoding="utf-8")
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("bootstrap", password_file=str(tmp_path / "pw"), **quiet)
    call_command(
        "import_directory",
        str(write_county_file(tmp_path / "county.xlsx")),
        passwords_out=str(tmp_path / "passwords.csv"),
        **quiet,
    )
    call_command("sync_placements", **quiet)
    # The placement rule for the small county: hall 3 + 2 bureaus + 3 special units + 2 × 4
    # township centres + 2 villages + 1 hamlet.
    assert Placement.objects.count() == 19
    call_command("sync_placements", **quiet)  # again: nothing duplicated
    assert Placement.objects.count() == 19
    assert not Staff.objects.filter(username__in=["dispatcher", "handler", "leader"]).exists()

    bureau = Placement.objects.get(kind="bureau", addressee_unit__name="县住房和城乡建设局")
    draft = client.post(
        "/api/v1/appeals",
        {
            "code": bureau.token,
            "type": "help",
            "client_token": "first-run",
            "content": "小区门口的路灯坏了一个月，晚上出行很不方便。",
            "phone": "13800138000",
        },
    ).json()["draft"]
    body = Message.objects.filter(template="sms_code").latest("id").body
    code = re.search(r"验证码(\d{6})", body).group(1)
    filed = client.post(
        "/api/v1/appeals/confirm",
        {"draft": draft, "sms_code": code},
        content_type="application/json",
    )
    assert filed.status_code == 201

    passwords = dict(list(csv.reader((tmp_path / "passwords.csv").open(encoding="utf-8")))[1:])
    assert client.login(username="dispatch1", password=passwords["dispatch1"])
    desk = client.get("/staff/desk/")
    assert desk.status_code == 200
    assert Appeal.objects.get().number in desk.content.decode()

"""The tester's findings on the citizen side: 我的办件 can be found (links, SMS addresses),
the applicant reads their notices, and a 补正 upload replaces the rejected file."""

from django.urls import reverse

from mashang.applications import actions
from mashang.applications.models import MaterialFile
from mashang.notifications.models import Message

from .conftest import jpeg
from .test_pages import prove_phone


def test_every_citizen_page_links_to_my_applications(client, catalog):
    my = reverse("my_list")
    for url in (
        reverse("home"),
        reverse("guide_home"),
        reverse("guide_item", args=[catalog.house.code]),
        reverse("track"),
    ):
        assert f'href="{my}"' in client.get(url).content.decode(), url


def test_guides_offer_booking_at_the_hall_for_that_item_or_bundle(client, catalog):
    book = reverse("hall_book")
    item = client.get(reverse("guide_item", args=[catalog.house.code])).content.decode()
    assert f'href="{book}?item={catalog.house.code}"' in item and "预约到大厅办理" in item
    bundle = client.get(reverse("guide_bundle", args=[catalog.bundle.code])).content.decode()
    assert f'href="{book}?bundle={catalog.bundle.code}"' in bundle and "预约到大厅办理" in bundle


def test_the_filing_and_correction_sms_carry_the_absolute_my_address(apply, people, settings):
    settings.SITE_URL = "https://mashang.example.cn"
    application = apply(online=True)
    link = "https://mashang.example.cn/my/"
    received = Message.objects.get(template="application_received")
    assert received.body.endswith(f"进度见{link}") and len(received.body) <= 70  # one SMS
    actions.request_correction(application, {}, acting_user=people.window_clerk)
    correction = Message.objects.get(template="application_correction")
    assert link in correction.body and "告知书" in correction.body
    assert len(correction.body) <= 70  # one SMS


def test_my_page_offers_the_notices_the_applicant_is_owed(client, apply, people):
    application = apply(online=True)
    prove_phone(client)
    url = reverse("my_detail", args=[application.number])
    assert "my-notices" not in client.get(url).content.decode()
    card = application.materials.get(name="居民身份证")
    actions.request_correction(application, {card.pk: "照片模糊"}, acting_user=people.window_clerk)
    page = client.get(url).content.decode()
    notice = reverse("my_notice", args=[application.number, "correction"])
    assert f'href="{notice}"' in page and "补正材料一次性告知书" in page
    pdf = client.get(notice)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # what the application has not reached, and the window's own paper, are not served
    for kind in ("acceptance", "commitment", "nonsense"):
        missing = reverse("my_notice", args=[application.number, kind])
        assert client.get(missing).status_code == 404
    # another phone gets nothing
    client.logout()
    prove_phone(client, "13600136000")
    assert client.get(notice).status_code == 404


def test_a_refused_applicant_can_download_the_refusal(client, apply, people):
    application = apply(online=True)
    actions.refuse_acceptance(
        application, "不属于本机关职权范围", "行政许可法第三十二条", acting_user=people.window_clerk
    )
    prove_phone(client)
    page = client.get(reverse("my_detail", args=[application.number])).content.decode()
    notice = reverse("my_notice", args=[application.number, "refusal"])
    assert "不予受理决定书" in page and f'href="{notice}"' in page
    assert client.get(notice).status_code == 200


def test_a_correction_upload_replaces_the_rejected_file(client, apply, people, catalog):
    application = apply(online=True, files={catalog.id_card.pk: [_checked()]})
    card = application.materials.get(name="居民身份证")
    blurry = card.files.get()
    actions.request_correction(application, {card.pk: "照片模糊"}, acting_user=people.window_clerk)
    prove_phone(client)
    url = reverse("my_detail", args=[application.number])
    client.post(url, {"action": "supplement", f"file_{card.pk}": jpeg("new.jpg")})
    card.refresh_from_db()
    assert card.state == "received" and card.problem == ""
    assert list(card.files.all()) != [blurry] and card.files.count() == 1
    assert not MaterialFile.objects.filter(pk=blurry.pk).exists()
    page = client.get(url).content.decode()
    assert "文件1" in page and "文件2" not in page
    event = application.events.filter(kind="supplement").get()
    assert "居民身份证替换退回的文件1份" in event.note
    # the notice still records what was wrong with the old one
    assert application.correction_notice.items[0]["problem"] == "照片模糊"


def _checked():
    from mashang.applications.uploads import clean_material

    return clean_material(jpeg("blurry.jpg"), label="居民身份证")


def test_a_bundle_part_s_correction_notice_is_on_the_bundle_s_page(client, apply, catalog, people):
    parent = apply(
        bundle=catalog.bundle,
        online=True,
        files={
            catalog.id_card.pk: [_checked()],
            catalog.photo.pk: [_checked()],
            catalog.licence.pk: [_checked()],
        },
    )
    actions.accept_application(parent, acting_user=people.window_clerk)
    part = parent.parts.get(unit=people.reviewer_a.unit)
    card = parent.materials.get(name="居民身份证")
    actions.request_correction(part, {card.pk: "照片模糊"}, acting_user=people.reviewer_a)
    prove_phone(client)
    page = client.get(reverse("my_detail", args=[parent.number])).content.decode()
    href = reverse("my_notice", args=[parent.number, "correction"]) + f"?part={part.number}"
    assert f'href="{href}"' in page and f"补正材料一次性告知书（{part.unit.name}）" in page
    assert client.get(href).content.startswith(b"%PDF")
    # a part is reached through its own parent only
    other = apply(online=True)
    stray = reverse("my_notice", args=[other.number, "correction"]) + f"?part={part.number}"
    assert client.get(stray).status_code == 404

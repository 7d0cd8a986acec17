"""Bidi overrides and control characters never reach names, phones or notes (issue 11, 8)."""

import pytest

from mashang.core.text import CleanCharField, clean_text

RLO = "\u202e"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"张三{RLO}4321", "张三4321"),
        ("\u2066李四\u2069\u200f", "李四"),
        ("e\u0301", "\u00e9"),  # NFC: one way to write é
        ("a\x00b\x07c\x1b", "abc"),
        ("  王五\u200b ", "王五"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # the joiner inside an emoji stays
    ],
)
def test_single_line_text_is_normalised(raw, clean):
    assert clean_text(raw) == clean


def test_multi_line_text_keeps_lines_and_tabs_only():
    assert clean_text("第一行\r\n第二行\t完\u2028", multiline=True) == "第一行\n第二行\t完"
    assert clean_text("第一行\n第二行") == "第一行第二行"


def test_full_width_digits_become_digits_for_codes():
    assert clean_text("１３８００１３８０００", compat=True) == "13800138000"


def test_the_form_field_normalises():
    assert CleanCharField().clean(f"{RLO}县水利局") == "县水利局"


def test_the_citizen_form_stores_no_bidi_override(client, county):
    from mashang.appeals.models import IntakeDraft
    from mashang.qrcodes.models import Placement

    placement = Placement.objects.create(
        kind="bureau", division=county.county, addressee_unit=county.units.housing
    )
    response = client.post(
        placement.get_absolute_url(),
        {
            "type": "complaint",
            "content": f"村口的路灯坏了{RLO}三个月，晚上很危险。",
            "name": f"张三{RLO}4321",
            "phone": f"138{RLO}0013 8000",
            "place_description": f"{RLO}村口",
            "form_token": "t-bidi",
        },
    )
    assert response.status_code == 302
    draft = IntakeDraft.objects.get()
    assert draft.reporter_name == "张三4321" and draft.reporter_phone == "13800138000"
    assert RLO not in draft.content + draft.place_description


def test_the_api_schema_and_staff_notes_store_no_bidi_override(client, people, county):
    from mashang.api.intake import AppealIn
    from mashang.api.staff import ActionIn

    body = AppealIn(code="x", type="complaint", content=f"内容{RLO}abc", client_token="t", name=RLO)
    assert body.content == "内容abc" and body.name == ""
    assert ActionIn(note=f"{RLO}备注").note == "备注"


def test_the_admin_stores_no_bidi_override(client, people):
    from mashang.notifications.models import MessageTemplate

    client.force_login(people.admin)
    response = client.post(
        "/admin/notifications/messagetemplate/add/",
        {"key": f"appeal_accepted{RLO}", "text": f"您的诉求{RLO}((number))已受理。"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    template = MessageTemplate.objects.get()
    assert (template.key, template.text) == ("appeal_accepted", "您的诉求((number))已受理。")

import re

from django.urls import reverse

from mashang.appeals.models import AppealEvent

from .test_intake_form import file_appeal, sms_code_from_outbox


def receipt_code(client, appeal) -> str:
    """The query code from the receipt that answered the filing (see file_appeal)."""
    assert appeal.number in client.receipt_page
    return re.search(r'id="query-code">(\d{6})<', client.receipt_page).group(1)


def test_number_and_query_code_open_the_public_timeline(client, codes, people):
    appeal = file_appeal(client, codes.bureau)
    code = receipt_code(client, appeal)
    AppealEvent.objects.create(
        appeal=appeal,
        kind="note",
        actor=people.handler_a,
        note="内部：此人多次来访",
        is_public=False,
    )
    other = client.__class__()
    assert (
        'id="ask-code"' in other.get(reverse("track_detail", args=[appeal.number])).content.decode()
    )
    response = other.post(reverse("track"), {"number": appeal.number, "query_code": code})
    assert response.status_code == 302
    page = other.get(response.url).content.decode()
    assert "诉求已提交，等待分派" in page and "待分拨" in page
    assert "内部" not in page and people.handler_a.full_name not in page


def test_a_wrong_query_code_is_refused_without_saying_which_part(client, codes):
    appeal = file_appeal(client, codes.bureau)
    other = client.__class__()
    response = other.post(reverse("track"), {"number": appeal.number, "query_code": "000000"})
    assert response.status_code == 400
    assert "受理编号或查询码不正确" in response.content.decode()
    response = other.post(
        reverse("track"), {"number": "430422-2026-999999", "query_code": "123456"}
    )
    assert "受理编号或查询码不正确" in response.content.decode()


def test_guessing_query_codes_is_rate_limited(client, codes):
    appeal = file_appeal(client, codes.bureau)
    other = client.__class__()
    pages = [
        other.post(
            reverse("track"), {"number": appeal.number, "query_code": "000000"}
        ).content.decode()
        for _ in range(11)
    ]
    assert "查询太频繁" in pages[-1]
    assert all("查询太频繁" not in p for p in pages[:10])


def test_a_phone_code_lists_all_appeals_of_that_phone(client, codes):
    first = file_appeal(client, codes.bureau)
    second = file_appeal(
        client, codes.township, form_token="tok-2", content="水渠堵塞了，田里的水排不出去，请帮忙。"
    )
    other = client.__class__()
    response = other.post(reverse("track"), {"action": "phone", "phone": "13800138000"})
    assert response.status_code == 302
    response = other.post(response.url, {"code": sms_code_from_outbox()})
    page = other.get(response.url).content.decode()
    assert first.number in page and second.number in page
    assert other.get(reverse("track_detail", args=[first.number])).status_code == 200


def test_an_unknown_phone_gets_the_same_answer_and_no_sms(client, codes):
    from mashang.notifications.models import Message

    before = Message.objects.count()
    response = client.post(reverse("track"), {"action": "phone", "phone": "13700000000"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "如果 137****0000 提交过诉求" in page
    assert Message.objects.count() == before
    wrong = client.post(response.url, {"code": "000000"}).content.decode()
    assert "验证码不正确，还可以再试4次" in wrong  # the same words a real filer would see

"""The 500 page says what happened to the person: a page that did not open, or a form whose
content was not submitted (not "not submitted" to someone who only opened a page)."""

from django.test import RequestFactory

from mashang.core.views import server_error


def test_a_page_opened_that_failed_says_the_page_did_not_open():
    page = server_error(RequestFactory().get("/staff/stats/my-unit/"))
    text = page.content.decode()
    assert page.status_code == 500 and "这个页面暂时打不开" in text
    assert "没有提交成功" not in text


def test_a_form_sent_that_failed_says_its_content_was_not_submitted():
    page = server_error(RequestFactory().post("/q/abc", {"content": "路灯坏了"}))
    text = page.content.decode()
    assert page.status_code == 500 and "您填写的内容没有提交成功" in text

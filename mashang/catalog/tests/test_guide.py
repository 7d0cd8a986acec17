import re

import pytest
from django.urls import reverse

from . import guide_fixtures

# Shared fixtures, taken by name.
fresh_index = guide_fixtures.fresh_index
guide_catalog = guide_fixtures.guide_catalog

pytestmark = pytest.mark.django_db


def item_url(version, **answers):
    url = reverse("guide_item", args=[version.item.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in answers.items()) if answers else "")


def checklist_of(response) -> str:
    html = response.content.decode()
    return html[html.index('id="checklist"') : html.index("多久办好")]


def test_home_lists_topics_bundles_and_a_search_box_without_login(client, guide_catalog):
    response = client.get(reverse("guide_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="q"' in html and "新生儿出生一件事" in html and "按部门找" in html


def test_search_page_shows_bundles_and_items_in_the_search_order(client, guide_catalog):
    html = client.get(reverse("guide_home"), {"q": "生孩子"}).content.decode()
    results = html[html.index('id="results"') :]
    assert results.index("新生儿出生一件事") < results.index("出生登记（户口）")
    assert "“生孩子”按“出生”查找" in html


def test_search_page_says_so_when_nothing_is_found(client, guide_catalog):
    html = client.get(reverse("guide_home"), {"q": "量子计算机"}).content.decode()
    assert "没有找到“量子计算机”" in html


def test_item_page_marks_missing_allowed_and_what_need_not_be_brought(client, guide_catalog):
    response = client.get(item_url(guide_catalog.birth))
    checklist = checklist_of(response)
    assert "照片" in checklist and "【可容缺】" in checklist
    bring, not_needed = checklist.split("不用您带的材料")
    assert "家庭收入情况" in not_needed and "家庭收入情况" not in bring
    assert "政府部门已掌握" in not_needed


def test_unanswered_case_keeps_the_case_material_marked(client, guide_catalog):
    checklist = checklist_of(client.get(item_url(guide_catalog.birth)))
    assert "授权委托书" in checklist and "仅“委托他人办理”时需要" in checklist


def test_answering_the_case_shows_only_that_cases_materials(client, guide_catalog):
    self_ = checklist_of(client.get(item_url(guide_catalog.birth, c1=1)))
    proxy = checklist_of(client.get(item_url(guide_catalog.birth, c1=2)))
    assert "授权委托书" not in self_
    assert "授权委托书" in proxy and "仅“" not in proxy
    assert "居民身份证" in self_ and "居民身份证" in proxy


def test_a_forged_answer_is_ignored(client, guide_catalog):
    checklist = checklist_of(client.get(item_url(guide_catalog.birth, c1=9)))
    assert "仅“委托他人办理”时需要" in checklist


def test_bundle_case_leaves_out_the_item_not_needed(client, guide_catalog):
    url = reverse("guide_bundle", args=["newborn"])
    html = client.get(url, {"c1": "2"}).content.decode()
    assert "按您的情况不用办：社会保障卡申领" in html
    html = client.get(url, {"c1": "1"}).content.decode()
    assert "按您的情况不用办" not in html and "社会保障卡申领" in html


def test_bundle_asks_a_question_its_items_share_once(client, guide_catalog):
    html = client.get(reverse("guide_bundle", args=["newborn"])).content.decode()
    assert html.count("是否委托他人代为办理？") == 1
    assert "是否同时申领社会保障卡？" in html


def test_bundle_checklist_drops_what_another_item_produces(client, guide_catalog):
    html = client.get(reverse("guide_bundle", args=["newborn"]), {"c1": "1", "c2": "1"})
    checklist = checklist_of(html)
    bring, not_needed = checklist.split("不用您带的材料")
    assert (
        "出生医学证明" in not_needed
        and "由本一件事中的“出生医学证明签发”办理结果提供" in not_needed
    )
    assert "出生医学证明" not in bring


def test_drafts_and_unknown_codes_are_not_shown(client, guide_catalog):
    assert client.get(item_url(guide_catalog.draft)).status_code == 404
    assert client.get(reverse("guide_item", args=["NOPE"])).status_code == 404
    assert client.get(reverse("guide_bundle", args=["nope"])).status_code == 404


def test_topic_and_unit_pages_list_published_items(client, guide_catalog, county):
    html = client.get(reverse("guide_unit", args=[county.units.housing.pk])).content.decode()
    assert "出生登记（户口）" in html and "出生证明补发" not in html
    html = client.get(reverse("guide_units")).content.decode()
    assert county.units.housing.name in html


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def test_item_pdf_is_one_a4_page_with_the_font_embedded(client, guide_catalog):
    response = client.get(
        reverse("guide_item_pdf", args=[guide_catalog.birth.item.code]), {"c1": "2"}
    )
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert _pages(pdf) == 1
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf
    assert b"/FontFile2" in pdf  # the TrueType subset is inside the file


def test_bundle_pdf_stays_on_one_page_even_with_a_long_list(client, guide_catalog):
    from mashang.catalog.models import BundleItem
    from mashang.catalog.testing import build_item, material_type

    user = guide_catalog.birth.created_by
    many = [material_type(f"m{i}", f"第{i}份很长很长很长的证明材料名称") for i in range(60)]
    v = build_item(user, guide_catalog.birth.item.unit, "很多材料的事项", materials=many)
    BundleItem.objects.create(bundle=guide_catalog.bundle, item=v.item, order=9)
    response = client.get(reverse("guide_bundle_pdf", args=["newborn"]))
    assert _pages(response.content) == 1


def test_api_search_returns_the_guide_order_with_name_and_kind(client, guide_catalog):
    response = client.get("/api/v1/catalog/search", {"q": "生孩子"})
    assert response.status_code == 200
    body = response.json()
    page = client.get(reverse("guide_home"), {"q": "生孩子"}).content.decode()
    names = [r["name"] for r in body["results"]]
    positions = [page.index(f">{n}</a>") for n in names]
    assert positions == sorted(positions)
    assert body["results"][0] == {
        **body["results"][0],
        "kind": "bundle",
        "kind_label": "一件事",
        "name": "新生儿出生一件事",
        "url": "/services/bundles/newborn/",
    }


def test_api_search_is_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/catalog/search"]["get"]
    assert "429" in operation["responses"]
    assert not operation.get("security")


def test_api_search_is_rate_limited_per_address(client, guide_catalog, monkeypatch):
    from mashang.api import catalog_search

    monkeypatch.setattr(catalog_search, "SEARCH_LIMIT", 3)
    codes = [client.get("/api/v1/catalog/search", {"q": "出生"}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert client.get("/api/v1/catalog/search", {"q": "出生"}).json()["code"] == "rate_limited"


def test_api_search_refuses_an_empty_query(client):
    response = client.get("/api/v1/catalog/search", {"q": ""})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_pages_read_the_catalogue_in_a_bounded_number_of_queries(
    client, guide_catalog, django_assert_max_num_queries
):
    client.get(reverse("guide_home"), {"q": "出生"})  # builds the search index
    with django_assert_max_num_queries(8):
        client.get(reverse("guide_home"), {"q": "出生"})
    with django_assert_max_num_queries(12):
        client.get(item_url(guide_catalog.birth, c1=1))
    with django_assert_max_num_queries(18):  # not one per member item
        client.get(reverse("guide_bundle", args=["newborn"]), {"c1": "1"})


def test_a_multiple_choice_case_lists_the_materials_of_every_option_chosen(client, county):
    from mashang.catalog.actions import publish_version
    from mashang.catalog.queries import today
    from mashang.catalog.testing import build_item, material_type

    user = county.people.catalog_admin
    v = build_item(
        user,
        county.units.water,
        "低保申请",
        materials=[
            material_type("a", "残疾人证"),
            material_type("b", "病历"),
            material_type("c", "户口簿"),
        ],
        publish=False,
    )
    guide_fixtures.with_cases(
        v,
        "家里有哪些情况？",
        ["有残疾人", "有重病患者"],
        {"残疾人证": ["有残疾人"], "病历": ["有重病患者"]},
        multiple=True,
    )
    v = publish_version(v, effective_from=today(), acting_user=user)
    both = checklist_of(client.get(item_url(v, c1=1) + "&c1=2"))
    one = checklist_of(client.get(item_url(v, c1=2)))
    assert "残疾人证" in both and "病历" in both and "户口簿" in both
    assert "残疾人证" not in one and "病历" in one
    assert 'type="checkbox"' in client.get(item_url(v)).content.decode()


def test_guide_pages_link_to_the_online_application_that_exists(client, guide_catalog):
    bundle = guide_catalog.bundle
    bundle.online = True
    bundle.save()
    page = client.get(f"/services/bundles/{bundle.code}/").content.decode()
    link = f"/services/apply/bundle/{bundle.code}"
    assert f'href="{link}"' in page
    # The link leads to the apply flow (the phone is proved first), never to a 404.
    assert client.get(link).status_code in (200, 302)
    bundle.online = False
    bundle.save()
    assert link not in client.get(f"/services/bundles/{bundle.code}/").content.decode()

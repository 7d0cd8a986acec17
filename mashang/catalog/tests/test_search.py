import pytest

from mashang.catalog import search
from mashang.catalog.actions import retire_item
from mashang.catalog.models import Synonym
from mashang.catalog.queries import today
from mashang.catalog.search import normalize

from . import guide_fixtures

# Shared fixtures, taken by name.
fresh_index = guide_fixtures.fresh_index
guide_catalog = guide_fixtures.guide_catalog

pytestmark = pytest.mark.django_db


def names(query, limit=20):
    return [h.name for h in search.search(query, limit).hits]


def test_an_exact_name_comes_first(guide_catalog):
    assert names("出生登记")[0] == "出生登记（户口）"


def test_a_synonym_the_centre_set_finds_the_catalogue_word(guide_catalog):
    result = search.search("生孩子")
    assert result.hits and all("出生" in h.name for h in result.hits)
    assert "“生孩子”按“出生”查找" in result.notes


def test_a_bundle_leads_items_that_match_as_well(guide_catalog):
    hits = search.search("生孩子").hits
    assert (hits[0].kind, hits[0].name) == ("bundle", "新生儿出生一件事")
    assert {h.kind for h in hits} == {"bundle", "item"}


def test_filler_words_do_not_change_the_answer(guide_catalog):
    assert names("我想问一下生孩子要带什么材料")[0] == names("生孩子")[0]


def test_pinyin_initials_find_the_item(guide_catalog):
    assert names("csdj")[0] == "出生登记（户口）"
    assert names("CSDJ")[0] == "出生登记（户口）"


def test_full_pinyin_finds_the_item(guide_catalog):
    assert names("jiehundengji")[0] == "内地居民结婚登记"


def test_a_homophone_typed_on_a_pinyin_keyboard_is_corrected(guide_catalog):
    result = search.search("出声登记")
    assert result.hits[0].name == "出生登记（户口）"
    assert "“出声”按“出生”查找" in result.notes


def test_one_wrong_character_is_tolerated(guide_catalog):
    assert names("结婚登计")[0] == "内地居民结婚登记"


def test_nonsense_finds_nothing(guide_catalog):
    assert names("量子计算机") == []
    assert names("   ") == []


def test_drafts_and_retired_items_are_not_found(guide_catalog, county):
    assert "出生证明补发" not in names("出生证明补发")
    retire_item(
        guide_catalog.marriage.item,
        on=today(),
        acting_user=county.people.catalog_admin,
        reason="合并",
    )
    assert "内地居民结婚登记" not in names("结婚登记")


def test_an_edited_synonym_applies_without_a_restart(guide_catalog):
    assert names("扯证")[0] == "内地居民结婚登记"
    Synonym.objects.filter(phrase="扯证").update(canonical="身份证")
    assert names("扯证")[0] == "居民身份证申领"
    Synonym.objects.create(phrase="宝宝证", canonical="社会保障卡")
    assert names("宝宝证")[0] == "社会保障卡申领"


def test_the_index_is_reused_while_nothing_changes(guide_catalog, django_assert_max_num_queries):
    search.search("出生")
    index = search.get_index()
    with django_assert_max_num_queries(6):  # the fingerprint only
        search.search("出生登记")
    assert search.get_index() is index


def test_normalize_drops_punctuation_and_width():
    assert normalize(" 出生登记（户口） ") == "出生登记户口"
    assert normalize("ＣＳＤＪ") == "csdj"


def test_random_queries_do_not_grow_the_term_cache_for_ever(guide_catalog, monkeypatch):
    monkeypatch.setattr(search, "CACHE_TERMS", 50)
    index = search.get_index()
    for n in range(40):
        search.search(f"随便{n}问问看看{n * 7}")
    assert len(index._in_names) <= 51 + 40 * 2


def test_everyday_synonyms_load_once_and_keep_the_centres_edits(db):
    from mashang.catalog.guide_synonyms import EVERYDAY_SYNONYMS, load_guide_synonyms

    Synonym.objects.create(phrase="生孩子", canonical="生育")
    assert load_guide_synonyms() == len(EVERYDAY_SYNONYMS) - 1
    assert load_guide_synonyms() == 0
    assert Synonym.objects.get(phrase="生孩子").canonical == "生育"

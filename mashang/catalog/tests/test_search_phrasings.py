"""The demo catalogue (1,033 items, 26 bundles) answers everyday phrasings with the right item.

The catalogue is loaded once for the module inside a transaction rolled back at the end.
"""

import pytest
from django.db import transaction

from mashang.catalog import search
from mashang.catalog.demo import load_demo_catalog
from mashang.catalog.guide_synonyms import load_guide_synonyms
from mashang.catalog.search_phrasings import PHRASINGS
from mashang.directory.choices import DivisionLevel
from mashang.directory.demo import _create_units
from mashang.directory.models import Division


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def demo_catalog(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                province = Division.objects.create(
                    code="430000", name="湖南省", level=DivisionLevel.PROVINCE
                )
                city = Division.objects.create(
                    code="430400", name="衡阳市", level=DivisionLevel.CITY, parent=province
                )
                county = Division.objects.create(
                    code="430422", name="衡南县", level=DivisionLevel.COUNTY, parent=city
                )
                _create_units(county, [], [])
                load_demo_catalog()
                load_guide_synonyms()
                search.reset_index()
                yield search.get_index()
                raise _Rollback
        except _Rollback:
            pass
        finally:
            search.reset_index()


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "wanted"), PHRASINGS)
def test_everyday_phrasing_ranks_the_wanted_entry_first(demo_catalog, query, wanted):
    hits = demo_catalog.search(query, 5).hits
    assert hits, f"“{query}” found nothing"
    assert hits[0].name == wanted, [h.name for h in hits]


@pytest.mark.django_db
def test_the_whole_catalogue_is_indexed(demo_catalog):
    kinds = [d.kind for d in demo_catalog.docs]
    assert kinds.count("bundle") == 26 and kinds.count("item") == 1033

from datetime import timedelta

import pytest

from mashang.catalog.actions import (
    create_draft,
    publish_version,
    retire_item,
    set_draft_steps,
    update_draft,
)
from mashang.catalog.choices import StepKind, VersionStatus
from mashang.catalog.models import CatalogEvent, ItemVersion, PublishedVersionError
from mashang.catalog.queries import current_version, today
from mashang.catalog.testing import build_item
from mashang.catalog.versions import diff, snapshot
from mashang.catalog.workflow import CatalogError

pytestmark = pytest.mark.django_db


@pytest.fixture
def v1(county, kit):
    return build_item(
        county.people.clerk_b, county.units.water, "取水许可", materials=[kit.id_card]
    )


def test_a_published_version_never_changes(county, v1):
    before = snapshot(ItemVersion.objects.get(pk=v1.pk))
    user = county.people.clerk_b
    draft = create_draft(v1.item, acting_user=user)
    update_draft(draft, {"name": "取水许可（新）", "promised_limit_days": 3}, acting_user=user)
    set_draft_steps(draft, [{"kind": StepKind.ACCEPT, "name": "受理"}], acting_user=user)
    publish_version(draft, effective_from=today() + timedelta(days=1), acting_user=user)
    old = ItemVersion.objects.get(pk=v1.pk)
    assert snapshot(old) == before
    assert old.status == VersionStatus.PUBLISHED
    assert old.effective_to == today() + timedelta(days=1)


def test_saving_a_published_version_or_its_children_is_refused(v1):
    v1.name = "改名"
    with pytest.raises(PublishedVersionError):
        v1.save()
    step = v1.steps.first()
    step.name = "改"
    with pytest.raises(PublishedVersionError):
        step.save()
    with pytest.raises(PublishedVersionError):
        v1.materials.first().delete()


def test_editing_a_published_version_through_the_actions_is_refused(county, v1):
    with pytest.raises(CatalogError, match="已发布"):
        update_draft(v1, {"name": "改名"}, acting_user=county.people.clerk_b)


def test_the_version_in_force_follows_the_effective_date(county, v1):
    user = county.people.clerk_b
    draft = create_draft(v1.item, acting_user=user)
    update_draft(draft, {"name": "取水许可（2027版）"}, acting_user=user)
    later = today() + timedelta(days=30)
    publish_version(draft, effective_from=later, acting_user=user)
    assert current_version(v1.item).number == 1
    assert current_version(v1.item, on=later).number == 2
    assert current_version(v1.item, on=later - timedelta(days=1)).number == 1


def test_a_unit_manages_only_its_own_items(county, kit, v1):
    # A handler holds no catalogue role; the housing bureau's items are not the water bureau's.
    with pytest.raises(CatalogError, match="本单位"):
        create_draft(v1.item, acting_user=county.people.handler_b)
    other = build_item(
        county.people.catalog_admin,
        county.units.housing,
        "建筑业企业资质",
        materials=[kit.id_card],
        publish=False,
    )
    with pytest.raises(CatalogError, match="本单位"):
        update_draft(other, {"name": "x"}, acting_user=county.people.clerk_b)
    # The service centre's 事项管理员 keeps every unit's items.
    assert create_draft(v1.item, acting_user=county.people.catalog_admin).number == 2


def test_publishing_needs_a_later_date_and_complete_elements(county, v1):
    user = county.people.clerk_b
    draft = create_draft(v1.item, acting_user=user)
    with pytest.raises(CatalogError, match="早于今天"):
        publish_version(draft, effective_from=today() - timedelta(days=1), acting_user=user)
    with pytest.raises(CatalogError, match="晚于第1版"):
        publish_version(draft, effective_from=today(), acting_user=user)
    set_draft_steps(draft, [], acting_user=user)
    with pytest.raises(CatalogError, match="办理环节"):
        publish_version(draft, effective_from=today() + timedelta(days=1), acting_user=user)


def test_promised_limit_may_not_exceed_the_legal_one(county, v1):
    draft = create_draft(v1.item, acting_user=county.people.clerk_b)
    with pytest.raises(CatalogError, match="承诺时限不能超过法定时限"):
        update_draft(
            draft,
            {"legal_limit_days": 5, "promised_limit_days": 6},
            acting_user=county.people.clerk_b,
        )


def test_diff_names_what_changed(county, v1):
    draft = create_draft(v1.item, acting_user=county.people.clerk_b)
    draft = update_draft(draft, {"phone": "0734-8888888"}, acting_user=county.people.clerk_b)
    changes = diff(v1, draft)
    assert [c["label"] for c in changes] == ["咨询电话"]
    assert changes[0]["new"] == "0734-8888888"


def test_every_change_is_audited(county, v1):
    user = county.people.clerk_b
    draft = create_draft(v1.item, acting_user=user)
    update_draft(draft, {"phone": "0734-1"}, acting_user=user)
    publish_version(draft, effective_from=today() + timedelta(days=2), acting_user=user)
    retire_item(v1.item, on=today() + timedelta(days=5), acting_user=user, reason="职能调整")
    actions = list(
        CatalogEvent.objects.filter(item=v1.item)
        .order_by("at", "id")
        .values_list("action", "actor")
    )
    assert [a for a, _ in actions][-4:] == ["draft", "edit", "publish", "retire"]
    assert {actor for _, actor in actions[-4:]} == {user.pk}
    retired = ItemVersion.objects.get(item=v1.item, number=2)
    assert retired.status == VersionStatus.RETIRED
    assert current_version(v1.item, on=today() + timedelta(days=5)) is None

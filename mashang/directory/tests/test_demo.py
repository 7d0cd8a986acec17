import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mashang.directory.choices import DivisionLevel, PositionTitle, Role
from mashang.directory.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo_county
from mashang.directory.models import Division, Position, Staff, Unit

pytestmark = pytest.mark.django_db


def test_demo_county_has_the_seed_figures():
    result = load_demo_county()
    assert result.created
    assert result.counts == {
        "townships": 23,
        "villages": 445,
        "hamlets": 2053,
        "county_units": 43,
        "staff": 220,
        "placements": 2633,
    }
    assert Division.objects.get(code="430422").full_name == "衡南县"
    assert set(
        Division.objects.filter(level=DivisionLevel.TOWNSHIP).values_list("name", flat=True)
    ) >= {"云集街道", "泉湖镇", "相市乡"}


def test_loading_twice_changes_nothing():
    load_demo_county()
    before = (
        Division.objects.count(),
        Unit.objects.count(),
        Staff.objects.count(),
        Position.objects.count(),
    )
    result = load_demo_county()
    assert not result.created
    assert (
        Division.objects.count(),
        Unit.objects.count(),
        Staff.objects.count(),
        Position.objects.count(),
    ) == before


def test_demo_is_deterministic():
    load_demo_county()
    names = list(Division.objects.order_by("code").values_list("code", "name")[:600])
    people = list(Staff.objects.order_by("username").values_list("username", "full_name"))
    from mashang.appeals.models import Appeal, IntakeDraft, SmsCode
    from mashang.benefits import models as b
    from mashang.core.models import AuditLog
    from mashang.notifications.models import Message
    from mashang.qrcodes.models import Placement

    benefits = (b.GrantEvent, b.Grant, b.Candidate, b.EligibilityRun, b.PolicyRevision, b.Policy)
    benefits += (b.FirmYear, b.Firm, b.Person, b.ImportBatch, AuditLog)
    for model in (*benefits, Message, SmsCode, Appeal, IntakeDraft, Placement):
        model.objects.all().delete()  # in dependency order: the demo's appeals go first
    Position.objects.all().delete()
    Staff.objects.all().delete()
    Unit.objects.all().delete()
    for level in reversed(DivisionLevel.values):
        Division.objects.filter(level=level).delete()
    load_demo_county()
    assert list(Division.objects.order_by("code").values_list("code", "name")[:600]) == names
    assert list(Staff.objects.order_by("username").values_list("username", "full_name")) == people


def test_every_hamlet_sits_under_a_village_under_a_township():
    load_demo_county()
    hamlet = Division.objects.filter(level=DivisionLevel.HAMLET).last()
    levels = [d.level for d in hamlet.ancestors()]
    assert levels == ["province", "city", "county", "township", "village", "hamlet"]
    assert hamlet.ancestor_at(DivisionLevel.TOWNSHIP).parent.code == "430422"


def test_each_township_has_secretary_and_mayor_and_each_bureau_a_chief():
    load_demo_county()
    assert (
        Position.objects.filter(title=PositionTitle.PARTY_SECRETARY, holder__isnull=False).count()
        == 23
    )
    assert Position.objects.filter(title=PositionTitle.MAYOR, holder__isnull=False).count() == 23
    assert Position.objects.filter(title=PositionTitle.BUREAU_CHIEF).count() == 37
    for title in (
        PositionTitle.COUNTY_MAYOR,
        PositionTitle.COUNTY_SECRETARY,
        PositionTitle.DISCIPLINE_SECRETARY,
    ):
        assert Position.objects.get(title=title).holder is not None


def test_the_demo_has_appeals_in_every_role_s_queue():
    from mashang.appeals.models import Appeal

    load_demo_county()
    statuses = set(Appeal.objects.values_list("status", flat=True))
    assert {
        "pending_dispatch",
        "dispatched",
        "accepted",
        "completed",
        "closed",
        "invalid",
        "accusation_new",
        "discipline_handling",
    } <= statuses
    from mashang.notifications.models import Message

    assert not Message.objects.filter(channel="sms", status="created").exists()


def test_one_demo_login_per_role_works(client):
    load_demo_county()
    roles = set()
    for username, _label in DEMO_LOGINS:
        staff = Staff.objects.get(username=username)
        roles |= staff.role_set
        assert client.login(username=username, password=DEMO_PASSWORD)
        client.logout()
    assert roles == set(Role.values)


def test_demo_passes_the_password_rules():
    from django.contrib.auth.password_validation import validate_password

    validate_password(DEMO_PASSWORD)


def test_load_demo_command_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not Division.objects.exists()

"""The demo county's 免申即享: four policies, runs, and grants in every state."""

from decimal import Decimal

import pytest

from mashang.benefits.choices import GrantStatus
from mashang.benefits.models import Firm, Grant, Person, Policy
from mashang.directory.choices import Role
from mashang.directory.demo import load_demo_county
from mashang.directory.models import Staff

pytestmark = pytest.mark.django_db


def test_the_demo_has_policies_data_and_grants_in_every_state():
    load_demo_county()
    assert Policy.objects.count() == 4
    assert Firm.objects.count() == 2000 and Person.objects.count() == 445 * 6
    assert set(Grant.objects.values_list("status", flat=True)) == set(GrantStatus.values)
    assert not Grant.objects.filter(status=GrantStatus.PAID, voucher="").exists()
    elderly = Grant.objects.filter(policy__name="高龄津贴")
    # The dated amount: 80–89 got 100 元 in June 2026 and 150 元 from July.
    assert set(elderly.filter(period="2026-06").values_list("amount", flat=True)) == {
        Decimal("100.00"),
        Decimal("200.00"),
    }
    assert Decimal("150.00") in set(
        elderly.filter(period="2026-07").values_list("amount", flat=True)
    )
    chief = Staff.objects.get(username="policychief")
    assert chief.has_role(Role.POLICY_OFFICER) and chief.has_role(Role.UNIT_LEADER)

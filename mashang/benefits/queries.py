"""Who sees which 免申即享 records, decided once."""

from django.http import Http404

from mashang.core.audit import audit
from mashang.directory.choices import Role

from .choices import GrantStatus
from .models import EligibilityRun, Grant, Policy

READERS = (Role.POLICY_OFFICER, Role.ADMIN)
# The finance clerk sees grants once the beneficiary has been asked: that is their work.
FINANCE_STATUSES = [GrantStatus.AWAITING_CONFIRMATION, GrantStatus.TO_PAY, GrantStatus.PAID]


def policies_for(user):
    if user.has_role(*READERS):
        return Policy.objects.all()
    return Policy.objects.none()


def grants_for(user):
    qs = Grant.objects.select_related("policy")
    if user.has_role(*READERS):
        return qs
    if user.has_role(Role.FINANCE_CLERK):
        return qs.filter(status__in=FINANCE_STATUSES)
    return qs.none()


def runs_for(user):
    if user.has_role(*READERS):
        return EligibilityRun.objects.select_related("policy", "revision", "started_by")
    return EligibilityRun.objects.none()


def get_grant_for_user(user, pk: int, request=None) -> Grant:
    """The grant or 404; every look at a beneficiary's record is audited."""
    grant = grants_for(user).select_related("firm", "person", "candidate", "run").filter(pk=pk)
    grant = grant.first()
    if grant is None:
        raise Http404
    audit("benefits.grant_viewed", actor=user, obj=grant, request=request)
    return grant

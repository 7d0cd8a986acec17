"""Which messages are confidential: those that belong to an accusation, and SMS codes.

The discipline commission alone sees them; the administrator's outbox shows only how many
there are in each delivery state (and can resend the failed ones), nothing that identifies a
message, so a whistle-blower's receipt cannot be matched by time or phone with anything else.
Higher apps register their own rules here (appeals: messages about an accusation).
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from mashang.directory.choices import UnitKind

# SMS codes are secrets, and a code sent for an accusation draft is not linked to it.
CONFIDENTIAL_TEMPLATES = {"sms_code", "accusation_received", "accusation_concluded"}

_rules: list[Q] = [
    Q(template__in=CONFIDENTIAL_TEMPLATES),
    Q(to_unit__kind=UnitKind.DISCIPLINE),
]


def register(rule: Q) -> None:
    """Mark more messages as confidential (called from an app's ready())."""
    if rule not in _rules:
        _rules.append(rule)


def confidential() -> Q:
    return reduce(or_, _rules)

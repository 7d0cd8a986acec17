from django import template

from ..choices import GrantStatus
from ..rules import yuan as _yuan
from ..workflow import TRANSITIONS

register = template.Library()


@register.filter
def yuan(value) -> str:
    """28980 → "28,980.00" (money is Decimal with two places, in yuan)."""
    return "—" if value is None or value == "" else _yuan(value)


@register.filter
def get(mapping, key):
    return mapping.get(key)


@register.filter
def has_role(user, role: str) -> bool:
    return user.has_role(role)


@register.filter
def action_label(name: str) -> str:
    t = TRANSITIONS.get(name)
    return t.label if t else name


@register.filter
def status_label(value: str) -> str:
    return dict(GrantStatus.choices).get(value, value)

from django import template

from mashang.core.access import may_open as _may_open

register = template.Library()


@register.filter
def may_open(user, url_name: str) -> bool:
    """`{% if request.user|may_open:"stats_units" %}`: show a link only to who may follow it."""
    return _may_open(user, url_name)

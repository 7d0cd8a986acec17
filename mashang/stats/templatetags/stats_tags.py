from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """A rate as "94.31%", or "—" when it has no base."""
    return "—" if value is None else f"{value}%"

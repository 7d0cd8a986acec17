"""Figures of other pillars that register here, so statistics need not import them.

A section gives its label, the staff page that shows it, and a function returning its figures
as a JSON-ready dict for `stats --json` (same period arguments as the appeal figures).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    url_name: str
    figures: Callable[..., dict]  # figures(since=None, until=None) -> dict
    # rebuilds the section's own daily roll-ups, if it keeps any (`manage.py rollups`):
    # rebuild(tick=callable called once per month done) -> rows written
    rebuild: Callable[..., int] | None = None


SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    SECTIONS[section.key] = section

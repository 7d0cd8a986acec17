"""The one state machine of an item version, and who may move it.

草稿 → 已发布 (with an effective date) → 已废止 (the item is withdrawn). A published version is
never edited: a new draft is cloned from it. Who: a 事项管理员 of the 政务服务中心 (or a
系统管理员) for every item and every 一件事; a 事项管理员 of any other unit for that unit's items.
"""

from typing import NamedTuple

from mashang.directory.choices import Role, UnitKind

from .choices import VersionStatus as S


class Transition(NamedTuple):
    sources: frozenset
    target: str | None
    label: str


TRANSITIONS: dict[str, Transition] = {
    "create_draft": Transition(frozenset({S.PUBLISHED, S.RETIRED}), None, "起草新版本"),
    "edit": Transition(frozenset({S.DRAFT}), None, "编辑草稿"),
    "discard": Transition(frozenset({S.DRAFT}), None, "删除草稿"),
    "publish": Transition(frozenset({S.DRAFT}), S.PUBLISHED, "发布"),
    "retire": Transition(frozenset({S.PUBLISHED}), S.RETIRED, "废止事项"),
}

CATALOG_ROLES = frozenset({Role.CATALOG_ADMIN, Role.ADMIN})


class CatalogError(Exception):
    """A catalogue action that is not allowed or not valid: the message is shown as it is."""


def manages_all(user) -> bool:
    """The service centre's 事项管理员 and administrators keep the whole catalogue."""
    if user.has_role(Role.ADMIN):
        return True
    return bool(
        user.has_role(Role.CATALOG_ADMIN)
        and user.unit_id
        and user.unit.kind == UnitKind.SERVICE_CENTRE
    )


def may_manage_item(user, item) -> bool:
    if manages_all(user):
        return True
    return user.has_role(Role.CATALOG_ADMIN) and user.unit_id == item.unit_id


def authorize(version, name: str, user) -> Transition:
    transition = TRANSITIONS[name]
    if not may_manage_item(user, version.item):
        raise CatalogError("您只能管理本单位的事项。")
    if version.status not in transition.sources:
        raise CatalogError(f"{version.get_status_display()}的版本不能{transition.label}。")
    return transition

"""The staff navigation, filtered by the access each target view declares."""

import functools

from django.urls import get_resolver, get_script_prefix, get_urlconf, resolve, reverse

# (url name, label): what each role may see comes from the view itself, never from here.
STAFF_NAV = [
    ("staff_home", "首页"),
    ("desk", "分拨中心"),
    ("workbench", "单位工作台"),
    ("discipline_queue", "检举控告"),
    ("callbacks", "回访督查"),
    ("leader_view", "码上找我"),
    ("application_list", "办件"),
    ("window_new", "窗口收件"),
    ("window_rating", "窗口评价器"),
    ("bad_ratings", "办件差评"),
    ("application_figures", "办件统计"),
    ("hall_workbench", "叫号"),
    ("hall_proxy_list", "帮代办"),
    ("hall_visit_list", "上门办"),
    ("hall_figures", "大厅统计"),
    ("hall_wall", "大厅数据大屏"),
    ("inbox", "消息"),
    ("efficiency", "效能统计"),
    ("stats_overview", "统计概览"),
    ("stats_my_unit", "本单位统计"),
    ("directory_tree", "行政区划"),
    ("directory_units", "单位与职务"),
    ("placement_list", "二维码"),
    ("catalog_items", "事项库"),
    ("benefits_home", "免申即享"),
    ("benefits_payments", "惠企拨付"),
    ("benefits_stats", "免申即享统计"),
]


# Figures pages sit under one 统计 menu in the top bar, so a leader's bar fits 1366 px.
FIGURES = {
    "application_figures",
    "hall_figures",
    "hall_wall",
    "efficiency",
    "stats_overview",
    "stats_my_unit",
    "benefits_stats",
}
FIGURES_LABEL = "统计"


class Nav(list):
    """The pages a user may open, in order; `main` and `figures` split them for the top bar
    (the figures pages under one menu)."""

    @property
    def main(self) -> list[dict]:
        return [item for item in self if item["name"] not in FIGURES]

    @property
    def figures(self) -> list[dict]:
        return [item for item in self if item["name"] in FIGURES]

    @property
    def figures_label(self) -> str:
        return FIGURES_LABEL


@functools.lru_cache(maxsize=16)
def _targets(resolver, script_prefix: str) -> tuple[tuple[str, str, str, frozenset], ...]:
    """Each nav page's URL and the roles its view admits, read from the URLconf once (27
    reverse-and-resolve round trips were a tenth of a staff page's time): a changed URLconf
    (tests' ROOT_URLCONF, clear_url_caches) is a new resolver, hence a new entry."""
    targets = []
    for name, label in STAFF_NAV:
        url = reverse(name)  # with the script prefix; resolve() takes the path without it
        access = getattr(resolve("/" + url.removeprefix(script_prefix)).func, "access", None)
        if access and access != "public":
            targets.append((name, label, url, frozenset(access)))
    return tuple(targets)


def nav_for(user) -> Nav:
    roles = user.role_set
    return Nav(
        {"name": name, "label": label, "url": url}
        for name, label, url, access in _targets(get_resolver(get_urlconf()), get_script_prefix())
        if not roles.isdisjoint(access)
    )

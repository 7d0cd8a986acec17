"""The staff navigation, filtered by the access each target view declares."""

from django.urls import resolve, reverse

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


def nav_for(user) -> list[dict]:
    items = []
    for name, label in STAFF_NAV:
        url = reverse(name)
        view = resolve(url).func
        access = getattr(view, "access", None)
        if access and access != "public" and not user.role_set.isdisjoint(access):
            items.append({"name": name, "label": label, "url": url})
    return items

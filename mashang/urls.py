from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path, re_path

from mashang.api.api import api
from mashang.benefits.urls import public_urlpatterns as benefit_public
from mashang.core import views as core_views
from mashang.core.access import public_view
from mashang.core.prometheus import metrics
from mashang.deadlines import views as deadline_views
from mashang.directory import views as directory_views
from mashang.notifications import views as notification_views

admin.site.site_header = "码上办 管理后台"
admin.site.site_title = "码上办"
admin.site.index_title = "系统管理"

handler400 = "mashang.core.views.bad_request"
handler403 = "mashang.core.views.permission_denied"
handler500 = "mashang.core.views.server_error"
handler404 = "mashang.core.views.page_not_found"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("privacy", core_views.privacy, name="privacy"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("metrics", metrics, name="metrics"),
    path("staff/login/", directory_views.staff_login, name="login"),
    path("staff/logout/", public_view(LogoutView.as_view()), name="logout"),
    path("staff/", directory_views.staff_home, name="staff_home"),
    path("staff/directory/", directory_views.directory_tree, name="directory_tree"),
    path("staff/units/", directory_views.directory_units, name="directory_units"),
    path("staff/qrcodes/", include("mashang.qrcodes.urls")),
    path("staff/inbox/", notification_views.inbox, name="inbox"),
    path("staff/stats/", include("mashang.stats.urls")),
    path("staff/catalog/", include("mashang.catalog.urls")),
    path("staff/efficiency/", deadline_views.efficiency_page, name="efficiency"),
    path("services/", include("mashang.catalog.guide_urls")),
    path("staff/benefits/", include("mashang.benefits.urls")),
    *benefit_public,
    path("", include("mashang.appeals.urls")),
    path("", include("mashang.applications.urls")),
    path("", include("mashang.hall.urls")),
    path("api/v1/", api.urls),
    re_path(r"^open311/+v2/+", include("mashang.api.open311_urls")),
    path("admin/", admin.site.urls),
]

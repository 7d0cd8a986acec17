from django.urls import path

from mashang.applications.views import my_login

from . import staff, views

urlpatterns = [
    path("hall/screen/", views.screen, name="hall_screen"),
    path("hall/screen/calls.json", views.screen_calls, name="hall_screen_calls"),
    path("hall/kiosk/", views.kiosk, name="hall_kiosk"),
    path("hall/kiosk/t/<str:token>", views.kiosk_ticket, name="hall_kiosk_ticket"),
    path("hall/take/<slug:code>/", views.take, name="hall_take"),
    path("hall/t/<str:token>", views.ticket_page, name="hall_ticket"),
    path("hall/t/<str:token>/state.json", views.ticket_state, name="hall_ticket_state"),
    path("hall/t/<str:token>/cancel", views.ticket_cancel, name="hall_ticket_cancel"),
    path("hall/book/", views.book, name="hall_book"),
    # the same phone check as 我的办件, saying what it is for
    path("hall/book/login", my_login, {"template_name": "hall/login_book.html"}, "hall_book_login"),
    path(
        "hall/visit/login", my_login, {"template_name": "hall/login_visit.html"}, "hall_visit_login"
    ),
    path("hall/a/<str:token>", views.appointment_page, name="hall_appointment"),
    path("staff/hall/window/", staff.workbench, name="hall_workbench"),
    path("staff/hall/window/signon", staff.sign_on, name="hall_sign_on"),
    path("staff/hall/window/signoff", staff.sign_off, name="hall_sign_off"),
    path("staff/hall/window/call", staff.call_next, name="hall_call_next"),
    path("staff/hall/tickets/<int:pk>/link", staff.ticket_link, name="hall_ticket_link"),
    path(
        "staff/hall/tickets/<int:pk>/<str:action>", staff.ticket_action, name="hall_ticket_action"
    ),
]
urlpatterns += [
    path("staff/hall/proxy/", staff.proxy_list, name="hall_proxy_list"),
    path("staff/hall/proxy/<int:pk>/", staff.proxy_detail, name="hall_proxy_detail"),
    path("staff/hall/proxy/<int:pk>/letter", staff.proxy_letter, name="hall_proxy_letter"),
]
urlpatterns += [
    path("staff/hall/figures/", staff.figures_page, name="hall_figures"),
    path("staff/hall/figures.xlsx", staff.figures_export, name="hall_figures_export"),
    path("staff/hall/wall/", staff.wall, name="hall_wall"),
]
urlpatterns += [
    path("staff/hall/visits/", staff.visit_list, name="hall_visit_list"),
    path("staff/hall/visits/<int:pk>/", staff.visit_detail, name="hall_visit_detail"),
]
urlpatterns += [path("hall/visit/", views.visit_request, name="hall_visit_request")]

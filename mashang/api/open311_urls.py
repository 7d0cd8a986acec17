"""Open311 GeoReport v2 at /open311/v2/ (views and decisions in mashang.api.open311)."""

from django.urls import re_path

from . import open311

FMT = r"\.(?P<fmt>xml|json)$"
# Clients that join an endpoint ending in "/" with "/requests.xml" send "//" (the PyPI
# `open311` client does): the same resource. mashang/urls.py takes the leading slashes.

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(r"^services/+(?P<code>[^/]+)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.service_requests, name="requests"),
    re_path(r"^requests/+(?P<number>[^/]+)" + FMT, open311.service_request, name="request"),
    re_path(r"^tokens/+(?P<token>[^/]+)" + FMT, open311.token_lookup, name="token"),
    # Anything else under /open311/v2/ answers in the specification's error format.
    re_path(r"^(?P<path>.*)$", open311.not_found),
]

"""Every model in the admin opens: its list, its add form and the change form of a row."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from mashang.testing import PASSWORD


def _admin_url(model, view: str, *args) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda m: f"{m._meta.app_label}.{m.__name__}"
)
def test_every_admin_page_of_a_model_opens(client, people, model):
    client.login(username="t_admin", password=PASSWORD)
    urls = [_admin_url(model, "changelist"), _admin_url(model, "add")]
    row = model._default_manager.order_by("pk").first()
    if row is not None:
        urls.append(_admin_url(model, "change", row.pk))
    for url in filter(None, urls):
        response = client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)

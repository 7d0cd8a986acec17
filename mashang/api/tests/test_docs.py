"""The interactive API docs work without internet: swagger-ui comes from the ninja package."""

import re

from django.test import Client


def test_api_docs_load_swagger_ui_from_this_server_only(db):
    client = Client()
    page = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    for asset in assets:
        assert asset.startswith("/"), f"loaded from elsewhere: {asset}"
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 0
    assert "cdn" not in page.lower()

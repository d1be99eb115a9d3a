"""Static files' links carry a digest of their content (``?v=``), so a browser or the proxy in front
(deploy/nginx/jiesu.conf keeps /static/ for 7 days) fetches a file again as soon as an upgrade changes it."""

from __future__ import annotations

import hashlib
import re


def test_every_static_link_of_a_page_names_its_files_content(app, browser):
    page = browser("wenhua").get("/").get_data(as_text=True)
    links = re.findall(r'(?:src|href)="(/static/[^"?]+)\?v=([0-9a-f]{10})"', page)
    assert len(links) >= 5, links
    assert not re.findall(r'(?:src|href)="/static/[^"?]+"', page), "a static link without its version"
    client = app.test_client()
    for path, version in links:
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200, path
        assert hashlib.sha256(response.get_data()).hexdigest()[:10] == version, path

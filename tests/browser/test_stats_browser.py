"""What a supervisor sees of the statistics in Chromium: the 三率 page's controls, the board's charts.

Real Chromium against the app served by waitress (the fixtures of tests/browser/test_browser.py).
"""

from __future__ import annotations

import pytest

from tests.browser.test_browser import _require_chromium, chromium_page, live_server, log_in  # noqa: F401

pytestmark = pytest.mark.browser

LINES = "(el) => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"


@pytest.mark.parametrize("width", [1366, 760])
def test_the_rates_pages_view_button_stays_on_one_line(live_server, width):  # noqa: F811
    _require_chromium()
    with chromium_page(live_server) as page:
        log_in(page, live_server, "zhuguan")
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/supervisor/rates")
        button = page.locator("#rates-period button")
        assert button.inner_text().strip() == "查看"
        assert button.evaluate(LINES) == 1
        assert page.locator("main h1").first.evaluate(LINES) == 1
        assert not page.problems

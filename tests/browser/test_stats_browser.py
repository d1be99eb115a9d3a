"""What a supervisor sees of the statistics in Chromium: the 三率 page's controls, the board's charts.

Real Chromium against the app served by waitress (the fixtures of tests/browser/test_browser.py).
"""

from __future__ import annotations

import pytest

from app.demo import history
from app.engine.clock import clock
from app.extensions import db
from tests.browser.test_browser import _require_chromium, chromium_page, live_server, log_in  # noqa: F401
from tests.conftest import shanghai

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


TEXTS = "(sel) => [...document.querySelectorAll(sel + ' svg text')].map(t => t.textContent.trim()).filter(Boolean)"


def _charts(page, url, selector, count):
    page.goto(url)
    # a function, not an expression: Playwright evaluates an expression with eval, which the page's CSP refuses
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel + ' [data-rendered]').length >= n",
                           arg=[selector, count])
    return page.evaluate(TEXTS, selector)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_charts_name_series_and_targets_in_the_readers_language(live_server, lang):  # noqa: F811
    _require_chromium()
    words = {"zh": {"target": "目标 99%", "series": ["响应率", "满意率", "未办结", "超期", "受理"]},
             "en": {"target": "Target 99%", "series": ["Response rate", "Satisfaction rate", "Open", "Overdue", "Received"]}}
    mine, other = words[lang], words["en" if lang == "zh" else "zh"]
    with live_server.app.app_context():  # a month of tickets, so the rates have values to draw
        history.seed_history(60, shanghai(2026, 11, 1), shanghai(2026, 11, 24), clock.now(), seed=7)
        db.session.remove()
    with chromium_page(live_server) as page:
        log_in(page, live_server, "zhuguan")
        if lang == "en":
            page.goto(f"{live_server.url}/lang/en")
        board = _charts(page, f"{live_server.url}/supervisor/", "#board-charts", 2)
        report = _charts(page, f"{live_server.url}/reports/?kind=month&month=2026-11", "main", 4)
        drawn = board + report
        assert mine["target"] in board and board.count("Target 90%" if lang == "en" else "目标 90%") == 1
        assert all(name in drawn for name in mine["series"]), drawn
        assert not any(name in drawn for name in other["series"] + [other["target"]]), drawn
        assert ("办结" if lang == "zh" else "Closed") not in board  # the board has only open tickets
        assert not page.problems

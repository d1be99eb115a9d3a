"""统计报表's charts in real Chromium: names that come from tickets (streets, topics) are text in the tooltips;
the rates' targets are drawn when there is no rate yet.

The fixtures of tests/browser/test_browser.py (the app served by waitress, headless Chromium).
"""

from __future__ import annotations

import pytest

from tests.browser.test_browser import PASSWORD, _require_chromium, chromium_page, live_server  # noqa: F401

pytestmark = pytest.mark.browser

STREET = '<img id="injected" src="/static/x.png">东华街道'


def test_the_heat_map_tooltip_shows_a_pushed_street_as_text(live_server):  # noqa: F811
    """A platform's street holding markup: the heat map's tooltip (ECharts writes it as HTML) shows it escaped."""
    _require_chromium()
    from app.extensions import db
    from tests.helpers import new_ticket

    with live_server.app.app_context():
        new_ticket("T-HEAT", street=STREET, topic="文化->文化市场->网吧")
        db.session.commit()
        db.session.remove()
    with chromium_page(live_server) as page:
        page.goto(f"{live_server.url}/login")
        page.fill("input[name=username]", "tongji")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/reports/?kind=month&month=2026-11")
        page.wait_for_selector('[data-chart="heat"] svg')
        shown = page.evaluate("""() => {
          const chart = echarts.getInstanceByDom(document.querySelector('[data-chart="heat"]'));
          const streets = chart.getOption().yAxis[0].data;
          const row = streets.findIndex((s) => s.includes('injected'));
          return chart.getOption().tooltip[0].formatter({value: [0, row, 1]});
        }""")
        assert "&lt;img" in shown and "<img" not in shown, shown


def test_the_rates_chart_draws_its_targets_for_months_without_tickets(live_server):  # noqa: F811
    """A new desk's first report: no rate in any month of the trend, yet the three dashed target lines."""
    _require_chromium()
    with chromium_page(live_server) as page:
        page.goto(f"{live_server.url}/login")
        page.fill("input[name=username]", "tongji")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/reports/?kind=month&month=2026-05")
        page.wait_for_selector('[data-chart="rates"] svg')
        drawn = page.evaluate("""() => {
          const chart = echarts.getInstanceByDom(document.querySelector('[data-chart="rates"]'));
          const series = chart.getOption().series;
          return {empty: series.every((s) => s.data.every((v) => v == null)),
                  targets: series.filter((s) => s.markLine).length,
                  lines: document.querySelectorAll('[data-chart="rates"] svg path[stroke-dasharray]').length};
        }""")
        assert drawn["empty"] and drawn["targets"] == 3, drawn
        assert drawn["lines"] == 3, drawn

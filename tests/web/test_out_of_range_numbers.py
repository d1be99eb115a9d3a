"""Numbers beyond what a database column or a date holds, in a path or a query: a 404 or the default, never
a 500 (SQLite's "Python int too large to convert to SQLite INTEGER", ``date``'s "year out of range")."""

from __future__ import annotations

import re

import pytest

HUGE = "99999999999999999999"  # > 2**63


def _int_routes(app) -> list[tuple[str, str]]:
    """Every rule with an ``<int:...>`` part, with the huge number in each: (method, url)."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int" not in rule.rule:
            continue
        url = re.sub(r"<int(\([^)]*\))?:[^>]+>", HUGE, rule.rule)
        url = re.sub(r"<(?:string:)?[^>]+>", "x", url)
        found.append(("POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET", url))
    return found


def test_every_id_in_a_path_beyond_the_id_columns_is_not_found(app, browser):
    b = browser("liucheng")  # process owner and admin: past the role checks to the views
    routes = _int_routes(app)
    assert ("GET", f"/tickets/{HUGE}") in routes and ("POST", f"/tasks/{HUGE}/claim") in routes
    for method, url in routes:
        response = b.get(url) if method == "GET" else b.post(url, form_url="/")
        assert response.status_code == 404, (method, url)
    # PostgreSQL's INTEGER ids stop at 2**31 - 1 ("integer out of range" past it); the largest reaches the view
    assert b.get("/tickets/3000000000").status_code == 404
    assert b.get("/tickets/2147483647").status_code == 404
    assert b.get(f"/processes/versions/{HUGE}.bpmn").status_code == 404


@pytest.mark.parametrize("url", [
    f"/tickets/?section={HUGE}", f"/?section={HUGE}", f"/?page={HUGE}", f"/repeats/register?page={HUGE}",
    f"/enterprises/?page={HUGE}", f"/admin/access-log?page={HUGE}", f"/notifications/?before={HUGE}",
    "/admin/calendar?year=-1", "/admin/calendar?year=0", "/admin/calendar?year=10000",
    f"/admin/calendar?year={HUGE}", "/admin/calendar/notice?year=10000", "/admin/calendar/recompute?year=0",
    "/roster/?date=0001-01-01", "/roster/?date=9999-12-31", "/roster/month?month=0001-01",
    f"/roster/month?month={HUGE}-01", "/roster/month?month=9999-12",
    f"/processes/ticket?version={HUGE}", f"/processes/ticket/diff?a={HUGE}&b=1",
    f"/modeler/edit?process=ticket&version={HUGE}",
])
def test_numbers_out_of_range_in_a_query_fall_back_to_the_default(app, browser, url):
    response = browser("liucheng").get(url)
    assert response.status_code in (200, 302, 404), (url, response.status_code)


def test_a_calendar_year_out_of_range_shows_this_year(app, browser):
    page = browser("liucheng").get("/admin/calendar?year=10000").get_data(as_text=True)
    assert "2026" in page and "10000" not in page


@pytest.mark.parametrize("url", ["/admin/calendar/confirm", "/admin/calendar/withdraw"])
def test_a_posted_year_out_of_range_is_refused_in_chinese(app, browser, url):
    b = browser("liucheng")
    response = b.post(url, {"year": "10000"}, form_url="/admin/calendar")
    assert response.status_code == 302
    assert "年份应在 2000 至 2100 之间。" in b.get(response.headers["Location"]).get_data(as_text=True)


DAYS_OUT_OF_RANGE = [
    "/reports/?kind=day&date=9999-12-31", "/reports/?kind=day&date=0001-01-01", "/reports/?kind=week&date=9999-12-31",
    "/reports/?kind=month&month=9999-12", "/reports/?kind=assessment&month=0001-01",
    "/reports/?kind=range&from=0001-01-01&to=0001-01-05", "/reports/print?kind=range&from=9999-12-25&to=9999-12-31",
    "/reports/report.xlsx?kind=month&month=0001-01", "/reports/report.pdf?kind=week&date=0001-01-01",
    "/reports/hotspots?kind=month&month=9999-12", "/reports/topic?kind=week&date=9999-12-31",
    "/reports/callbacks.xlsx?kind=day&date=9999-12-31",
    "/tickets/?received_from=0001-01-01", "/tickets/?received_to=9999-12-31", "/tickets/?period=0001-01",
]


@pytest.mark.parametrize("url", DAYS_OUT_OF_RANGE)
def test_a_date_of_year_1_or_9999_is_refused_in_chinese_not_a_500(app, browser, url):
    # date(9999, 12, 31) + 1 day, or year 1 in Asia/Shanghai turned to UTC, overflowed: a 500
    response = browser("zhuguan").get(url, follow_redirects=True)
    assert response.status_code in (200, 400, 422), (url, response.status_code)
    page = response.get_data(as_text=True)
    assert ("日期应在 2000 年至 2100 年之间" in page or "格式应为" in page
            or "超出可查询的年份（2000—2100 年）" in page), url


@pytest.mark.parametrize("period", ["9999-12", "0001-01"])
def test_an_assessment_period_out_of_range_on_the_rates_page_is_refused(app, browser, period):
    response = browser("zhuguan").get(f"/supervisor/rates?period={period}", follow_redirects=True)
    assert response.status_code == 200
    assert f"考核期 {period} 超出可查询的年份（2000—2100 年）" in response.get_data(as_text=True)


def test_an_inspection_plan_month_out_of_range_is_refused(app, browser):
    response = browser("zhuguan").get("/inspections/plan?month=9999-12", follow_redirects=True)
    assert response.status_code in (200, 422)
    assert "日期应在 2000 年至 2100 年之间" in response.get_data(as_text=True)

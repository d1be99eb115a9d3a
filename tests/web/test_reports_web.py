"""统计报表 pages as the analyst uses them: the month's report, drill-down to the ledger, downloads."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from app.demo import history
from app.engine.clock import clock
from tests.conftest import shanghai


def _seed():
    now = clock.now()
    history.seed_history(200, shanghai(2026, 11, 1), shanghai(2026, 11, 25, 9), now, seed=1, prefix="N")
    history.seed_history(120, shanghai(2026, 10, 1), shanghai(2026, 11, 1), now, seed=2, prefix="O")


def test_the_month_report_links_every_figure_to_the_ledger(app, browser):
    _seed()
    b = browser("tongji")
    page = b.get("/reports/?kind=month&month=2026-11").get_data(as_text=True)
    assert "月报：2026年11月" in page
    received = re.search(r'data-count="received"><a class="report-fig "\s*href="([^"]+)"[^>]*>(\d+)</a>', page)
    assert received and received.group(2) == "200"
    ledger = b.get(received.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "200" in ledger and "N01-" in ledger
    # drill: 文化 -> 文化->文化市场 -> its rows link to the ledger of those tickets
    assert 'data-chart="heat"' in page and 'data-chart="rates"' in page and "vendor/echarts/echarts.min.js" in page
    drill = b.get("/reports/?kind=month&month=2026-11&topic=文化->文化市场").get_data(as_text=True)
    assert "四、问题分类：文化-&gt;文化市场" in drill and "网吧" in drill
    cafe = re.search(r'href="(/tickets/\?[^"]*topic_path=%E6%96%87%E5%8C%96-%3E%E6%96%87%E5%8C%96%E5%B8%82%E5%9C%BA-%3E'
                     r'%E7%BD%91%E5%90%A7[^"]*)"[^>]*>(\d+)</a>', drill)
    assert cafe, "the 网吧 row links to its tickets"
    listed = b.get(cafe.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "网吧" in listed


def test_excel_has_a_sheet_per_breakdown_with_native_charts(app, browser):
    _seed()
    b = browser("tongji")
    response = b.get("/reports/report.xlsx?kind=month&month=2026-11")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    for title in ("总体情况", "三率", "三率趋势", "受理量", "问题分类", "承办科室", "街乡镇", "企业类型", "涉及企业",
                  "来源", "工单类型", "办理时效", "回访情况"):
        assert title in book.sheetnames, title
    assert book["总体情况"]["B2"].value == 200
    assert len(book["受理量"]._charts) == 1 and len(book["办理时效"]._charts) == 2
    assert book["受理量"].max_row == 31  # header + 30 days


def test_printable_page_and_pdf(app, browser):
    _seed()
    b = browser("tongji")
    page = b.get("/reports/print?kind=week&date=2026-11-25").get_data(as_text=True)
    assert "12345 接诉即办工作周报" in page and "编制单位" in page and "2026-11-23 至 2026-11-29" in page
    response = b.get("/reports/report.pdf?kind=week&date=2026-11-25")
    if response.status_code == 200:
        assert response.data[:5] == b"%PDF-" and response.mimetype == "application/pdf"
    else:  # no WeasyPrint/Pango here: a Chinese message on the printable page, never a 500
        assert response.status_code == 302 and "/reports/print" in response.location


def test_bad_period_and_other_roles(app, browser):
    b = browser("tongji")
    response = b.get("/reports/?kind=range&from=2026-11-10&to=2026-11-01", follow_redirects=True)
    assert "结束日期不能早于开始日期" in response.get_data(as_text=True)
    assert browser("wenhua").get("/reports/").status_code == 403
    assert browser("zhuguan").get("/reports/?kind=day&date=2026-11-25").status_code == 200
    menu = b.get("/reports/").get_data(as_text=True)
    assert 'id="nav-reports"' in menu and "/supervisor/rates" in menu


def test_the_board_shows_rates_trend_and_open_by_section(app, browser):
    _seed()
    b = browser("zhuguan")
    assert 'id="board-charts"' in b.get("/supervisor/").get_data(as_text=True)
    data = b.get("/reports/board.json").get_json()
    assert data["rates"]["months"][-1] == "2026-11" and len(data["rates"]["months"]) == 6
    assert {s["name"] for s in data["rates"]["series"]} == {"响应率", "解决率", "满意率"}
    assert [s["target_label"] for s in data["rates"]["series"]] == ["目标 99%", "目标 90%", "目标 90%"]
    from app.services.reports import figures
    total_open = sum(r["open"] for r in figures.open_by_section())
    assert sum(data["sections"]["open"]) == total_open > 0


def test_the_demos_year_of_history_is_closed_and_shows_in_last_months_report(app, browser):
    from sqlalchemy import func, select

    from app.demo import history as demo_history
    from app.extensions import db
    from app.models import Ticket

    added = demo_history.seed_demo_history(clock.now(), count=300)
    assert added > 200 and demo_history.seed_demo_history(clock.now(), count=300) == 0, "once"
    open_rows = db.session.scalar(select(func.count(Ticket.id)).where(
        Ticket.ticket_no.startswith(demo_history.DEMO_PREFIX), Ticket.closed_at.is_(None)))
    assert open_rows == 0, "nothing the board or an inbox could not work on"
    page = browser("tongji").get("/reports/?kind=month&month=2026-10").get_data(as_text=True)
    received = re.search(r'data-count="received"><a class="report-fig "\s*href="[^"]+"[^>]*>(\d+)</a>', page)
    assert "月报：2026年10月" in page and received and int(received.group(1)) > 10, received

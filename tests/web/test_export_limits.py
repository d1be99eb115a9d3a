"""An export larger than one file may hold is refused with its size named (never a file cut short), and
the page it came from keeps the filters the user had set."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models import AccessLog, ExportJob
from app.services import access_log, ledger_export
from app.services.reports import callback_sheet
from tests.helpers import RESOLVED, complete, export_ledger, new_ticket, run_to


def _query_of(response) -> dict:
    return parse_qs(urlsplit(response.headers["Location"]).query)


def test_a_ledger_export_past_the_limit_is_refused_and_the_filters_stay(app, browser, monkeypatch):
    monkeypatch.setattr(ledger_export, "IMMEDIATE_ROWS", 1)
    monkeypatch.setattr(ledger_export, "EXPORT_LIMIT", 2)
    for no in ("L-1", "L-2", "L-3"):
        new_ticket(no=no)
    zhuguan = browser("zhuguan")
    response = zhuguan.post("/tickets/export.xlsx?type=投诉&source=市级直派&_external=1", form_url="/tickets/")
    assert response.status_code == 302
    assert _query_of(response) == {"type": ["投诉"], "source": ["市级直派"]}, "the filters as set, nothing else"
    page = zhuguan.get(response.headers["Location"]).get_data(as_text=True)
    assert "符合条件的工单超过 2 条，一次最多导出 2 条，导出未生成" in page and "分批导出" in page
    assert db.session.scalar(select(ExportJob)) is None, "no job, so no file cut short"

    assert export_ledger(zhuguan, "q=L-1").status_code == 200, "a filter within the limit exports"


def test_an_access_log_export_past_the_limit_is_refused(app, browser, monkeypatch):
    monkeypatch.setattr(access_log, "EXPORT_LIMIT", 1)
    ticket = new_ticket(no="A-1")
    for _ in range(2):
        browser("paidan").get(f"/tickets/{ticket.id}")
    zhuguan = browser("zhuguan")
    response = zhuguan.get("/admin/access-log.xlsx?ticket_no=A-1")
    assert response.status_code == 302 and _query_of(response) == {"ticket_no": ["A-1"]}
    assert "符合条件的访问记录超过 1 条" in zhuguan.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(AccessLog).where(AccessLog.action == "export")) is None


def test_a_callback_sheet_past_the_limit_is_refused(app, browser, monkeypatch):
    monkeypatch.setattr(callback_sheet, "LIMIT", 1)
    for no in ("C-1", "C-2"):
        ticket = new_ticket(no=no)
        run_to(ticket, "callback")
        complete(ticket, "callback", "huifang", **RESOLVED)
    tongji = browser("tongji")
    response = tongji.get("/reports/callbacks.xlsx?kind=month&month=2026-11")
    assert response.status_code == 302 and _query_of(response) == {"kind": ["month"], "month": ["2026-11"]}
    assert "符合条件的回访记录超过 1 条" in tongji.get(response.headers["Location"]).get_data(as_text=True)
    monkeypatch.setattr(callback_sheet, "LIMIT", 2)
    assert tongji.get("/reports/callbacks.xlsx?kind=month&month=2026-11").status_code == 200

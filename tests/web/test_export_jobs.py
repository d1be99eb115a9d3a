"""导出任务 on the pages: a large ledger export becomes a job with a progress bar and then a 下载 link, in the
requester's list; nobody else may open or download it; a small export is still the file at once."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import AccessLog, ExportJob
from app.services import ledger, ledger_export
from tests.helpers import export_ledger, new_ticket, user


def _query_of(response) -> dict:
    return parse_qs(urlsplit(response.headers["Location"]).query)


def _three():
    for no in ("W-1", "W-2", "W-3"):
        new_ticket(no=no)


def test_a_small_export_is_still_the_file_at_once(app, browser):
    _three()
    response = export_ledger(browser("zhuguan"))
    assert response.status_code == 200 and response.data.startswith(b"PK")
    assert db.session.scalar(select(ExportJob)) is None


def test_exporting_is_a_post_with_the_token_and_a_get_queues_nothing(app, browser, monkeypatch):
    """Queueing a job is a change: the ledger's 导出 button is a small form posting the token, with the
    filters the user set; a GET (an old bookmark) and a POST without the token queue nothing."""
    monkeypatch.setattr(ledger_export, "IMMEDIATE_ROWS", 2)
    _three()
    zhuguan = browser("zhuguan")
    page = zhuguan.get("/tickets/?type=投诉&overdue=1").get_data(as_text=True)
    form = re.search(r'<form method="post"[^>]*id="export-form" action="([^"]+)">(.*?)</form>', page, re.S)
    assert form and 'name="csrf_token"' in form.group(2) and 'id="export"' in form.group(2)
    assert "type=%E6%8A%95%E8%AF%89" in form.group(1) and "overdue=1" in form.group(1)

    response = zhuguan.get("/tickets/export.xlsx?type=投诉")
    assert response.status_code == 302 and _query_of(response) == {"type": ["投诉"]}, "back to the ledger, filters kept"
    assert "请点击“导出 Excel”按钮" in zhuguan.get(response.headers["Location"]).get_data(as_text=True)
    refused = zhuguan.client.post("/tickets/export.xlsx?type=投诉")  # no token: a forged request
    assert refused.status_code in (400, 403) and "/exports/" not in refused.headers.get("Location", "")
    assert db.session.scalar(select(ExportJob)) is None, "neither queued a job"

    response = export_ledger(zhuguan, "type=投诉")
    job = db.session.scalar(select(ExportJob))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/exports/{job.id}")
    assert job.args == {"type": "投诉"}, "the user's filter"


def test_a_large_export_is_a_job_with_progress_then_a_download(app, browser, monkeypatch):
    monkeypatch.setattr(ledger_export, "IMMEDIATE_ROWS", 2)
    _three()
    zhuguan = browser("zhuguan")
    ledger_page = zhuguan.get("/tickets/").get_data(as_text=True)
    assert 'id="export-jobs"' in ledger_page and "导出任务" in ledger_page
    response = export_ledger(zhuguan, "type=投诉")
    assert response.status_code == 302
    job = db.session.scalar(select(ExportJob))
    assert response.headers["Location"].endswith(f"/exports/{job.id}")
    page = zhuguan.get(f"/exports/{job.id}").get_data(as_text=True)
    assert "排队中" in page and 'id="job-progress"' in page and "js/exports.js" in page
    assert 'data-finished="false"' in page and 'id="export-download"' not in page
    assert export_ledger(zhuguan, "type=投诉").headers["Location"].endswith(f"/exports/{job.id}"), \
        "clicking again finds the same job"
    status = json.loads(zhuguan.get(f"/exports/{job.id}/status").data)
    assert status["state_label"] == "排队中" and not status["finished"] and status["percent"] == 0

    assert ledger_export.run_pending() == 1  # the worker
    status = json.loads(zhuguan.get(f"/exports/{job.id}/status").data)
    assert status == {"state": "done", "state_label": "已完成", "finished": True, "percent": 100, "done": 3,
                      "total": 3, "error": ""}
    page = zhuguan.get(f"/exports/{job.id}").get_data(as_text=True)
    assert "已完成" in page and 'id="export-download"' in page and 'data-finished="true"' in page
    listed = zhuguan.get("/exports/").get_data(as_text=True)
    assert f"/exports/{job.id}/download" in listed and "类型：投诉" in listed and "type=投诉" not in listed
    response = zhuguan.get(f"/exports/{job.id}/download")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data)).active
    assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True)] == ["W-1", "W-2", "W-3"]
    downloads = db.session.scalars(select(AccessLog).where(AccessLog.action == "download")).all()
    assert [d.where for d in downloads] == [f"导出文件 案件台账 3 件，含未脱敏 3 件（导出任务 {job.id}）"]


def test_only_the_requester_and_admins_may_open_or_download_an_export(app, browser, monkeypatch):
    monkeypatch.setattr(ledger_export, "IMMEDIATE_ROWS", 2)
    _three()
    export_ledger(browser("zhuguan"))
    job = db.session.scalar(select(ExportJob))
    ledger_export.run_pending()
    other = browser("tongji")  # an analyst may export too, but not open someone else's
    for url in (f"/exports/{job.id}", f"/exports/{job.id}/status", f"/exports/{job.id}/download"):
        assert other.get(url).status_code == 404, url
    assert f"/exports/{job.id}" not in other.get("/exports/").get_data(as_text=True)
    refused = db.session.scalar(select(AccessLog).where(AccessLog.outcome == "denied"))
    assert refused.action == "download" and refused.user.username == "tongji"
    assert browser("wenhua").get(f"/exports/{job.id}/download").status_code == 403, "a handler may not export"
    assert browser("liucheng").get(f"/exports/{job.id}/download").status_code == 200, "an admin may"


def test_a_failed_export_says_why_in_chinese(app, browser, monkeypatch):
    monkeypatch.setattr(ledger_export, "IMMEDIATE_ROWS", 2)
    _three()
    zhuguan = browser("zhuguan")
    export_ledger(zhuguan)
    job = db.session.scalar(select(ExportJob))

    def broken(*_args, **_kw):
        raise OSError("No space left on device")
        yield

    monkeypatch.setattr(ledger_export, "_rows", broken)
    ledger_export.run_pending()
    page = zhuguan.get(f"/exports/{job.id}").get_data(as_text=True)
    assert "失败" in page and "生成导出文件时出错（文件或网络读写失败）" in page and "OSError" not in page and 'id="export-error"' in page
    assert zhuguan.get(f"/exports/{job.id}/download").status_code == 404


def test_a_bad_filter_is_refused_at_the_request(app, browser, monkeypatch):
    monkeypatch.setattr(ledger_export, "IMMEDIATE_ROWS", 0)
    zhuguan = browser("zhuguan")
    response = zhuguan.post("/tickets/export.xlsx?period=11-2026", form_url="/tickets/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/tickets/?period=11-2026")
    assert db.session.scalar(select(ExportJob)) is None
    page = zhuguan.get(response.headers["Location"])
    assert page.status_code == 200 and page.get_data(as_text=True).count("考核期格式应为 YYYY-MM") == 1


def test_an_exports_filters_are_said_in_the_ledgers_words(app):
    from app.models import Section
    from app.web.exports import ledger_conditions

    section = db.session.scalars(select(Section)).first()
    with app.test_request_context():  # the reader's language
        stored = ledger.LedgerFilter.from_args({"period": "2026-11", "section": str(section.id), "overdue": "1",
                                                "carried": "written_off", "received_from": "2026-11-01"}).as_args()
        text, nothing = ledger_conditions(stored), ledger_conditions({})
        legacy = ledger_conditions({"overdue": True, "repeat": True})  # a job stored before flags were "1"
    assert text == f"考核期：2026-11，科室：{section.name}，超期，已销账，接收时间：2026-11-01 起"
    assert legacy == "超期，重复反映"
    assert nothing == "全部工单"


def test_a_flag_of_the_ledger_survives_its_links_and_a_queued_export(app, browser):
    """超期 / 重复反映 are flags: the ledger's own links (export, pages) and a queued job's stored filter give
    them back. A link once carried overdue=True, which reads back as no flag: the export had every ticket."""
    f = ledger.LedgerFilter.from_args({"overdue": "1", "repeat": "on", "period": "2026-11"})
    assert f.overdue and f.repeat
    assert f.as_args()["overdue"] == "1" and ledger.LedgerFilter.from_args(f.as_args()) == f
    assert ledger.LedgerFilter.from_args({"overdue": True}).overdue  # a job stored by the earlier code
    page = browser("zhuguan").get("/tickets/?overdue=1&period=2026-11").get_data(as_text=True)
    link = re.search(r'action="(/tickets/export\.xlsx\?[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "overdue=1" in link and "overdue=True" not in link
    job = ledger_export.request_export(f, user("zhuguan"))
    db.session.expire_all()
    assert ledger.LedgerFilter.from_args(db.session.get(ExportJob, job.id).args) == f


def test_the_access_logs_unmasked_flag_survives_its_export_link(app):
    from app.services import access_log

    f = access_log.LogFilter.from_args({"unmasked": "1"})
    assert f.unmasked and f.as_args() == {"unmasked": "1"}
    assert access_log.LogFilter.from_args(f.as_args()) == f


def test_a_month_without_its_leading_zero_is_refused_not_read_as_another_filter(app, browser):
    page = browser("zhuguan").get("/tickets/?period=2026-1").get_data(as_text=True)
    assert "考核期格式应为 YYYY-MM" in page

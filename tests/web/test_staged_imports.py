"""The three import pages share one staged upload: the preview survives a reload, an expired or someone
else's upload is refused in Chinese, and a second confirmation imports nothing twice."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import DutyAssignment, Enterprise, ImportJob, Ticket
from app.services import ticket_import
from app.services.spreadsheets import unpacking
from tests.field_helpers import code
from tests.helpers import entity_bomb_xlsx, xlsx, zip_bomb_xlsx


def _ticket(no):
    return [no, "投诉", f"网吧接纳未成年人（{no}）", "来电人反映网吧接纳未成年人上网。", "2026-11-24 09:15"]


@dataclass
class Page:
    name: str
    username: str  # who uploads
    other: str  # someone else who may import this kind of file too
    url: str
    header: tuple
    rows: list
    model: type
    preview_marker: str

    def file(self) -> bytes:
        return xlsx(self.header, self.rows)

    def count(self) -> int:
        query = select(func.count(self.model.id))
        if self.model is Ticket:
            query = query.where(Ticket.ticket_no.like("S-%"))
        return db.session.scalar(query)


PAGES = [
    Page("tickets", "paidan", "zhiban", "/import/", ("工单编号", "工单类型", "标题", "主要内容", "来电时间"),
         [_ticket("S-1"), _ticket("S-2")], Ticket, 'data-count="new">2<'),
    Page("roster", "zhiban", "zhuguan", "/roster/import", ("日期", "班次", "姓名/用户名", "岗位"),
         [(date(2026, 11, 26), "夜班", "zhiban", "值班派单员"), ("2026-11-28", "节假日值班", "刘洋", "值班员")],
         DutyAssignment, "新增 2"),
    Page("enterprises", "jiancha", "zhuguan", "/enterprises/import", ("企业名称", "统一社会信用代码", "企业类型"),
         [("极速网咖", code(1), "网吧"), ("悦途国际旅行社有限公司", code(2), "旅行社")], Enterprise, "新增 2 家"),
]


@pytest.fixture(params=PAGES, ids=lambda p: p.name)
def page(request):
    return request.param


def _upload(b, page: Page) -> str:
    response = b.post(page.url, {"file": (io.BytesIO(page.file()), "导入.xlsx")}, form_url=page.url,
                      content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _landing(b, response) -> str:
    assert response.status_code == 302
    return b.get(response.headers["Location"]).get_data(as_text=True)


def test_a_preview_survives_a_reload(app, browser, page):
    b = browser(page.username)
    preview_url = _upload(b, page)
    first = b.get(preview_url)
    assert first.status_code == 200 and page.preview_marker in first.get_data(as_text=True)
    again = b.get(preview_url)  # a reload, or coming back from another tab
    assert again.status_code == 200 and page.preview_marker in again.get_data(as_text=True)
    assert "导入.xlsx" in again.get_data(as_text=True)
    assert page.count() == 0, "a preview writes nothing"


def test_someone_elses_or_an_unknown_upload_is_refused_in_chinese(app, browser, page):
    preview_url = _upload(browser(page.username), page)
    other = browser(page.other)
    for url in (preview_url, re.sub(r"[^/]+$", "x" * 24, preview_url)):
        response = other.get(url)
        assert "找不到这次上传的文件（可能已导入或已过期），请重新上传。" in _landing(other, response)
    response = other.post(preview_url + "/confirm", form_url=page.url)
    assert "找不到这次上传的文件" in _landing(other, response)
    assert page.count() == 0 and db.session.scalar(select(func.count(ImportJob.id))) == 0


def test_an_expired_upload_is_refused_in_chinese(app, browser, page):
    b = browser(page.username)
    preview_url = _upload(b, page)
    clock.advance(timedelta(hours=25))
    assert "这次上传已过期（上传的文件只保留 24 小时），请重新上传。" in _landing(b, b.get(preview_url))
    response = b.post(preview_url + "/confirm", form_url=page.url)
    assert "这次上传已过期" in _landing(b, response)
    assert page.count() == 0


def test_a_second_confirmation_imports_nothing_twice(app, browser, page):
    b = browser(page.username)
    preview_url = _upload(b, page)
    first = b.post(preview_url + "/confirm", form_url=preview_url)
    assert first.status_code == 302
    ticket_import.wait_for_jobs()
    assert page.count() == 2
    second = b.post(preview_url + "/confirm", form_url=page.url)  # a double click, a resent form
    ticket_import.wait_for_jobs()
    if page.name == "tickets":  # the second click lands on the job the first one started
        assert second.headers["Location"] == first.headers["Location"]
        assert db.session.scalar(select(func.count(ImportJob.id))) == 1
    else:
        assert "不会重复导入" in _landing(b, second)
    assert page.count() == 2


def test_discarding_an_upload_removes_it(app, browser, page):
    b = browser(page.username)
    preview_url = _upload(b, page)
    response = b.post(preview_url + "/discard", form_url=preview_url)
    assert "已取消导入，上传的文件已删除。" in _landing(b, response)
    assert "找不到这次上传的文件" in _landing(b, b.get(preview_url))


BOMB_PAGES = [(p.username, p.url) for p in PAGES] + [("liucheng", "/admin/calendar/import")]


@pytest.mark.parametrize(("username", "url"), BOMB_PAGES, ids=lambda v: v if v.startswith("/") else "")
def test_a_zip_bomb_or_an_entity_bomb_is_refused_in_chinese(app, browser, monkeypatch, username, url):
    monkeypatch.setattr(unpacking, "MAX_UNPACKED_BYTES", 2 * 1024 * 1024)  # the bomb: 4 MB of spaces
    b = browser(username)
    for data, message in ((zip_bomb_xlsx(4), "文件“导入.xlsx”解压后过大（超过 2 MB），不像正常的 Excel 表格，已拒绝。"),
                          (entity_bomb_xlsx(), "文件“导入.xlsx”不是有效的 Excel（.xlsx）文件。")):
        response = b.post(url, {"file": (io.BytesIO(data), "导入.xlsx")}, form_url=url,
                          content_type="multipart/form-data")
        assert response.status_code == 422 and message in response.get_data(as_text=True), url

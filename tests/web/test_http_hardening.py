"""HTTP hardening: body limits before anything is read, security headers and a CSP the pages keep,
Chinese error pages in the app's layout, open redirects closed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Blueprint

from app.web import audiences

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it was read."""

    def __init__(self, size: int):
        super().__init__(b"x" * size)
        self.taken = 0

    def read(self, n=-1):
        data = super().read(n)
        self.taken += len(data)
        return data

    def readline(self, n=-1):
        data = super().readline(n)
        self.taken += len(data)
        return data


def post_stream(client, url, size, **kw):
    stream = CountingStream(size)
    response = client.post(url, input_stream=stream, content_length=size,
                           content_type="application/x-www-form-urlencoded", **kw)
    return response, stream


def test_a_signed_out_large_post_is_refused_without_reading_it(app):
    client = app.test_client()
    response, stream = post_stream(client, "/tickets/new", 300 * 1024 * 1024)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert stream.taken == 0
    response, stream = post_stream(client, "/login", 300 * 1024 * 1024)
    assert response.status_code == 413 and stream.taken == 0
    page = response.get_data(as_text=True)
    assert "提交的内容过大" in page and "1 MB" in page and "接诉工单台" in page


def test_each_route_has_its_own_body_limit(app, browser):
    paidan = browser("paidan")
    token = paidan.csrf("/tickets/new")
    response, stream = post_stream(paidan.client, f"/tickets/new?csrf_token={token}", 2 * 1024 * 1024)
    assert response.status_code == 413 and stream.taken == 0, "a form without files takes 1 MB"
    assert audiences.ENDPOINTS["imports.upload"].body_limit(app.config) > 20 * 1024 * 1024
    assert audiences.ENDPOINTS["inbox.task"].body_limit(app.config) > 50 * 1024 * 1024, "recordings up to 50 MB"
    assert audiences.largest_body(app.config) >= audiences.ENDPOINTS["inbox.task"].body_limit(app.config)


def test_security_headers_on_every_response(app, browser):
    b = browser("paidan")
    for response in (b.get("/"), b.get("/no-such-page"), app.test_client().get("/login"),
                     b.get("/static/css/app.css")):
        headers = response.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
    assert b.get("/").headers["Cache-Control"] == "no-store", "pages with citizens' data are not cached"


def test_templates_have_no_inline_script_or_event_handler():
    problems = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        # a <script type="application/json"> is data the page's script reads, never executed
        for match in re.finditer(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", text):
            problems.append(f"{path.name}: inline {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            problems.append(f"{path.name}: event handler {match.group(0).strip()}")
        if "javascript:" in text:
            problems.append(f"{path.name}: javascript: URL")
    assert not problems, "\n".join(problems)


def test_rendered_pages_keep_the_policy(app, browser):
    from tests.helpers import new_ticket

    ticket = new_ticket()
    b = browser("liucheng")
    for url in ("/", "/tickets/", f"/tickets/{ticket.id}", "/admin/users/", "/admin/access-log", "/roster/",
                "/enterprises/", "/inspections/", "/warnings/", "/admin/calendar"):
        html = b.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son(click|change|submit|load)=", html), url
        assert "<style" not in html, url


def test_error_pages_are_chinese_and_in_the_layout(app, browser):
    client = app.test_client()
    csrf = client.post("/login", data={"username": "paidan", "password": "jiesu2026"})
    assert csrf.status_code == 400
    assert "页面已过期，请重新提交" in csrf.get_data(as_text=True) and "CSRF" not in csrf.get_data(as_text=True)
    owner = browser("liucheng")  # the modeler's JSON calls get JSON, which its page shows
    stale = owner.client.put("/modeler/api/draft", json={"process_key": "ticket_lifecycle", "xml": "<x/>"},
                             headers={"Accept": "application/json", "X-CSRFToken": "stale"})
    assert stale.status_code == 400 and stale.get_json()["message"].startswith("页面已过期，请重新提交")
    b = browser("tongji")
    cases = {403: b.get("/admin/users/"), 404: b.get("/nowhere"), 405: b.get("/logout"),
             404.1: b.get("/tickets/999999")}
    texts = {403: "无权访问", 404: "页面或事项不存在", 405: "不支持的操作", 404.1: "工单不存在"}
    for status, response in cases.items():
        html = response.get_data(as_text=True)
        assert response.status_code == int(status) and texts[status] in html, status
        assert 'id="nav"' in html and "退出登录" in html, "the app's own layout, navigation included"
        assert "Not Found" not in html and "Forbidden" not in html and "Method Not Allowed" not in html
    assert "POST" in cases[405].headers["Allow"]


@pytest.mark.own_app  # registers a blueprint
def test_an_unexpected_error_gets_the_chinese_500_page(app, browser, monkeypatch):
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    def boom():
        raise RuntimeError("something broke")

    app.register_blueprint(bp)
    monkeypatch.setitem(audiences.ENDPOINTS, "boom.boom", audiences.SIGNED_IN)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = browser("paidan").get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "服务器出错" in html and "something broke" not in html


@pytest.mark.own_app  # registers a blueprint
def test_an_undeclared_route_is_refused(app, browser, monkeypatch):
    bp = Blueprint("stray", __name__)
    bp.add_url_rule("/stray", "stray", lambda: "open")
    app.register_blueprint(bp)
    assert browser("liucheng").get("/stray").status_code == 403, "fail closed: no entry, no entry"


def test_a_redirect_and_a_modeler_call_without_a_token_answer_in_chinese(app, browser):
    """A script or an API-style client reads what a browser never shows: Werkzeug's English redirect body,
    and the HTML 400 page for a modeler call that sent no JSON (a DELETE)."""
    response = browser().get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 302 and "正在跳转到" in body and "Redirecting" not in body
    owner = browser("liucheng")
    stale = owner.client.delete("/modeler/api/draft?process_key=ticket_lifecycle", headers={"X-CSRFToken": "stale"})
    assert stale.status_code == 400 and stale.get_json()["message"].startswith("页面已过期，请重新提交")


def test_redirects_stay_on_this_site(app, browser):
    b = browser()
    response = b.post("/login?next=//evil.example.com/x", {"username": "paidan", "password": "jiesu2026"})
    assert response.headers["Location"] == "/"
    response = b.get("/lang/en", headers={"Referer": "https://evil.example.com/phish"})
    assert "evil" not in response.headers["Location"]


def test_a_nul_character_is_refused_with_a_message_not_stored(app, browser):
    """PostgreSQL cannot store U+0000 in text: a form, a query or a JSON body holding one is refused with a
    Chinese message before any view stores or searches it (not the 500 page of a failed statement)."""
    import json

    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import ProcessDraft, TicketNote
    from tests.helpers import new_ticket

    ticket = new_ticket()
    zhuguan = browser("zhuguan")
    response = zhuguan.post(f"/tickets/{ticket.id}/notes", {"text": "已电话\x00联系"}, form_url=f"/tickets/{ticket.id}")
    assert response.status_code == 400 and "空字符" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TicketNote.id))) == 0
    response = zhuguan.get("/tickets/", query_string={"q": "网吧\x00"})
    assert response.status_code == 400 and "空字符" in response.get_data(as_text=True)
    response = zhuguan.get("/processes/x%00y")  # a path segment a view would look up
    assert response.status_code == 400 and "空字符" in response.get_data(as_text=True)
    liucheng = browser("liucheng")
    token = liucheng.csrf("/modeler/edit?process=ticket_lifecycle")
    response = liucheng.client.put("/modeler/api/draft", data=json.dumps({"process_key": "x\x00", "xml": "<definitions/>"}),
                                   content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 400 and "空字符" in response.get_json()["message"]
    assert db.session.scalar(select(func.count(ProcessDraft.id))) == 0
    assert zhuguan.post(f"/tickets/{ticket.id}/notes", {"text": "已电话联系"},
                        form_url=f"/tickets/{ticket.id}").status_code == 302, "the same without it is saved"

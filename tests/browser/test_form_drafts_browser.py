"""In a real Chromium: what a clerk typed into a task form survives a reload and a database outage (the
Chinese 503 page), and is forgotten once the submission succeeds (app/static/js/drafts.js)."""

from __future__ import annotations

from sqlalchemy import event, select

from app.extensions import db
from app.models import WorkItem
from tests.browser.test_browser import _require_chromium, chromium_page, live_server, log_in  # noqa: F401

NOTE = "已与来电人电话核实，地址无误"


def _drafts(page):
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('jiesu-draft:'))")


def test_typed_input_survives_a_database_outage_until_the_submission_succeeds(live_server):  # noqa: F811
    from playwright.sync_api import expect

    _require_chromium()
    with live_server.app.app_context():
        item_id = db.session.scalar(select(WorkItem.id).where(WorkItem.ticket_id == live_server.ticket_id,
                                                              WorkItem.spec_name == "sign"))
        engine = db.engine
        db.session.remove()
    url = f"{live_server.url}/tasks/{item_id}"
    with chromium_page(live_server) as page:
        log_in(page, live_server, "paidan")
        page.goto(url)
        page.get_by_role("radio", name="签收").check()
        page.locator("#task-form [name=sign_note]").fill(NOTE)
        page.reload()
        expect(page.locator("#task-form [name=sign_note]")).to_have_value(NOTE)
        expect(page.get_by_role("radio", name="签收")).to_be_checked()
        expect(page.locator(".draft-restored")).to_contain_text("已恢复您在本机未提交的填写内容")

        # the database stops; the clerk presses 提交
        error = engine.dialect.loaded_dbapi.OperationalError

        def refuse(*_args, **_kwargs):
            raise error("connection refused")

        engine.dispose()
        event.listen(engine, "do_connect", refuse)
        try:
            page.locator("#task-form button[type=submit]").click()
            expect(page.locator("#error")).to_contain_text("数据库暂时不可用，您填写的内容已保留在本机")
        finally:
            event.remove(engine, "do_connect", refuse)
            engine.dispose()
        assert len(_drafts(page)) == 1, "the 503 page keeps the draft"

        # the database is back: the form is opened again with what was typed, and submitted
        page.goto(url)
        expect(page.locator("#task-form [name=sign_note]")).to_have_value(NOTE)
        page.locator("#task-form button[type=submit]").click()
        expect(page.locator(".alert-info").first).to_contain_text("下一步")  # 签收 done: on to 分派
        assert page.url != url
        assert _drafts(page) == [], "a successful submission forgets the draft"


def test_a_refused_form_showing_what_was_typed_has_no_restore_note(live_server):  # noqa: F811
    """The server refuses 录入工单 and shows the form as typed (its 来电号码 folded to half width, as the server
    keeps numbers): nothing to restore, so no 已恢复 note. Opened afresh, the form is empty and the kept draft
    is restored with its note."""
    from playwright.sync_api import expect

    _require_chromium()
    url = f"{live_server.url}/tickets/new"
    with chromium_page(live_server) as page:
        log_in(page, live_server, "paidan")
        page.goto(url)
        page.get_by_label("标题").fill("网吧接纳未成年人")
        page.get_by_label("主要内容").fill("来电人反映网吧晚上接纳未成年人。  \n")
        page.get_by_label("来电号码").fill("１３８１１１１")  # a Chinese IME's full width; too short
        page.get_by_role("button", name="保存并进入签收").click()
        expect(page.locator(".invalid-feedback").first).to_contain_text("手机号码应为 11 位")
        expect(page.get_by_label("来电号码")).to_have_value("1381111")
        expect(page.get_by_label("标题")).to_have_value("网吧接纳未成年人")
        expect(page.locator(".draft-restored")).to_have_count(0)
        assert len(_drafts(page)) == 1, "the refusal keeps the draft"

        page.goto(url)  # the form afresh: the draft differs from the empty form
        expect(page.locator(".draft-restored")).to_contain_text("已恢复您在本机未提交的填写内容")
        expect(page.get_by_label("标题")).to_have_value("网吧接纳未成年人")
        assert not page.problems, page.problems


def test_the_proxys_page_when_no_app_process_answers_keeps_what_was_typed(live_server):  # noqa: F811
    """nginx answers 502 with errors/unavailable.html when no app process answers (deploy/nginx/jiesu.conf):
    the page is Chinese, and the draft of the submission that met it is kept although the clerk then opens
    another page of the desk (without the page's script, that page took the submission for a success)."""
    from pathlib import Path

    from playwright.sync_api import expect

    _require_chromium()
    with live_server.app.app_context():
        item_id = db.session.scalar(select(WorkItem.id).where(WorkItem.ticket_id == live_server.ticket_id,
                                                              WorkItem.spec_name == "sign"))
        db.session.remove()
    url = f"{live_server.url}/tasks/{item_id}"
    proxy_page = (Path(live_server.app.static_folder) / "errors" / "unavailable.html").read_text(encoding="utf-8")
    with chromium_page(live_server) as page:
        log_in(page, live_server, "paidan")
        page.goto(url)
        page.get_by_role("radio", name="签收").check()
        page.locator("#task-form [name=sign_note]").fill(NOTE)

        def proxy(route):  # the app processes are restarting: nginx's error_page
            if route.request.method == "POST":
                route.fulfill(status=502, body=proxy_page, content_type="text/html; charset=utf-8")
            else:
                route.continue_()

        page.route(f"{url}", proxy)
        page.locator("#task-form button[type=submit]").click()
        expect(page.locator("h1")).to_have_text("接诉工单台暂时无法连接")
        expect(page.locator("body")).to_contain_text("您填写的内容已保留在本机浏览器中")
        page.unroute(f"{url}")
        page.goto(f"{live_server.url}/")  # the clerk goes to the inbox first
        assert len(_drafts(page)) == 1, "the draft is kept"
        page.goto(url)
        expect(page.locator("#task-form [name=sign_note]")).to_have_value(NOTE)
        expect(page.locator(".draft-restored")).to_contain_text("已恢复您在本机未提交的填写内容")

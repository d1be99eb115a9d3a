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

"""The process owner's workbench in a real Chromium: the modeler loads, edits (a task added, a timer
changed), lints, dry-runs and deploys; the two versions compared; the ticket on its diagram.

Drives Debian's Chromium like tests/test_browser.py (same server fixture), as 何工 (流程管理员).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ProcessDraft, ProcessVersion
from tests.browser.test_browser import PASSWORD, _require_chromium, chromium_page, live_server  # noqa: F401

pytestmark = pytest.mark.browser

NEW_URGE = "add_workdays(reply_deadline, -2)"


def log_in(page, server, username="liucheng", name="何工"):
    from playwright.sync_api import expect

    page.goto(f"{server.url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("nav").get_by_role("button", name=re.compile(name))).to_be_visible()


def js(page, script):
    return page.evaluate(script)


def test_modeler_edits_lints_dry_runs_deploys_and_diffs(live_server):  # noqa: F811 (the shared fixture)
    _require_chromium()
    from playwright.sync_api import expect

    with chromium_page(live_server) as page:
        log_in(page, live_server)
        page.goto(f"{live_server.url}/modeler/")
        page.locator('tr[data-process="ticket_lifecycle"]').get_by_role("link", name="编辑").click()
        page.wait_for_selector("body[data-modeler-ready='1']")
        expect(page.locator("#source-note")).to_contain_text("打开的是第 1 版")
        # the palette speaks Chinese
        assert page.locator(".djs-palette .entry.bpmn-icon-task").get_attribute("aria-label") == "任务"

        # add a task from the palette: bpmnlint flags it at once, on the element and in the list
        tasks = "window.jiesuModeler.get('elementRegistry').filter(e => e.type === 'bpmn:Task').length"
        assert js(page, tasks) == 0
        # place it in the empty first lane, right of 分派
        box = page.locator('.djs-element[data-element-id="dispatch"]').bounding_box()
        at = (box["x"] + box["width"] + 160, box["y"] + box["height"] / 2)
        page.locator(".djs-palette .entry.bpmn-icon-task").click()
        page.mouse.move(at[0] - 20, at[1] - 10)
        page.mouse.move(*at, steps=5)
        page.mouse.click(*at)
        page.wait_for_function(f"() => {tasks} === 1")  # a function: an expression is eval (CSP)
        expect(page.locator("#problems")).to_contain_text("元素没有连接到流程中")
        page.keyboard.press("Escape")  # leave the name editing that a new shape opens
        page.locator('[data-tool="undo"]').click()
        expect(page.locator("#save-status")).to_be_visible()
        page.wait_for_function(f"() => {tasks} === 0")
        expect(page.locator("#problems")).not_to_contain_text("元素没有连接到流程中")

        # change a timer in the properties panel: 催办 two working days before the deadline
        selected = "window.jiesuModeler.get('selection').get().map(e => e.id).join()"
        timer = page.locator('.djs-element[data-element-id="urge_timer"]').bounding_box()
        for _attempt in range(3):  # the first click may only give the canvas the focus
            page.mouse.click(timer["x"] + timer["width"] / 2, timer["y"] + timer["height"] / 2)
            page.wait_for_timeout(300)
            if js(page, selected) == "urge_timer":
                break
        expect(page.locator(".bio-properties-panel-header-type")).to_have_text("定时器边界事件（非中断）")
        # the panel's own buttons speak Chinese too (their library falls back to English on its own)
        assert page.locator('#properties [title="Toggle section"]').count() == 0
        assert page.locator('#properties [title="展开/收起"]').count() > 0
        timer_group = page.locator('[data-group-id="group-timer"]')
        timer_group.locator(".bio-properties-panel-group-header").click()
        value = timer_group.locator("#bio-properties-panel-timerEventDefinitionValue")
        expect(value).to_have_value("urge_at")
        value.fill("add_workdays(reply_deadline, -rule('urge_dayz'))")
        value.blur()
        # the server's deploy check names the unknown rule on the element
        expect(page.locator("#problems")).to_contain_text("没有名为“urge_dayz”的时限规则", timeout=10_000)
        expect(page.locator('.djs-element.jiesu-problem[data-element-id="urge_timer"]')).to_have_count(1)
        value.fill(NEW_URGE)
        value.blur()
        expect(page.locator("#problems")).not_to_contain_text("urge_dayz", timeout=10_000)
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)

        # the draft is on the server: a reload (or a closed tab) loses nothing
        with live_server.app.app_context():
            draft = db.session.scalar(select(ProcessDraft))
            assert draft.process_key == "ticket_lifecycle" and NEW_URGE in draft.xml
        page.reload()
        page.wait_for_selector("body[data-modeler-ready='1']")
        expect(page.locator("#source-note")).to_contain_text("打开的是你的草稿")

        # dry run: the path is highlighted and the timers' instants are shown (clock: Wed 25 Nov 10:00)
        page.locator("#btn-dry-run").click()
        expect(page.locator("#dry-run-timers")).to_contain_text("2026-12-02 10:00")
        assert page.locator('.djs-element.jiesu-path[data-element-id="compute_deadlines"]').count() == 1
        expect(page.locator('.jiesu-timer-badge[data-element="urge_timer"]')).to_contain_text("2026-12-02 10:00")

        # rename 签收 (an attribute bpmn-js-differ reports), then deploy with a comment
        js(page, """(() => { const m = window.jiesuModeler; const sign = m.get('elementRegistry').get('sign');
                    m.get('modeling').updateProperties(sign, { name: '签收登记' }); })()""")
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        page.locator("#btn-deploy").click()
        page.locator("#deploy-comment").fill("催办提前到办理时限前两个工作日")
        page.locator("#deploy-submit").click()
        expect(page.locator("#deploy-done")).to_contain_text("已部署 12345工单办理 第 2 版")
        with live_server.app.app_context():
            v2 = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "ticket_lifecycle",
                                                                ProcessVersion.is_current))
            assert v2.version == 2 and NEW_URGE in v2.bpmn_xml and v2.deployed_by.username == "liucheng"
            assert db.session.scalar(select(ProcessDraft)) is None, "the deployed draft is gone"

        # compare the two versions on the diagram
        page.locator("#deploy-done a").click()
        page.locator("#diff-form").get_by_role("button", name="比较").click()
        page.wait_for_selector("body[data-diff-ready='1']")
        row = page.locator('#diff-rows tr[data-element="urge_timer"]')
        expect(row).to_contain_text("修改")
        expect(row).to_contain_text(NEW_URGE)
        renamed = page.locator('#diff-rows tr[data-element="sign"]')
        expect(renamed.locator("del")).to_have_text("签收")  # before → after, in that order
        expect(renamed.locator("ins")).to_have_text("签收登记")
        assert page.locator('#diff-b .djs-element.diff-changed[data-element-id="urge_timer"]').count() == 1
        assert page.problems == [], page.problems


def test_deploying_the_diagram_as_opened_is_no_new_version(live_server):  # noqa: F811
    """The modeler writes the file its own way (shape order, prefixes): still the same diagram."""
    _require_chromium()
    from playwright.sync_api import expect

    with chromium_page(live_server) as page:
        log_in(page, live_server)
        page.goto(f"{live_server.url}/modeler/edit?process=ticket_lifecycle")
        page.wait_for_selector("body[data-modeler-ready='1']")
        page.locator("#btn-deploy").click()
        page.locator("#deploy-comment").fill("没改")
        page.locator("#deploy-submit").click()
        expect(page.locator("#deploy-result")).to_contain_text("与当前版本相同，未部署。")
        with live_server.app.app_context():
            versions = db.session.scalars(select(ProcessVersion.version).where(
                ProcessVersion.process_key == "ticket_lifecycle")).all()
            assert versions == [1]
        assert page.problems == [], page.problems


def test_an_edit_just_before_leaving_the_modeler_is_not_lost(live_server):  # noqa: F811
    """ticket.bpmn is over the 64 KiB a keepalive request may carry: the change is kept in the browser
    at once and restored (then saved) when the modeler opens again."""
    _require_chromium()
    from playwright.sync_api import expect

    with chromium_page(live_server) as page:
        log_in(page, live_server)
        page.goto(f"{live_server.url}/modeler/edit?process=ticket_lifecycle")
        page.wait_for_selector("body[data-modeler-ready='1']")
        js(page, """(() => { const m = window.jiesuModeler; const sign = m.get('elementRegistry').get('sign');
                    m.get('modeling').updateProperties(sign, { name: '签收（离开前改的）' }); })()""")
        page.wait_for_timeout(150)  # well before the draft's save (1.2 s after the change)

        def lost(route):  # what a request cut off by leaving the page amounts to
            route.abort() if route.request.method == "PUT" else route.continue_()

        page.route("**/modeler/api/draft", lost)
        page.goto(f"{live_server.url}/")
        with live_server.app.app_context():
            assert db.session.scalar(select(ProcessDraft)) is None, "the server did not get it"
        page.unroute("**/modeler/api/draft")
        page.goto(f"{live_server.url}/modeler/edit?process=ticket_lifecycle")
        page.wait_for_selector("body[data-modeler-ready='1']")
        name = "window.jiesuModeler.get('elementRegistry').get('sign').businessObject.name"
        assert js(page, name) == "签收（离开前改的）"
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        with live_server.app.app_context():
            assert "签收（离开前改的）" in db.session.scalar(select(ProcessDraft)).xml
        assert page.problems == [], page.problems


def test_a_file_from_this_computer_opens_in_the_modeler_as_the_draft(live_server, tmp_path):  # noqa: F811
    _require_chromium()
    from pathlib import Path

    from playwright.sync_api import expect

    ticket = (Path(__file__).resolve().parents[2] / "processes" / "ticket.bpmn").read_text(encoding="utf-8")
    drawn_elsewhere = tmp_path / "回访改名.bpmn"
    drawn_elsewhere.write_text(ticket.replace('name="回访"', 'name="电话回访"', 1), encoding="utf-8")
    not_drawn = tmp_path / "没有布局.bpmn"  # no layout, and no process to lay out
    not_drawn.write_text('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn='
                         '"http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
                         '<bpmn:collaboration id="c"/></bpmn:definitions>', encoding="utf-8")
    with chromium_page(live_server) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live_server)
        page.goto(f"{live_server.url}/modeler/edit?process=ticket_lifecycle")
        page.wait_for_selector("body[data-modeler-ready='1']")
        name = "window.jiesuModeler.get('elementRegistry').get('callback').businessObject.name"
        not_xml = tmp_path / "说明.bpmn"
        not_xml.write_text("这不是流程图", encoding="utf-8")
        page.locator("#open-file").set_input_files(str(not_xml))
        expect(page.locator("#save-status")).to_contain_text("不是 BPMN 2.0 的 XML 文件")
        page.locator("#open-file").set_input_files(str(not_drawn))
        expect(page.locator("#save-status")).to_contain_text("没有图形布局")
        assert js(page, name) == "回访", "the diagram on the canvas stays"
        page.locator("#open-file").set_input_files(str(drawn_elsewhere))
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        assert js(page, name) == "电话回访"
        with live_server.app.app_context():
            assert 'name="电话回访"' in db.session.scalar(select(ProcessDraft)).xml
        assert page.problems == [], page.problems


def test_a_version_without_layout_is_drawn_where_it_is_shown(live_server):  # noqa: F811
    _require_chromium()
    from pathlib import Path

    from playwright.sync_api import expect

    from app.engine import instances

    with live_server.app.app_context():
        instances.deploy((Path(__file__).resolve().parents[1] / "bpmn" / "safety" / "without_layout.bpmn").read_bytes())
        db.session.commit()
    with chromium_page(live_server) as page:
        log_in(page, live_server)
        page.goto(f"{live_server.url}/processes/without_layout")  # the versions page lays it out for viewing
        viewer = page.locator("[data-bpmn-viewer]").first
        expect(viewer).to_have_attribute("data-ready", "1")
        expect(viewer.locator(".jiesu-layout-note")).to_contain_text("此版本没有图形布局（BPMN DI），已按流程顺序自动排版")
        registry = "document.querySelector('[data-bpmn-viewer]').jiesuViewer.get('elementRegistry')"
        xs = [js(page, f"{registry}.get('{i}').x") for i in ("start", "approve", "end")]
        assert xs == sorted(xs) and len(set(xs)) == 3, xs  # left to right, in flow order
        page.goto(f"{live_server.url}/modeler/edit?process=without_layout")  # the modeler draws it
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        expect(page.locator("#canvas-alert")).to_have_count(0)
        assert "no diagram" not in page.content()
        assert page.problems == [], page.problems


def test_the_ticket_page_shows_the_ticket_on_its_diagram(live_server):  # noqa: F811
    _require_chromium()
    from playwright.sync_api import expect

    with chromium_page(live_server) as page:
        log_in(page, live_server, "paidan", "张敏")
        page.goto(f"{live_server.url}/tickets/{live_server.ticket_id}")
        expect(page.locator("#ticket-version")).to_contain_text("12345工单办理 · 第 1 版")
        page.wait_for_selector("#ticket-viewer[data-ready='1']")
        viewer = page.locator("#ticket-viewer")
        assert viewer.locator('.djs-element.jiesu-path[data-element-id="compute_deadlines"]').count() == 1
        assert viewer.locator('.djs-element.jiesu-open[data-element-id="sign"]').count() == 1
        expect(viewer.locator('.jiesu-holder-badge[data-element="sign"]')).to_contain_text("待认领：派单员")
        assert viewer.locator('.djs-element.jiesu-path[data-element-id="dispatch"]').count() == 0
        assert page.problems == [], page.problems

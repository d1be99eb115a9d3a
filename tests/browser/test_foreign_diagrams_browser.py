"""A process owner opens diagrams drawn elsewhere in the modeler (打开文件), in Chromium as 何工."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from app.extensions import db
from tests.browser.test_browser import _require_chromium, chromium_page, live_server  # noqa: F401
from tests.browser.test_workbench_browser import js, log_in

BPMN = Path(__file__).resolve().parents[1] / "bpmn"


@contextmanager
def modeler_with_file(live_server, name: str):  # noqa: F811
    """Chromium signed in as 何工 on the modeler, tests/bpmn/foreign/``name`` opened with 打开文件."""
    with chromium_page(live_server) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live_server)
        page.goto(f"{live_server.url}/modeler/edit?process=ticket_lifecycle")
        page.wait_for_selector("body[data-modeler-ready='1']")
        page.locator("#open-file").set_input_files(str(BPMN / "foreign" / name))
        yield page


def test_files_drawn_elsewhere_open_in_the_modeler_or_say_why_not_in_chinese(live_server):  # noqa: F811
    """A version without layout could not be edited at all (now it is laid out, left to right, by
    bpmn-auto-layout); a GB18030 file was read as UTF-8 (its Chinese names garbled); bpmn-js's English
    reason was shown."""
    _require_chromium()
    from playwright.sync_api import expect

    from app.engine import instances

    with live_server.app.app_context():
        instances.deploy((BPMN / "safety" / "without_layout.bpmn").read_bytes())
        db.session.commit()
    with chromium_page(live_server) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live_server)
        page.goto(f"{live_server.url}/modeler/edit?process=without_layout")
        page.wait_for_selector("body[data-modeler-ready='1']")
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        assert js(page, "window.jiesuModeler.get('elementRegistry').get('approve').businessObject.name") == "审批"
        assert js(page, "window.jiesuModeler.get('elementRegistry').get('approve').x") > js(
            page, "window.jiesuModeler.get('elementRegistry').get('start').x"), "drawn left to right"
        expect(page.locator("#canvas-alert")).to_have_count(0)
        with live_server.app.app_context():
            from sqlalchemy import select

            from app.models import ProcessDraft

            saved = db.session.scalar(select(ProcessDraft.xml).where(ProcessDraft.process_key == "without_layout"))
            assert saved is not None and "BPMNDiagram" in saved, "the drawn layout is kept in the draft"
        page.locator("#open-file").set_input_files(str(BPMN / "foreign" / "unbound_prefix.bpmn"))
        expect(page.locator("#save-status")).to_contain_text("文件无法作为 BPMN 流程图打开：不是有效的 BPMN XML（第 5 行")
        expect(page.locator("#save-status")).to_contain_text("使用了未声明的命名空间前缀")
        page.locator("#open-file").set_input_files(str(BPMN / "foreign" / "gb18030_with_layout.bpmn"))
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        assert js(page, "window.jiesuModeler.get('elementRegistry').get('UserTask_1').businessObject.name") == "审批发票"
        expect(page.locator("#canvas-alert")).to_have_count(0)
        assert page.problems == [], page.problems


def test_a_flowable_file_opens_with_its_groups_and_form_in_the_properties_panel(live_server):  # noqa: F811
    """The panel reads only camunda: names: a Flowable file showed no candidate groups, due date or form fields."""
    _require_chromium()
    from playwright.sync_api import expect

    with modeler_with_file(live_server, "flowable_venue_check.bpmn") as page:
        expect(page.locator("#save-status")).to_contain_text("Activiti / Flowable 的写法已改为 Camunda 的写法")
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        task = "window.jiesuModeler.get('elementRegistry').get('siteCheck').businessObject"
        assert js(page, f"{task}.candidateGroups") == "inspector" and js(page, f"{task}.dueDate") == "P3D"
        fields = js(page, f"{task}.extensionElements.values.find(v => v.$type === 'camunda:FormData')"
                          ".fields.map(f => f.id)")
        assert "venueName" in fields and "fineAmount" in fields, fields
        expect(page.locator("#problems")).to_contain_text("[文件转换]")
        expect(page.locator("#problems")).to_contain_text("double")
        page.locator("#canvas g[data-element-id='siteCheck']").first.click()
        expect(page.locator(".bio-properties-panel")).to_contain_text("表单字段6venueName")  # the form's six fields
        assert page.problems == [], page.problems


def test_a_flowable_file_with_its_layout_is_not_all_unconnected_for_the_modelers_check(live_server):  # noqa: F811
    """Activiti and Flowable write no <incoming>/<outgoing> in elements: bpmnlint called every element of
    Activiti's reviewSalesLead "not connected" (54 problems), though the file's flows connect them all."""
    _require_chromium()
    from playwright.sync_api import expect

    with modeler_with_file(live_server, "activiti_review_sales_lead.bpmn20.xml") as page:
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        page.wait_for_function("() => document.querySelectorAll('#problems .problem-row').length > 0"
                               " || document.querySelector('#problems .text-success')")
        problems = page.locator("#problems").inner_text()
        assert "没有连接" not in problems and "隐式" not in problems, problems
        # each node holds the flows the file connects it by (as Camunda Modeler writes them on saving)
        assert js(page, "window.jiesuModeler.get('elementRegistry').get('provideNewSalesLead')"
                        ".businessObject.incoming.length") >= 1
        assert page.problems == [], page.problems


def test_a_flowable_file_without_layout_is_drawn_and_keeps_its_forms(live_server):  # noqa: F811
    """Flowable's VacationRequest has no BPMN DI: 打开文件 refused it (没有图形布局); it is laid out now, in the
    Camunda terms the panel shows, its flows followed left to right."""
    _require_chromium()
    from playwright.sync_api import expect

    with modeler_with_file(live_server, "flowable_vacation_request.bpmn20.xml") as page:
        expect(page.locator("#save-status")).to_contain_text("已按流程顺序自动排版")
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        registry = "window.jiesuModeler.get('elementRegistry')"
        xs = [js(page, f"{registry}.get('{i}').x") for i in ("request", "handleRequest", "requestApprovedDecision")]
        assert xs == sorted(xs) and len(set(xs)) == 3, xs
        fields = js(page, f"{registry}.get('handleRequest').businessObject.extensionElements.values"
                          ".find(v => v.$type === 'camunda:FormData').fields.map(f => f.id)")
        assert fields == ["vacationApproved", "managerMotivation"], fields
        assert page.problems == [], page.problems
        page.screenshot(path="/tmp/vacation_laid_out.png")


def test_an_inclusive_gateway_is_not_called_unsupported_by_the_modelers_check(live_server):  # noqa: F811
    """The engine runs inclusive gateways (tests/bpmn/long_shapes/inclusive.bpmn); the in-page check called
    each one "不支持包容网关" as an error, beside a server check that passed the same file."""
    _require_chromium()
    from playwright.sync_api import expect

    with chromium_page(live_server) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live_server)
        page.goto(f"{live_server.url}/modeler/edit?process=ticket_lifecycle")
        page.wait_for_selector("body[data-modeler-ready='1']")
        page.locator("#open-file").set_input_files(str(BPMN / "long_shapes" / "inclusive.bpmn"))
        expect(page.locator("#save-status")).to_contain_text("草稿已保存", timeout=10_000)
        page.wait_for_function("() => document.querySelectorAll('#problems .problem-row').length > 0"
                               " || document.querySelector('#problems .text-success')")
        assert "包容网关" not in page.locator("#problems").inner_text()
        assert js(page, "window.jiesuModeler.get('elementRegistry').filter(e => e.type === 'bpmn:InclusiveGateway')"
                        ".length") >= 1
        assert page.problems == [], page.problems

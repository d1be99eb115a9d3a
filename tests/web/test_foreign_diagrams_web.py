"""A process owner's own diagram through the workbench's HTTP routes: what the modeler's calls answer."""

import json
import re


def test_a_diagram_over_the_limit_is_refused_in_json_the_modeler_shows(app, browser):
    """The modeler's fetch got the HTML error page and showed '草稿保存失败：HTTP 413'."""
    b = browser("liucheng")
    token = b.csrf("/modeler/edit?process=ticket_lifecycle")
    big = "<bpmn:definitions>" + "填" * (2 * 1024 * 1024) + "</bpmn:definitions>"  # 6 MB in UTF-8
    for method, url in (("PUT", "/modeler/api/draft"), ("POST", "/modeler/api/lint"), ("POST", "/modeler/api/deploy")):
        response = b.client.open(url, method=method, data=json.dumps({"process_key": "x", "xml": big}),
                                 content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 413, url
        assert response.get_json()["message"].startswith("提交的内容过大：此页面一次最多接收 "), url


def test_a_dmn_file_or_other_xml_is_no_draft_and_is_told_as_the_upload_tells_it(app, browser):
    """drafts.save took any text holding "definitions": a DMN file or other XML was kept as a draft through the API
    (and opened in the modeler as a diagram it could not show)."""
    from pathlib import Path

    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import ProcessDraft
    from app.services import deployment

    dmn = (Path(__file__).resolve().parents[1] / "bpmn" / "foreign" / "decision.dmn").read_text(encoding="utf-8")
    other = '<?xml version="1.0" encoding="UTF-8"?><project><definitions>两个</definitions></project>'
    bare = '<definitions id="d"><process id="p"/></definitions>'  # BPMN's names without its namespace
    b = browser("liucheng")
    token = b.csrf("/modeler/edit?process=ticket_lifecycle")
    for xml, starts in ((dmn, "这是 DMN 决策表文件，不是 BPMN 流程图"), (other, "不是 BPMN 流程图：根元素是 project"),
                        (bare, "根元素 definitions 没有声明 BPMN 2.0 的命名空间")):
        response = b.client.put("/modeler/api/draft", data=json.dumps({"process_key": "ticket_lifecycle", "xml": xml}),
                                content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 400 and response.is_json, starts
        message = response.get_json()["message"]
        assert message == f"{deployment.lint(xml).errors[0].message}；草稿未保存。" and message.startswith(starts)
    assert db.session.scalar(select(func.count(ProcessDraft.id))) == 0


def test_a_lone_surrogate_in_the_modelers_calls_is_refused_in_json(app, browser):
    """"\\ud800" is valid JSON but no text: encoding the diagram raised, and the modeler got the HTML 500 page."""
    b = browser("liucheng")
    token = b.csrf("/modeler/edit?process=ticket_lifecycle")
    body = '{"process_key": "x", "xml": "<bpmn:definitions>\\ud800</bpmn:definitions>", "comment": "c"}'
    for method, url in (("PUT", "/modeler/api/draft"), ("POST", "/modeler/api/lint"), ("POST", "/modeler/api/dry-run"),
                        ("POST", "/modeler/api/deploy")):
        response = b.client.open(url, method=method, data=body, content_type="application/json",
                                 headers={"X-CSRFToken": token})
        assert response.is_json and "孤立的代理项" in response.get_json()["message"], url


def _venue_check(business_key: str):
    """tests/bpmn/foreign/flowable_venue_check.bpmn deployed and started: the instance and its first work item."""
    from pathlib import Path

    from sqlalchemy import select

    from app.engine import instances
    from app.extensions import db
    from app.models import WorkItem
    from app.services.process import apply_snapshot

    xml = (Path(__file__).resolve().parents[1] / "bpmn" / "foreign" / "flowable_venue_check.bpmn").read_bytes()
    instances.deploy(xml)
    instance, snap = instances.start("venueComplaintCheck", {}, business_key=business_key)
    apply_snapshot(instance, None, snap)
    db.session.commit()
    return instance, db.session.scalar(select(WorkItem).where(WorkItem.instance_id == instance.id))


def test_a_flowable_tasks_form_properties_are_its_form_on_the_task_page(app, browser):
    """flowable:formProperty was not read: the task page of a Flowable diagram showed no fields to fill."""
    import html

    from sqlalchemy import select

    from app.engine import instances
    from app.extensions import db
    from app.models import WorkItem

    instance, item = _venue_check("venue:web-test")
    assert (item.spec_name, item.due_at is not None) == ("siteCheck", True)
    jiancha = browser("jiancha")
    page = html.unescape(jiancha.get(f"/tasks/{item.id}").get_data(as_text=True))
    for label in ("场所名称", "核查结论", "部分属实", "核查时间", "在场人数", "是否责令整改", "罚款金额（元）"):
        assert label in page, label
    refused = html.unescape(jiancha.post(f"/tasks/{item.id}", {"venueName": "星光剧场", "peopleCount": "12"})
                            .get_data(as_text=True))
    assert "请选择核查结论" in refused and "请填写核查时间" in refused and 'value="星光剧场"' in refused  # kept as typed
    response = jiancha.post(f"/tasks/{item.id}", {"venueName": "星光剧场", "checkResult": "partly",
                                                  "checkedAt": "2026-11-25T15:30", "peopleCount": "12",
                                                  "needRectify": "y", "fineAmount": "500.5"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    decide = db.session.scalar(select(WorkItem).where(WorkItem.instance_id == instance.id, WorkItem.state == "ready"))
    assert decide.spec_name == "decide"  # ${checkResult == 'confirmed' || checkResult == 'partly'}
    data = instances.task_data(instance, decide.task_guid)
    assert (data["venueName"], data["checkResult"], data["peopleCount"], data["needRectify"], data["fineAmount"]) == (
        "星光剧场", "partly", 12, True, "500.5")
    page = browser("zhuguan").get(f"/tasks/{decide.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="venueName"[^>]*readonly[^>]*value="星光剧场"', page), "shown, read only"


def test_a_flowable_file_comes_back_in_camunda_terms_for_the_modelers_panel(app, browser):
    """The properties panel shows only camunda: attributes: a Flowable file opened in the modeler showed no
    candidate groups, no due date and no form, although the deploy check read them."""
    from pathlib import Path

    from lxml import etree

    foreign = Path(__file__).resolve().parents[1] / "bpmn" / "foreign"
    flowable = (foreign / "flowable_venue_check.bpmn").read_text(encoding="utf-8")
    b = browser("liucheng")
    token = b.csrf("/modeler/edit?process=ticket_lifecycle")

    def ask(xml, who=b, csrf=token):
        return who.client.post("/modeler/api/camunda-terms", data=json.dumps({"xml": xml}),
                               content_type="application/json", headers={"X-CSRFToken": csrf})

    answer = ask(flowable).get_json()
    assert answer["renamed"] >= 20 and "flowable:" not in answer["xml"] and "xmlns:flowable" not in answer["xml"]
    root = etree.fromstring(answer["xml"].encode())
    camunda = "{http://camunda.org/schema/1.0/bpmn}"
    task = root.find(".//{*}userTask[@id='siteCheck']")
    assert task.get(camunda + "candidateGroups") == "inspector" and task.get(camunda + "dueDate") == "P3D"
    fields = [f.get("id") for f in task.iter(camunda + "formField")]
    assert fields[:2] == ["venueName", "checkResult"] and "fineAmount" in fields
    assert len(root.findall(".//{*}BPMNShape")) == len(etree.fromstring(flowable.encode()).findall(".//{*}BPMNShape"))
    assert "${" in "".join(root.find(".//{*}conditionExpression").itertext()), "expressions as written, not Python"
    (warning,) = answer["problems"]
    assert warning["severity"] == "warning" and "double" in warning["message"] and warning["element_id"] == "siteCheck"

    camunda_file = (Path(__file__).resolve().parents[2] / "processes" / "ticket.bpmn").read_text(encoding="utf-8")
    assert ask(camunda_file).get_json() == {"xml": camunda_file, "renamed": 0, "problems": []}, "nothing to rename"
    refused = ask((foreign / "decision.dmn").read_text(encoding="utf-8"))
    assert refused.status_code == 400 and refused.get_json()["message"].startswith("这是 DMN 决策表文件")
    clerk = browser("paidan")
    assert ask(flowable, clerk, clerk.csrf("/")).status_code == 403


def test_a_field_that_is_not_writable_keeps_its_variable_whatever_a_changed_page_sends(app, browser):
    """writable="false" (Flowable, Activiti) and camunda's readonly constraint: the field is shown read-only, and the
    value a changed page sends for it was written over the variable (both engines refuse it)."""
    from sqlalchemy import select

    from app.engine import instances
    from app.extensions import db
    from app.models import WorkItem

    instance, item = _venue_check("venue:readonly")
    assert browser("jiancha").post(f"/tasks/{item.id}", {"venueName": "星光剧场", "checkResult": "confirmed",
                                                         "checkedAt": "2026-11-25T15:30"}).status_code == 302
    decide = db.session.scalar(select(WorkItem).where(WorkItem.instance_id == instance.id, WorkItem.state == "ready"))
    response = browser("zhuguan").post(f"/tasks/{decide.id}", {"opinion": "责令整改", "venueName": "别的剧场"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert instances.task_data(instance, decide.task_guid)["venueName"] == "星光剧场"


def test_the_flowable_vacation_request_goes_back_to_its_starter_with_what_was_entered(app, browser):
    """Flowable's own VacationRequest example (tests/bpmn/foreign, Apache License 2.0): its adjust task, assigned to
    ${employeeName} (activiti:initiator), was nobody's, and its form properties showed empty where Flowable shows the
    values entered at the start; the manager's task is given by BPMN's potentialOwner."""
    import html
    from pathlib import Path

    from sqlalchemy import select

    from app.extensions import db
    from app.models import WorkItem
    from app.services import deployment

    xml = (Path(__file__).resolve().parents[1] / "bpmn" / "foreign" / "flowable_vacation_request.bpmn20.xml").read_bytes()
    deployment.deploy(xml)
    db.session.commit()
    wenhua = browser("wenhua")
    response = wenhua.post("/start/vacationRequest", {"numberOfDays": "3", "startDate": "2026-12-10T09:00",
                                                      "vacationMotivation": "回老家"}, form_url="/start/vacationRequest")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    handle = db.session.scalar(select(WorkItem).where(WorkItem.spec_name == "handleRequest"))
    assert handle.candidate_groups == ",supervisor,"  # <potentialOwner>management</potentialOwner>, here supervisor
    zhuguan = browser("zhuguan")
    # its description is Flowable's, with the values filled in as Flowable shows them
    page = html.unescape(zhuguan.get(f"/tasks/{handle.id}").get_data(as_text=True))
    assert "wenhua would like to take 3 day(s) of vacation (Motivation: 回老家)." in page
    assert "${" not in page
    response = zhuguan.post(f"/tasks/{handle.id}", {"vacationApproved": "false", "managerMotivation": "年底人手紧"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    adjust = db.session.scalar(select(WorkItem).where(WorkItem.spec_name == "adjustVacationRequestTask"))
    assert adjust.assignee.username == "wenhua"
    page = html.unescape(wenhua.get(f"/tasks/{adjust.id}").get_data(as_text=True))
    assert re.search(r"disapproved your vacation request for 3 days\.\s+Reason: 年底人手紧", page)
    for name, value in (("numberOfDays", "3"), ("startDate", "2026-12-10T09:00"), ("vacationMotivation", "回老家")):
        assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"', page) or re.search(
            rf'<input[^>]*value="{value}"[^>]*name="{name}"', page), name


def test_a_task_of_an_owners_process_shows_what_earlier_steps_recorded(app, browser):
    """The approver of an owner's own process saw only the approval form, not what was asked for."""
    import html
    from pathlib import Path

    from sqlalchemy import select

    from app.extensions import db
    from app.models import WorkItem
    from app.services import deployment

    deployment.deploy((Path(__file__).resolve().parents[1] / "bpmn" / "safety" / "purchase_request.bpmn").read_bytes())
    db.session.commit()
    wenhua = browser("wenhua")
    response = wenhua.post("/start/purchase_request", {"subject": "打印机一台（电话13811112222）", "amount": "3200",
                                                       "category": "device", "urgent": "y", "contact": "王小明",
                                                       "delivery_address": "东华路18号"}, form_url="/start/purchase_request")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    approve = db.session.scalar(select(WorkItem).where(WorkItem.spec_name == "approve"))
    page = html.unescape(browser("zhuguan").get(f"/tasks/{approve.id}").get_data(as_text=True))
    data = re.search(r'<dl[^>]*id="process-data".*?</dl>', page, re.S).group(0)
    for label, value in (("采购事项", "打印机一台（电话13811112222）"), ("金额（元）", "3200"), ("类别", "设备"),
                         ("加急", "是"), ("联系人", "王小明"), ("送货地址", "东华路18号")):
        assert re.search(rf"<dt[^>]*>{re.escape(label)}</dt><dd[^>]*>{re.escape(value)}</dd>", data), (label, data)
    assert "审批意见" not in data  # the task's own field is its form, not its data
    from app.services import inbox, masking, process_data

    masked = dict(process_data.shown(approve, inbox.task_variables(approve), masking.MASKED))  # a reader masked
    assert masked["采购事项"] == "打印机一台（电话138****2222）" and masked["联系人"] == "王**"
    assert masked["送货地址"] == masking.HIDDEN_ADDRESS and masked["金额（元）"] == "3200"
    response = browser("zhuguan").post(f"/tasks/{approve.id}", {"opinion": "同意，从办公经费列支"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    receive = db.session.scalar(select(WorkItem).where(WorkItem.spec_name == "receive"))
    page = html.unescape(wenhua.get(f"/tasks/{receive.id}").get_data(as_text=True))
    assert "同意，从办公经费列支" in re.search(r'<dl[^>]*id="process-data".*?</dl>', page, re.S).group(0)
    ticket_task = db.session.scalar(select(WorkItem).where(WorkItem.ticket_id.is_not(None)))
    if ticket_task is not None:  # the product's own processes keep their panels
        assert 'id="process-data"' not in browser("paidan").get(f"/tasks/{ticket_task.id}").get_data(as_text=True)

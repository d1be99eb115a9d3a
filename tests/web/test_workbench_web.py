"""The workbench's pages and JSON endpoints through the test client: drafts, the deploy check,
dry run, deploy, versions, roll back, the rules page, and starting a startable process with its form."""

import json
from pathlib import Path

from sqlalchemy import func, select

from app.engine import instances
from app.extensions import db
from app.models import ProcessDraft, ProcessInstance, ProcessVersion, TicketEvent, WorkItem
from app.services.uow import unit_of_work
from tests.helpers import new_ticket, user

TICKET_BPMN = (Path(__file__).resolve().parents[2] / "processes" / "ticket.bpmn").read_text(encoding="utf-8")
APPEAL_BPMN = (Path(__file__).resolve().parents[1] / "bpmn" / "startable_appeal.bpmn").read_bytes()


def send(b, method, url, body, page="/modeler/edit?process=ticket_lifecycle"):
    token = b.csrf(page)
    from tests.conftest import _forget_request_globals

    _forget_request_globals()
    return b.client.open(url, method=method, data=json.dumps(body), content_type="application/json",
                         headers={"X-CSRFToken": token})


def test_only_process_owners_open_the_modeler(app, browser):
    assert browser("wenhua").get("/modeler/edit?process=ticket_lifecycle").status_code == 403
    assert browser("zhuguan").get("/modeler/").status_code == 403
    page = browser("liucheng").get("/modeler/edit?process=ticket_lifecycle").get_data(as_text=True)
    assert 'id="modeler-config"' in page and "vendor/bpmn/modeler.js" in page


def test_draft_is_kept_per_user_and_reopened(app, browser):
    b = browser("liucheng")
    opened = b.get("/modeler/api/draft?process_key=ticket_lifecycle").get_json()
    assert opened["source"] == "version" and "第 1 版" in opened["note"]
    edited = opened["xml"].replace('name="办理"', 'name="办理（含现场）"')
    assert send(b, "PUT", "/modeler/api/draft", {"process_key": "ticket_lifecycle", "xml": edited}).status_code == 200
    again = b.get("/modeler/api/draft?process_key=ticket_lifecycle").get_json()
    assert again["source"] == "draft" and "办理（含现场）" in again["xml"]
    refused = send(b, "PUT", "/modeler/api/draft", {"process_key": "ticket_lifecycle", "xml": "hello"})
    assert refused.status_code == 400 and refused.get_json()["message"].endswith("不是 XML 文件：找不到任何标签；草稿未保存。")
    assert db.session.scalar(select(ProcessDraft)).user.username == "liucheng"
    blank = b.get("/modeler/api/draft?process_key=").get_json()
    assert blank["source"] == "blank" and "bpmn:startEvent" in blank["xml"]


def test_lint_names_the_element_and_deploy_refuses_then_deploys(app, browser):
    b = browser("liucheng")
    bad = TICKET_BPMN.replace("add_workdays(received_at, rule('reply_workdays'))", "add_workdays(received_at, rule('reply_dayz'))")
    problems = send(b, "POST", "/modeler/api/lint", {"xml": bad}).get_json()["problems"]
    assert {"element_id": "compute_deadlines", "element_name": "计算时限", "severity": "error",
            "message": "没有名为“reply_dayz”的时限规则（见“时限规则”页面）。"} in problems
    refused = send(b, "POST", "/modeler/api/deploy", {"xml": bad, "comment": "试试"}).get_json()
    assert refused["ok"] is False and refused["problems"]
    with_warning = bad.replace('<bpmn:startEvent id="start" name="工单接收">',
                               '<bpmn:startEvent id="start" name="工单接收" camunda:initiator="starter">')
    listed = send(b, "POST", "/modeler/api/lint", {"xml": with_warning}).get_json()["problems"]
    refused = send(b, "POST", "/modeler/api/deploy", {"xml": with_warning, "comment": "试试"}).get_json()
    assert {p["severity"] for p in refused["problems"]} == {"error", "warning"}, "the warnings are not dropped"
    assert refused["problems"] == listed
    errors = sum(p["severity"] == "error" for p in listed)
    assert refused["message"] == f"流程图未部署：请先修正 {errors} 个问题。"
    same = send(b, "POST", "/modeler/api/deploy", {"xml": TICKET_BPMN, "comment": "原样"}).get_json()
    assert same == {"ok": False, "message": "与当前版本相同，未部署。", "problems": []}
    good = TICKET_BPMN.replace('name="回访"', 'name="回访（电话）"', 1)
    done = send(b, "POST", "/modeler/api/deploy", {"xml": good, "comment": "改名"}).get_json()
    assert done["ok"] and done["version"] == 2
    versions = b.get("/processes/ticket_lifecycle").get_data(as_text=True)
    assert "改名" in versions and 'data-version="2"' in versions


def test_a_version_without_the_reply_report_step_is_refused_and_nothing_is_stored(app, browser):
    """A process owner who renames 回复上报 would stop replies reaching the platform: refused, said why."""
    b = browser("liucheng")
    renamed = TICKET_BPMN.replace('"record_reply"', '"report_reply_step"')
    refused = send(b, "POST", "/modeler/api/deploy", {"xml": renamed, "comment": "改 id"}).get_json()
    assert refused["ok"] is False
    assert {"element_id": "record_reply", "element_name": "回复上报", "severity": "error",
            "message": "系统依赖的脚本任务 record_reply（回复上报）不在流程图中（被删除或改了 id）："
                       "审核通过的答复不再记入工单、不再上报平台。请恢复它（保留原 id）"} in refused["problems"]
    assert db.session.scalar(select(func.count()).select_from(ProcessVersion)
                             .where(ProcessVersion.process_key == "ticket_lifecycle")) == 1


def test_dry_run_reports_path_and_timers(app, browser):
    b = browser("liucheng")
    report = send(b, "POST", "/modeler/api/dry-run", {
        "xml": TICKET_BPMN, "sample_data": {"received_at": "2026-11-25T10:00:00+08:00", "urgency": "一般",
                                            "platform_deadline": None, "section": "culture_market",
                                            "respond_by": "wenhua", "ticket_id": 0, "ticket_no": "S"}}).get_json()
    assert report["path"][:2] == ["start", "compute_deadlines"]
    # every reminder fires before the user task it hangs on completes: 催办 meets the ticket at 签收
    urge = next(t for t in report["timers"] if t["element_id"] == "sign_urge_timer")
    assert (urge["element_name"], urge["due"], urge["due_text"]) == (
        "催办时点（待签收）", "2026-12-01T10:00:00+08:00", "2026-12-01 10:00")
    assert report["problems"] == []
    bad = send(b, "POST", "/modeler/api/dry-run", {"xml": TICKET_BPMN, "sample_data": [1, 2]})
    assert bad.status_code == 400 and "JSON 对象" in bad.get_json()["message"]
    deep: dict = {}
    for _level in range(600):  # parses, but copying it into the process would recurse past the stack
        deep = {"a": deep}
    answer = send(b, "POST", "/modeler/api/dry-run", {"xml": TICKET_BPMN, "sample_data": {"x": deep}})
    assert answer.status_code == 200 and "嵌套超过 20 层" in answer.get_json()["problems"][0]["message"]


def test_rollback_redeploys_an_old_version_as_newest(app, browser):
    with unit_of_work():
        instances.deploy(TICKET_BPMN.replace('name="回访"', 'name="回访（电话）"', 1), user("liucheng"), "v2")
    v1 = db.session.scalar(select(ProcessVersion).where(ProcessVersion.version == 1,
                                                        ProcessVersion.process_key == "ticket_lifecycle"))
    b = browser("liucheng")
    b.post(f"/processes/versions/{v1.id}/rollback", {"comment": "v2 有误"}, form_url="/processes/ticket_lifecycle")
    current = instances.current_version("ticket_lifecycle")
    assert current.version == 3 and current.checksum == v1.checksum and current.comment == "回滚到第 1 版：v2 有误"


def test_rules_page_saves_a_version_and_keeps_typed_input(app, browser):
    b = browser("zhuguan")
    values = {"first_contact_hours": "24", "first_contact_urgent_hours": "2", "reply_workdays": "7",
              "urge_workdays": "2", "callback_workdays": "1", "callback_retry_workdays": "1",
              "callback_attempts": "3", "work_start": "09:00", "work_end": "17:30", "comment": "催办改为两天"}
    page = b.post("/rules/", dict(values, reply_workdays="七天"))
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "办理时限必须是数字" in text and 'value="七天"' in text
    b.post("/rules/", values, form_url="/rules/")
    text = b.get("/rules/").get_data(as_text=True)
    assert "第 1 版" in text and "催办提前量：3 → <b>2</b>" in text
    assert browser("wenhua").get("/rules/").status_code == 403


def test_a_startable_process_starts_from_a_ticket_with_its_start_form(app, browser):
    with unit_of_work():
        instances.deploy(APPEAL_BPMN, user("liucheng"), "考核申诉")
    ticket = new_ticket()
    db.session.commit()
    b = browser("zhuguan")
    assert "考核申诉" in b.get("/start/").get_data(as_text=True)
    page = b.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "就此工单发起流程" in page and "/start/assessment_appeal?ticket=" in page
    form = b.get(f"/start/assessment_appeal?ticket={ticket.id}").get_data(as_text=True)
    assert "申诉理由" in form and "超期认定" in form
    url = f"/start/assessment_appeal?ticket={ticket.id}"
    assert b.post(url, {"appeal_kind": "超期", "ticket": ticket.id}).status_code == 400, "申诉理由 is required"
    b.post(url, {"appeal_reason": "来电人撤回不满意评价", "appeal_kind": "超期", "ticket": ticket.id})
    instance = db.session.scalar(select(ProcessInstance).join(ProcessVersion)
                                 .where(ProcessVersion.process_key == "assessment_appeal"))
    assert instance.ticket_id == ticket.id
    item = db.session.scalar(select(WorkItem).where(WorkItem.instance_id == instance.id))
    assert item.spec_name == "appeal_review"
    assert instances.task_data(instance, item.task_guid)["appeal_reason"] == "来电人撤回不满意评价"
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                        TicketEvent.kind == "process"))
    assert event.title == "发起流程：考核申诉" and ["申诉理由", "来电人撤回不满意评价"] in event.data
    # candidateStarterGroups: a dispatcher may not start it
    assert browser("paidan").get("/start/assessment_appeal").status_code == 404


def test_saving_rules_can_recompute_open_tickets_at_once(app, browser):
    from tests.conftest import shanghai
    from tests.helpers import run_to

    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    db.session.commit()
    values = {"first_contact_hours": "24", "first_contact_urgent_hours": "2", "reply_workdays": "7",
              "urge_workdays": "2", "callback_workdays": "1", "callback_retry_workdays": "1",
              "callback_attempts": "3", "work_start": "09:00", "work_end": "17:30", "comment": "", "recompute": "1"}
    browser("zhuguan").post("/rules/", values)
    db.session.refresh(ticket)
    assert ticket.urge_at == shanghai(2026, 12, 2, 10), "催办 2 working days before Fri 4 Dec"


def test_the_new_versions_page_points_to_the_instances_left_on_the_old_one(app, browser):
    new_ticket("T-OLD-1")
    new_ticket("T-OLD-2")
    with unit_of_work():
        instances.deploy(TICKET_BPMN.replace('name="回访"', 'name="回访（电话）"', 1), user("liucheng"), "v2")
    page = browser("liucheng").get("/processes/ticket_lifecycle").get_data(as_text=True)
    assert "这一版上没有停在用户任务的实例。" in page
    assert 'data-migrate-from="1"' in page and "第 1 版上有 2 个运行中的实例" in page
    assert "打开第 1 版，把它们迁移过来" in page


SAFETY = Path(__file__).resolve().parents[1] / "bpmn" / "safety"


def test_the_modelers_deploy_says_each_refusal_in_chinese_and_deploys_a_multi_instance_script(app, browser):
    """部署 from the modeler: a diagram the check refuses answers its reasons (no 500, no English);
    a multi-instance script task, which was a 500, deploys."""
    b = browser("liucheng")
    for name, element, words in (("call_itself", "again", "调用活动会无限递归"),
                                 ("duplicate_ids", "handle", "id handle 被 2 个元素使用"),
                                 ("timer_negative_and_zero", "minus", "定时器时长 -PT1H 是负数"),
                                 ("parser_mistakes", "callback", "bpmn:userTsk 不是 BPMN 2.0 的元素")):
        xml = (SAFETY / f"{name}.bpmn").read_text(encoding="utf-8")
        response = send(b, "POST", "/modeler/api/deploy", {"xml": xml, "comment": "试试"})
        assert response.status_code == 200, (name, response.status_code)
        body = response.get_json()
        assert body["ok"] is False and body["message"].startswith("流程图未部署"), body
        assert any(p["element_id"] == element and words in p["message"] for p in body["problems"]), body["problems"]
    xml = (SAFETY / "multi_instance_tasks.bpmn").read_text(encoding="utf-8")
    done = send(b, "POST", "/modeler/api/deploy", {"xml": xml, "comment": "多实例"})
    assert done.status_code == 200 and done.get_json()["ok"] is True, done.get_data(as_text=True)[:500]
    assert db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "multi_instance_tasks"))
    dry = send(b, "POST", "/modeler/api/dry-run", {"xml": (SAFETY / "timer_far_computed.bpmn").read_text(encoding="utf-8")})
    assert dry.status_code == 200 and any("在 100 年以后" in p["message"] for p in dry.get_json()["problems"])


def test_a_process_id_that_is_not_an_xml_name_is_refused_and_a_chinese_one_downloads(app, browser):
    """The process id names the process in addresses and in the file name of its download: a line break,
    quote or space in it (XML lets them in through &#10; and &quot;) is refused by the deploy check, and
    a Chinese id is sent in the download header encoded (RFC 6266), not raw."""
    b = browser("liucheng")

    def with_id(key):
        return APPEAL_BPMN.decode().replace('"assessment_appeal"', f'"{key}"')

    for bad in ("bad&#13;&#10;Set-Cookie: x=1", "a&quot;;b.html", "a b"):
        refused = send(b, "POST", "/modeler/api/deploy", {"xml": with_id(bad), "comment": "试试"}).get_json()
        assert refused["ok"] is False, bad
        assert any("流程 id" in p["message"] and "不可用" in p["message"] for p in refused["problems"]), refused
    assert db.session.scalar(select(func.count(ProcessVersion.id)).where(
        ProcessVersion.process_key.not_in(("ticket_lifecycle",)), ProcessVersion.process_key.contains(" "))) == 0
    done = send(b, "POST", "/modeler/api/deploy", {"xml": with_id("考核申诉_v2"), "comment": "中文 id"}).get_json()
    assert done["ok"], done
    version = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "考核申诉_v2"))
    for url in (f"/processes/versions/{version.id}.bpmn", f"/admin/processes/{version.id}.bpmn"):
        header = b.get(url).headers["Content-Disposition"]
        header.encode("latin-1")  # what a WSGI server can send
        assert header.startswith("attachment") and "filename*=UTF-8''%E8%80%83" in header, header


def test_the_migration_page_shows_ticket_titles_masked_to_a_process_owner(app, browser):
    """A process owner (not an admin) sees callers masked: so do the tickets listed for a migration."""
    from app.models import User

    ticket = new_ticket("T-MIG-1", title="来电人13811112222反映网吧噪音")
    owner = User(username="only_owner", name="流程员", roles="process_owner")
    owner.set_password("Bamboo-47-tea-x")
    db.session.add(owner)
    with unit_of_work():
        instances.deploy(TICKET_BPMN.replace('name="回访"', 'name="回访（电话）"', 1), user("liucheng"), "v2")
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.ticket_id == ticket.id))
    target = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "ticket_lifecycle",
                                                            ProcessVersion.version == 2))
    page = browser().login("only_owner", "Bamboo-47-tea-x").get(
        f"/processes/migrate?instance={instance.id}&to={target.id}").get_data(as_text=True)
    assert "T-MIG-1" in page and "来电人138****2222反映网吧噪音" in page and "13811112222" not in page


def test_an_ended_instance_is_said_to_be_ended_on_the_migration_page(app, browser):
    """A link to migrate one instance that has ended gave an empty list and no reason."""
    new_ticket("T-MIG-2")
    with unit_of_work():
        instances.deploy(TICKET_BPMN.replace('name="回访"', 'name="回访（电话）"', 1), user("liucheng"), "v2")
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.status == "running"))
    instance.status = "completed"
    db.session.commit()
    target = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "ticket_lifecycle",
                                                            ProcessVersion.version == 2))
    page = browser("liucheng").get(f"/processes/migrate?instance={instance.id}&to={target.id}").get_data(as_text=True)
    assert f"实例 {instance.id} 已结束，不能迁移" in page and "迁移选中的实例" not in page


def test_a_deeply_nested_json_body_is_refused_with_a_message(app, browser):
    """JSON nested deeper than the parser can follow ([[[[…) is not an object: the modeler's endpoints and the
    processes page's 试运行 sample say so (not the 500 page)."""
    import io

    b = browser("liucheng")
    token = b.csrf("/modeler/edit?process=ticket_lifecycle")
    for method, url in (("PUT", "/modeler/api/draft"), ("POST", "/modeler/api/lint"), ("POST", "/modeler/api/dry-run"),
                        ("POST", "/modeler/api/deploy")):
        response = b.client.open(url, method=method, data="[" * 100_000, content_type="application/json",
                                 headers={"X-CSRFToken": token})
        assert response.get_json()["message"] == "请求内容应为 JSON 对象。", url
        assert response.status_code == (200 if url.endswith("deploy") else 400), url  # (deploy: {"ok": false})
    page = b.post("/admin/processes", {"action": "dry_run", "sample": "[" * 100_000,
                                       "bpmn": (io.BytesIO(TICKET_BPMN.encode()), "ticket.bpmn")})
    assert page.status_code == 200 and "示例数据不是有效的 JSON 对象" in page.get_data(as_text=True)


def test_a_deploy_comment_past_its_column_is_refused_by_name_and_nothing_deployed(app, browser):
    """部署说明: 300 characters at most (it was cut at 300 in the modeler, and not checked on the upload page);
    past it refused naming it, nothing deployed, the comment as typed on the upload page."""
    import io

    b = browser("liucheng")
    good = TICKET_BPMN.replace('name="回访"', 'name="回访（电话）"', 1)
    typed = "把回访改名为回访（电话），便于区分上门回访。" * 14  # 308 characters
    refused = send(b, "POST", "/modeler/api/deploy", {"xml": good, "comment": typed}).get_json()
    assert refused == {"ok": False, "message": "部署说明不能超过 300 个字（现 308 个字）。", "problems": []}
    page = b.post("/admin/processes", {"action": "deploy", "comment": typed,
                                       "bpmn": (io.BytesIO(good.encode()), "ticket.bpmn")})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "部署说明不能超过 300 个字（现 308 个字）" in html
    assert f'value="{typed}"' in html
    assert db.session.scalar(select(func.count(ProcessVersion.id)).where(
        ProcessVersion.process_key == "ticket_lifecycle")) == 1
    done = send(b, "POST", "/modeler/api/deploy", {"xml": good, "comment": typed[:300]}).get_json()
    assert done["ok"] and db.session.scalar(select(ProcessVersion.comment).where(
        ProcessVersion.version == done["version"], ProcessVersion.process_key == "ticket_lifecycle")) == typed[:300]


def test_after_a_deploy_the_owner_is_told_who_runs_on_the_new_version(app, browser):
    """Every deploy said 新工单将使用此版本, also of a process that makes no tickets."""
    b = browser("liucheng")
    ticket = send(b, "POST", "/modeler/api/deploy", {"xml": TICKET_BPMN.replace('name="回访"', 'name="电话回访"', 1),
                                                     "comment": "回访改名"}).get_json()
    assert ticket["ok"] and ticket["message"].endswith("第 2 版，新工单将使用此版本。"), ticket
    other = APPEAL_BPMN.decode().replace('"assessment_appeal"', '"appeal_copy"')
    appeal = send(b, "POST", "/modeler/api/deploy", {"xml": other, "comment": "副本"}).get_json()
    assert appeal["ok"] and "此后发起的实例使用此版本，运行中的实例仍按原版本" in appeal["message"], appeal
    assert "新工单" not in appeal["message"]

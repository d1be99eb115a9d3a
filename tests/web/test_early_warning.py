"""预警: sensitive wording, N tickets in H hours and 特急 raise an alert at intake; unacknowledged, it escalates."""

from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.engine import instances
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import Alert, ProcessInstance, TicketEvent, WorkItem
from app.models.early_warning import EarlyWarning
from app.services import Conflict, PermissionDenied, early_warning, inbox, rules_settings
from app.services.process import apply_snapshot
from app.services.timers import sweep
from tests.helpers import DISPATCH, SIGN, complete, new_ticket, user

DIAGRAM = Path(__file__).resolve().parents[2] / "processes" / "early_warning.bpmn"
GATHERING = dict(title="旅行社退费纠纷", content="二十多名游客在旅行社门口聚集，拉横幅要求退还团费，称要找媒体曝光。",
                 enterprise="悦途国际旅行社有限公司", address="", caller_phone="13700000001")


def warnings_of(ticket):
    return list(db.session.scalars(select(EarlyWarning).where(EarlyWarning.ticket_id == ticket.id)))


def items_of(warning, spec_name=None, state=None):
    query = select(WorkItem).where(WorkItem.business_key == warning.business_key)
    if spec_name:
        query = query.where(WorkItem.spec_name == spec_name)
    if state:
        query = query.where(WorkItem.state == state)
    return list(db.session.scalars(query.order_by(WorkItem.id)))


def alerts_of(warning, kind=None):
    query = select(Alert).where(Alert.business_key == warning.business_key)
    if kind:
        query = query.where(Alert.kind == kind)
    return list(db.session.scalars(query.order_by(Alert.id)))


def quiet(no, **fields):
    """A ticket that trips no rule: its own place, no sensitive word, 一般."""
    base = dict(title="图书馆开放时间咨询", content="来电人咨询区图书馆元旦期间是否开放。", enterprise="", address=f"{no}号",
                caller_phone="")
    base.update(fields)
    return new_ticket(no=no, **base)


# ------------------------------------------------------------------ the diagram on its own

def test_early_warning_diagram_is_drawn_and_escalates_once(app):
    """processes/early_warning.bpmn alone: lanes and layout for every element, the timer at escalate_at."""
    root = etree.parse(str(DIAGRAM)).getroot()
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
    process = root.find("bpmn:process", ns)
    nodes = {el.get("id") for el in process if el.get("id") and not el.tag.endswith(("laneSet", "documentation"))}
    drawn = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNShape", ns)} | \
            {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNEdge", ns)}
    assert nodes <= drawn, f"not drawn: {nodes - drawn}"
    in_lanes = {ref.text for ref in root.iterfind(".//bpmn:flowNodeRef", ns)}
    flow_nodes = {el.get("id") for el in process if el.get("id") and not el.tag.endswith(("sequenceFlow", "laneSet",
                                                                                          "documentation"))}
    assert flow_nodes == in_lanes, "every flow node sits in a lane"

    version = instances.current_version("early_warning")
    assert version is not None and version.checksum  # deployed from processes/ by seed_base()
    meta = version.task_meta["ew_acknowledge"]
    assert meta["title"] == "确认预警" and meta["due_date"] == "escalate_at"
    data = {"warning_id": 0, "ticket_id": 0, "ticket_no": "T", "ticket_title": "t", "summary": "特急工单",
            "responsible_group": "culture_market", "leader_group": "leader", "escalate_hours": 1.5,
            "raised_at": to_iso(clock.now())}
    instance, snap = instances.start("early_warning", data, business_key="warning:diagram-test")
    apply_snapshot(instance, None, snap)
    db.session.commit()
    [task] = snap.ready_tasks
    assert task.spec_name == "ew_acknowledge"
    assert set(task.candidate_groups) == {"culture_market", "leader", "supervisor"}
    assert task.due_at == clock.now() + timedelta(hours=1.5) == instance.next_timer_at

    clock.advance(timedelta(hours=1.5) - timedelta(seconds=1))
    assert sweep().fired == 0
    clock.advance(timedelta(seconds=2))
    assert sweep().fired == 1
    assert sweep().fired == 0, "exactly once"
    db.session.refresh(instance)
    snap = instances.snapshot(instance)
    assert [t.spec_name for t in snap.ready_tasks] == ["ew_escalation"]
    assert set(snap.ready_tasks[0].candidate_groups) == {"supervisor", "leader"}
    assert snap.ready_tasks[0].due_at == clock.now() - timedelta(seconds=1) + timedelta(hours=1.5)
    [alert] = db.session.scalars(select(Alert).where(Alert.business_key == "warning:diagram-test"))
    assert alert.kind == "预警升级" and "1.5 小时无人确认" in alert.message
    assert instance.next_timer_at is None


# ------------------------------------------------------------------ raising

def test_sensitive_wording_raises_an_alert_and_a_task_for_section_and_leader(app, browser):
    ticket = new_ticket(no="EW-1", **GATHERING)
    [warning] = warnings_of(ticket)
    assert warning.status == "open" and [r["rule"] for r in warning.reasons] == ["sensitive"]
    assert warning.reasons[0]["words"] == ["聚集", "媒体", "曝光", "拉横幅"]
    assert warning.escalate_at == clock.now() + timedelta(hours=2)
    [alert] = alerts_of(warning)
    assert alert.kind == "预警" and alert.ticket_id == ticket.id and alert.acknowledged_at is None
    [item] = items_of(warning)
    assert item.spec_name == "ew_acknowledge" and item.title == "确认预警 · EW-1"
    assert item.groups == {"dispatcher", "leader", "supervisor"}, "not dispatched yet: the dispatchers"
    assert item.due_at == warning.escalate_at

    for username in ("paidan", "fenguan", "zhuguan"):
        claimable = browser(username).get("/?tab=claimable").get_data(as_text=True)
        assert "确认预警 · EW-1" in claimable, username
    assert "确认预警" not in browser("wenhua").get("/?tab=claimable").get_data(as_text=True)
    supervisor = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    alerts = supervisor.split('id="alerts"')[1].split("</table>")[0]
    assert "预警" in alerts and "EW-1" in alerts and "拉横幅" in alerts
    leader = browser("fenguan")
    page = leader.get("/warnings/").get_data(as_text=True)
    assert "EW-1" in page and "敏感词" in page and 'id="count-warnings">1<' in page
    ticket_page = leader.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="ticket-warnings"' in ticket_page and "13700000001" not in ticket_page, "the leader sees it masked"
    assert "预警：含敏感词" in ticket_page


def test_the_section_gets_the_warning_once_the_ticket_is_dispatched(app, browser):
    ticket = quiet("EW-S")
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    db.session.refresh(ticket)
    warning = early_warning.raise_warning(ticket, [{"rule": "urgent"}], rules_settings.load())
    db.session.commit()
    [item] = items_of(warning)
    assert item.groups == {"culture_market", "leader", "supervisor"}
    assert "EW-S" in browser("wenhua").get("/warnings/").get_data(as_text=True)
    assert "EW-S" not in browser("lvyou").get("/warnings/").get_data(as_text=True)


def test_n_tickets_about_one_enterprise_within_h_hours(app):
    place = dict(enterprise="极速网咖", address="", title="网咖问题", content="来电人反映网咖设备老旧。")
    first = quiet("NH-1", **place)
    clock.advance(timedelta(hours=20))
    second = quiet("NH-2", **place)
    clock.advance(timedelta(hours=5))  # the first is now 25 hours back
    third = quiet("NH-3", **place)
    assert warnings_of(first) == warnings_of(second) == warnings_of(third) == []

    clock.advance(timedelta(hours=1))
    fourth = quiet("NH-4", **place)  # NH-2, NH-3, NH-4 within 24 h
    [warning] = warnings_of(fourth)
    [reason] = warning.reasons
    assert reason == {"rule": "cluster", "key_kind": "enterprise", "key": "enterprise:极速网咖", "shown": "极速网咖",
                      "count": 3, "hours": 24}
    assert warning.summary == "同一企业“极速网咖”24小时内第3件"

    fifth = quiet("NH-5", **place)
    assert warnings_of(fifth) == [], "one open warning per cluster"
    assert "已有未确认的预警" in db.session.scalar(
        select(TicketEvent.title).where(TicketEvent.ticket_id == fifth.id, TicketEvent.kind == "alert"))


def test_n_and_h_are_settings(app):
    rules_settings.save(user("zhuguan"), dict(rules_settings.DEFAULTS.as_form(), cluster_count="2", cluster_hours="1"))
    place = dict(address="东华路18号", title="噪音", content="来电人反映夜里噪音。")
    quiet("NS-1", **place)
    clock.advance(timedelta(minutes=61))
    assert warnings_of(quiet("NS-2", **place)) == []
    clock.advance(timedelta(minutes=30))
    [warning] = warnings_of(quiet("NS-3", **place))
    assert warning.summary == "同一地址1小时内第2件", "the address itself is personal data: not in the alert"


def test_every_special_urgent_ticket_raises_an_alert(app):
    ticket = quiet("UR-1", urgency="特急")
    [warning] = warnings_of(ticket)
    assert warning.summary == "特急工单" and alerts_of(warning)[0].kind == "预警"
    assert warnings_of(quiet("UR-2", urgency="紧急")) == []


def test_all_reasons_in_one_warning(app):
    ticket = new_ticket(no="ALL-1", **dict(GATHERING, urgency="特急"))
    [warning] = warnings_of(ticket)
    assert warning.rule_labels == ["敏感词", "特急工单"] and len(items_of(warning)) == 1


def test_history_raises_nothing(app):
    old = quiet("OLD-1", urgency="特急", called_at=clock.now() - timedelta(days=40),
                dispatched_at=clock.now() - timedelta(days=40))
    assert warnings_of(old) == []


def test_a_failing_rule_never_loses_the_ticket(app, monkeypatch):
    start = instances.start

    def broken(key, *args, **kw):
        if key == "early_warning":
            raise LookupError("流程 early_warning 尚未部署")
        return start(key, *args, **kw)

    monkeypatch.setattr(instances, "start", broken)
    ticket = new_ticket(no="BR-1", **GATHERING)
    assert ticket.id and warnings_of(ticket) == []
    assert db.session.scalar(select(Alert.kind).where(Alert.ticket_id == ticket.id)) == "预警出错"


# ------------------------------------------------------------------ acknowledging and escalating

def test_escalation_after_the_configured_time_exactly_once(app, browser):
    rules_settings.save(user("liucheng"), dict(rules_settings.DEFAULTS.as_form(), escalate_hours="0.5"))
    ticket = new_ticket(no="ES-1", **GATHERING)
    [warning] = warnings_of(ticket)
    assert warning.escalate_at == clock.now() + timedelta(minutes=30)

    clock.advance(timedelta(minutes=29))
    assert sweep().fired == 0
    clock.advance(timedelta(minutes=2))
    assert sweep().fired == 1
    assert sweep().fired == 0
    clock.advance(timedelta(hours=5))
    assert sweep().fired == 0, "the escalation fires exactly once"

    db.session.expire_all()
    assert warning.status == "escalated" and warning.escalated_at is not None
    assert [a.kind for a in alerts_of(warning)] == ["预警", "预警升级"]
    escalation = alerts_of(warning, "预警升级")[0]
    assert escalation.ticket_id == ticket.id and "ES-1" in escalation.message
    [ack] = items_of(warning, "ew_acknowledge")
    assert ack.state == "cancelled"
    [task] = items_of(warning, "ew_escalation", "ready")
    assert task.groups == {"supervisor", "leader"} and task.title == "预警升级处置 · ES-1"

    zhuguan = browser("zhuguan")
    alerts = zhuguan.get("/supervisor/").get_data(as_text=True).split('id="alerts"')[1].split("</table>")[0]
    assert "预警升级" in alerts and "ES-1" in alerts
    # the quick 确认 no longer applies: the escalation needs its measures written down
    response = zhuguan.post(f"/warnings/{warning.id}/ack", {}, form_url="/warnings/", follow_redirects=True)
    assert "预警升级处置" in response.get_data(as_text=True)
    response = zhuguan.post(f"/supervisor/alerts/{escalation.id}/ack", form_url="/supervisor/", follow_redirects=True)
    assert response.status_code == 200 and "预警升级处置" in response.get_data(as_text=True)
    db.session.expire_all()
    assert escalation.acknowledged_at is None, "acknowledged only by dealing with the escalation"
    assert zhuguan.post(f"/tasks/{task.id}", {"escalation_action": ""}).status_code == 422, "measures are required"
    response = zhuguan.post(f"/tasks/{task.id}", {"escalation_action": "已约谈旅行社负责人，安排退费"})
    assert response.status_code == 302
    db.session.expire_all()
    assert warning.status == "handled" and warning.handled_by.username == "zhuguan"
    assert all(a.acknowledged_at is not None for a in alerts_of(warning))
    assert db.session.get(ProcessInstance, warning.instance_id).status == "completed"
    alerts = zhuguan.get("/supervisor/").get_data(as_text=True).split('id="alerts"')[1].split("</table>")[0]
    assert "ES-1" not in alerts


def test_acknowledging_before_the_timer_prevents_escalation(app, browser):
    ticket = new_ticket(no="AK-1", **GATHERING)
    [warning] = warnings_of(ticket)
    paidan = browser("paidan")
    response = paidan.post(f"/warnings/{warning.id}/ack", {"note": "已联系旅行社和属地街道"}, form_url="/warnings/")
    assert response.status_code == 302
    db.session.expire_all()
    assert warning.status == "acknowledged" and warning.acknowledged_by.username == "paidan"
    assert warning.ack_note == "已联系旅行社和属地街道"
    [alert] = alerts_of(warning)
    assert alert.acknowledged_at == clock.now() and alert.acknowledged_by.username == "paidan"
    [item] = items_of(warning)
    assert item.state == "completed" and item.completed_by.username == "paidan"

    clock.advance(timedelta(hours=3))
    assert sweep().fired == 0
    assert alerts_of(warning, "预警升级") == [] and items_of(warning, "ew_escalation") == []
    events = db.session.scalars(select(TicketEvent.title).where(TicketEvent.ticket_id == ticket.id)).all()
    assert any(t.startswith("预警已确认") for t in events)

    with pytest.raises(Conflict, match="张敏"):
        early_warning.acknowledge(warning.id, user("fenguan"))
    assert "AK-1" not in browser("zhuguan").get("/warnings/").get_data(as_text=True)
    assert "AK-1" in browser("zhuguan").get("/warnings/?status=acknowledged").get_data(as_text=True)


def test_acknowledging_through_the_task_form(app, browser):
    ticket = new_ticket(no="TF-1", **GATHERING)
    [warning] = warnings_of(ticket)
    [item] = items_of(warning)
    leader = browser("fenguan")
    page = leader.get(f"/tasks/{item.id}").get_data(as_text=True)
    panel = page.split('id="warning-panel"')[1]
    assert "含敏感词" in panel and "TF-1" in panel and GATHERING["content"] in panel
    assert "13700000001" not in panel, "the leader sees the caller masked"
    response = leader.post(f"/tasks/{item.id}", {"ack_note": "请文化市场科关注"})
    assert response.status_code == 302
    db.session.expire_all()
    assert warning.status == "acknowledged" and warning.acknowledged_by.username == "fenguan"


def test_supervisor_page_confirm_goes_through_the_same_service(app, browser):
    ticket = new_ticket(no="SP-1", **GATHERING)
    [warning] = warnings_of(ticket)
    [alert] = alerts_of(warning)
    zhuguan = browser("zhuguan")
    zhuguan.post(f"/supervisor/alerts/{alert.id}/ack", form_url="/supervisor/")
    db.session.expire_all()
    assert warning.status == "acknowledged" and items_of(warning)[0].state == "completed"
    clock.advance(timedelta(hours=3))
    assert sweep().fired == 0


def test_only_candidates_acknowledge(app):
    ticket = new_ticket(no="PC-1", **GATHERING)
    [warning] = warnings_of(ticket)
    with pytest.raises(PermissionDenied):
        early_warning.acknowledge(warning.id, user("wenhua"))
    with pytest.raises(Exception, match="500"):
        early_warning.acknowledge(warning.id, user("paidan"), "长" * 501)
    db.session.expire_all()
    assert warning.status == "open"
    assert inbox.can_complete(user("zhiban"), items_of(warning)[0]), "the duty dispatcher may"


# ------------------------------------------------------------------ settings

def test_settings_page(app, browser):
    admin = browser("liucheng")
    page = admin.get("/warnings/settings").get_data(as_text=True)
    assert "拉横幅" in page and 'value="30"' in page

    bad = dict(rules_settings.DEFAULTS.as_form(), cluster_count="三", escalate_hours="0",
               sensitive_words="上访\n" + "很长" * 11)
    response = admin.post("/warnings/settings", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "设置未保存" in html
    assert "集中反映件数 N必须是数字" in html and "预警升级时限（小时）应在 0.1 到 168 之间" in html
    assert "超过 20 个字" in html
    assert 'value="三"' in html, "what the user typed is kept"
    assert rules_settings.load() == rules_settings.DEFAULTS, "nothing half-saved"

    good = dict(rules_settings.DEFAULTS.as_form(), sensitive_words="退票难、黄牛\n退票难", escalate_hours="1.5",
                window_days="14", event_threshold="75")
    assert admin.post("/warnings/settings", good).status_code == 302
    rules = rules_settings.load()
    assert rules.sensitive_words == ("退票难", "黄牛") and rules.escalate_hours == 1.5
    assert (rules.window_days, rules.event_threshold) == (14, 75)

    [warning] = warnings_of(quiet("ST-1", content="演唱会门票被黄牛炒高，官方渠道退票难。"))
    assert warning.reasons[0]["words"] == ["退票难", "黄牛"]
    assert warning.escalate_at == clock.now() + timedelta(hours=1.5)
    assert warnings_of(quiet("ST-2", content="游客在门口聚集。")) == [], "聚集 is no longer on the list"

    assert browser("wenhua").get("/warnings/settings").status_code == 403
    assert browser("zhuguan").get("/warnings/settings").status_code == 200
    with pytest.raises(PermissionDenied):
        rules_settings.save(user("paidan"), good)


def test_nav_shows_open_warnings(app, browser):
    new_ticket(no="NAV-1", **GATHERING)
    page = browser("paidan").get("/").get_data(as_text=True)
    assert 'id="count-warnings">1<' in page and "重复反映登记" in page
    assert "重复反映与预警设置" not in page
    handler = browser("wenhua").get("/").get_data(as_text=True)
    assert 'id="count-warnings"' not in handler and "重复反映登记" not in handler
    assert db.session.scalar(select(func.count(EarlyWarning.id))) == 1


def test_the_claimable_row_of_a_warning_shows_its_ticket(app, browser):
    ticket = new_ticket("T-URGENT", urgency="特急", title=f"来电人{'13912345678'}反映游客聚集")
    page = browser("paidan").get("/?tab=claimable").get_data(as_text=True)
    row = page.split('data-task="ew_acknowledge"')[1].split("</tr>")[0]
    assert f'href="/tickets/{ticket.id}">T-URGENT</a>' in row
    assert "反映游客聚集" in row and "投诉" in row and "特急" in row and "特急工单" in row  # title, type, urgency, rule
    assert "13912345678" in row, "the dispatcher sees the caller's data"
    leader = browser("fenguan").get("/?tab=claimable").get_data(as_text=True)  # 分管领导: callers' data masked
    row = leader.split('data-task="ew_acknowledge"')[1].split("</tr>")[0]
    assert "T-URGENT" in row and "139****5678" in row and "13912345678" not in row
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    db.session.expire_all()
    row = browser("zhuguan").get("/?tab=claimable").get_data(as_text=True) \
        .split('data-task="ew_acknowledge"')[1].split("</tr>")[0]
    assert "文化市场管理科" in row, "once dispatched, the section it went to"


def test_the_acknowledgement_note_is_masked_for_the_leader(app, browser):
    """A dispatcher's 确认意见 quoting the caller's number: the leader (who sees callers masked) reads it masked."""
    ticket = new_ticket(no="AK-2", **GATHERING)
    [warning] = warnings_of(ticket)
    browser("paidan").post(f"/warnings/{warning.id}/ack", {"note": "已回电来电人13700000001，情绪稳定"}, form_url="/warnings/")
    page = browser("fenguan").get("/warnings/?status=acknowledged").get_data(as_text=True)
    assert "已回电来电人137****0001，情绪稳定" in page and "13700000001" not in page
    assert "13700000001" in browser("zhuguan").get("/warnings/?status=acknowledged").get_data(as_text=True), \
        "a supervisor sees it"


def test_the_inbox_filters_take_a_warning_row_by_its_ticket(app, browser):
    """待认领 filtered by 类型 / 状态 / 科室: a 预警 row (its task has no ticket of its own) is judged by the ticket the
    row shows, like every other row; the page says which rows the filters cover."""
    from app.models import Section

    ticket = new_ticket("T-EW-F", urgency="特急", ticket_type="投诉")
    new_ticket("T-EW-O", ticket_type="咨询")
    paidan = browser("paidan")

    def warning_rows(query):
        page = paidan.get(f"/?tab=claimable&{query}").get_data(as_text=True)
        return [row.split("</tr>")[0] for row in page.split('data-task="ew_acknowledge"')[1:]], page

    rows, page = warning_rows("type=投诉")
    assert len(rows) == 1 and "T-EW-F" in rows[0], "the matching warning stays with the filter on"
    assert 'id="inbox-filter-note"' in page and "预警任务按预警的工单" in page
    assert warning_rows("type=咨询")[0] == [], "a warning about a 投诉 is not a 咨询"
    assert len(warning_rows("state=待签收&type=投诉")[0]) == 1
    assert warning_rows("state=办理中")[0] == []
    assert 'id="inbox-filter-note"' not in warning_rows("")[1]

    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    db.session.expire_all()
    section = db.session.scalar(select(Section).where(Section.name == "文化市场管理科"))
    other = db.session.scalar(select(Section).where(Section.id != section.id))
    supervisor = browser("zhuguan")
    for section_id, shown in ((section.id, True), (other.id, False)):
        page = supervisor.get(f"/?tab=claimable&section={section_id}").get_data(as_text=True)
        assert ('data-task="ew_acknowledge"' in page) is shown, section_id


def test_a_refused_acknowledgement_keeps_the_typed_note(app, browser):
    """确认意见 past 500 characters: the 预警 list again (422), that row's field with all of it and the message
    under it; the warning stays open."""
    import re

    ticket = new_ticket(no="AK-9", **GATHERING)
    [warning] = warnings_of(ticket)
    typed = "已联系旅行社和属地街道，" * 42  # 504 characters
    response = browser("paidan").post(f"/warnings/{warning.id}/ack", {"note": typed}, form_url="/warnings/")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "预警未确认，请按提示修改确认意见" in page
    field = re.search(rf'<input name="note" id="ack-note-{warning.id}"[^>]*>', page).group(0)
    assert "is-invalid" in field and f'value="{typed}"' in field and 'data-maxlength="500"' in field
    assert f'id="ack-note-{warning.id}-error">确认意见不能超过 500 个字（现 504 个字）' in page
    db.session.expire_all()
    assert warning.status == "open" and warning.ack_note == ""

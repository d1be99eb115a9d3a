"""现场检查 end to end: two inspectors, a checklist by type, evidence, 责令改正 with a deadline in working
days, the re-inspection when the deadline passes, 立案移交; routine plans and 双随机 draws."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import (
    AccessLog,
    Evidence,
    Inspection,
    InspectionCampaign,
    InspectionRecord,
    RectificationOrder,
)
from app.services import ServiceError, inspections
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.field_helpers import (
    JPEG,
    PNG,
    Upload,
    add_second_inspector,
    assign,
    check_input,
    form_of,
    make_enterprise,
    ready,
)
from tests.helpers import user


@pytest.fixture
def cafe(app):
    add_second_inspector()
    return make_enterprise(1, "极速网咖", "internet_cafe", "high")


def _start(ent, who="zhuguan", token="t-0000001"):
    return inspections.create_adhoc(ent, user(who), "群众举报后的例行检查", token)


def test_the_checklist_depends_on_the_enterprise_type(app, cafe):
    agency = make_enterprise(2, "悦途国际旅行社有限公司", "travel_agency")
    cafe_items = [i["text"] for i in inspections.checklist(_start(cafe))]
    agency_items = [i["text"] for i in inspections.checklist(_start(agency, token="t-0000002"))]
    common = ["许可证、营业执照在经营场所显著位置悬挂", "安全出口、疏散通道畅通"]
    for text in common:
        assert any(text in t for t in cafe_items) and any(text in t for t in agency_items)
    assert any("未成年人" in t for t in cafe_items) and any("身份证件" in t for t in cafe_items)
    assert not any("未成年人" in t for t in agency_items)
    for word in ("旅游合同", "行程单", "游客名单", "责任险", "导游"):
        assert any(word in t for t in agency_items), word
        assert not any(word in t for t in cafe_items)


def test_two_different_inspectors_are_assigned(app, cafe, browser):
    insp = _start(cafe)
    item = ready(insp, "assign_inspectors")
    assert item.title == "指派检查员：极速网咖"
    zhuguan = browser("zhuguan")
    assert zhuguan.get(f"/tasks/{item.id}").headers["Location"].endswith(f"/inspections/task/{item.id}")
    same = zhuguan.post(f"/inspections/task/{item.id}", {"inspector_1": "jiancha", "inspector_2": "jiancha",
                                                         "assign_note": "请尽快"})
    page = same.get_data(as_text=True)
    assert same.status_code == 422 and "两名检查员不能是同一人" in page and "请尽快" in page
    not_inspector = zhuguan.post(f"/inspections/task/{item.id}", {"inspector_1": "jiancha", "inspector_2": "wenhua"})
    assert not_inspector.status_code == 422 and "所选人员不是在岗检查员" in not_inspector.get_data(as_text=True)
    assert browser("jiancha").post(f"/inspections/task/{item.id}", {
        "inspector_1": "jiancha", "inspector_2": "jiancha2"}, form_url=f"/inspections/{insp.id}").status_code == 403, \
        "only supervisors assign"
    ok = zhuguan.post(f"/inspections/task/{item.id}", {"inspector_1": "jiancha", "inspector_2": "jiancha2"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert [u.username for u in insp.inspectors] == ["jiancha", "jiancha2"]
    check = ready(insp, "onsite_check")
    assert check.groups == {"user:jiancha", "user:jiancha2"}
    assert check.due_at == shanghai(2026, 12, 9, 10, 0), "10 working days for a routine check"
    assert insp.status == "待检查"


def test_a_failing_check_orders_a_correction_and_the_reinspection_comes_at_the_deadline(app, cafe, browser):
    insp = _start(cafe)
    assign(insp)
    photo = inspections.add_evidence(insp, user("jiancha"), Upload(JPEG, "门口.jpg"))
    assert photo.sha256 == hashlib.sha256(JPEG).hexdigest() and photo.content_type == "image/jpeg"
    stored = Path(app.config["JIESU_UPLOAD_DIR"]) / photo.stored_path
    assert stored.read_bytes() == JPEG
    item = ready(insp, "onsite_check")
    record = inspections.submit_check(insp, item.id, user("jiancha"), check_input(
        insp, {"minors_refused": "发现2名未成年人在上网"}, [photo.id], days=5), "check-0001")
    db.session.expire_all()
    assert record.result == "不合格" and record.round == 1
    assert [a["id"] for a in record.failed] == ["minors_refused"]
    assert db.session.get(Evidence, photo.id).record_id == record.id
    [order] = db.session.scalars(select(RectificationOrder)).all()
    # checked Wed 2026-11-25 10:00 + 5 working days = Wed 12-02, due at the end of that working day
    assert order.deadline == shanghai(2026, 12, 2, 17, 30)
    assert insp.status == "整改中" and ready(insp, "reinspect") is None

    notice = browser("jiancha").get(f"/inspections/orders/{order.id}/notice").get_data(as_text=True)
    for text in ("责令改正通知书", "极速网咖", cafe.credit_code, "2026年12月2日", "发现2名未成年人在上网",
                 "《互联网上网服务营业场所管理条例》", "检查人员（签名）", "被检查单位负责人（签名）", order.notice_no):
        assert text in notice, text

    clock.freeze(shanghai(2026, 12, 2, 17, 29))
    sweep()
    assert ready(insp, "reinspect") is None, "not before the deadline"
    clock.freeze(shanghai(2026, 12, 2, 17, 31))
    assert sweep().fired == 1
    db.session.expire_all()
    reinspect = ready(insp, "reinspect")
    assert reinspect is not None and reinspect.groups == {"user:jiancha", "user:jiancha2"}
    assert insp.status == "待复查"
    page = browser("jiancha2").get(f"/inspections/task/{reinspect.id}").get_data(as_text=True)
    assert "上次不合格" in page and order.notice_no in page

    # still failing: 立案移交
    again = inspections.add_evidence(insp, user("jiancha2"), Upload(PNG, "复查.png"))
    inspections.submit_check(insp, reinspect.id, user("jiancha2"), check_input(
        insp, {"minors_refused": "仍有未成年人"}, [again.id]), "check-0002")
    db.session.expire_all()
    assert insp.status == "待移交" and db.session.get(RectificationOrder, order.id).status == "逾期未改正"
    refer = ready(insp, "refer_case")
    assert "culture_market" in refer.groups
    response = browser("wenhua").post(f"/inspections/task/{refer.id}", {
        "referred_to": "区文化市场综合执法大队", "referral_no": "文执移〔2026〕3号", "referral_note": "逾期未整改，移交立案"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (insp.status, insp.outcome) == ("立案移交", "立案移交") and insp.closed_at is not None
    assert db.session.get(RectificationOrder, order.id).status == "立案移交"
    shown = browser("zhuguan").get(f"/inspections/{insp.id}").get_data(as_text=True)
    for text in ("现场检查：不合格", "整改复查：不合格", "定时器触发：整改期限届满", "立案移交", "文执移〔2026〕3号"):
        assert text in shown, text


def test_a_passing_check_is_done_and_a_corrected_one_passes_the_reinspection(app, cafe):
    insp = _start(cafe)
    assign(insp)
    inspections.submit_check(insp, ready(insp, "onsite_check").id, user("jiancha2"), check_input(insp), "ok-00001")
    db.session.expire_all()
    assert (insp.status, insp.outcome) == ("检查合格", "检查合格")
    assert db.session.scalar(select(func.count(RectificationOrder.id))) == 0

    second = _start(cafe, token="t-0000009")
    assign(second)
    ev = inspections.add_evidence(second, user("jiancha"), Upload(JPEG, "a.jpg"))
    inspections.submit_check(second, ready(second, "onsite_check").id, user("jiancha"), check_input(
        second, {"extinguishers": "灭火器过期"}, [ev.id], days=3), "ok-00002")
    clock.advance(timedelta(days=7))
    sweep()
    inspections.submit_check(second, ready(second, "reinspect").id, user("jiancha"), check_input(second),
                             "ok-00003")
    db.session.expire_all()
    assert second.outcome == "整改合格"
    assert db.session.scalars(select(RectificationOrder.status)).all() == ["整改合格"]


def test_the_check_form_refuses_what_is_missing_and_keeps_what_was_typed(app, cafe, browser):
    insp = _start(cafe)
    assign(insp)
    item = ready(insp, "onsite_check")
    jiancha = browser("jiancha")
    page = jiancha.get(f"/inspections/task/{item.id}").get_data(as_text=True)
    assert 'capture="environment"' in page and 'accept="image/*"' in page and "js/field.js" in page
    data = {f"item_{i['id']}": "合格" for i in inspections.checklist(insp)}
    data.update({"item_id_check": "不合格", "note_id_check": "未登记身份证", "checked_at": "2026-11-25T09:30",
                 "findings": "", "rectify_days": "10", "requirements": "立即整改", "latitude": "", "longitude": ""})
    del data["item_fire_exits"]
    response = jiancha.post(f"/inspections/task/{item.id}", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请选择本项的检查结果" in html
    assert 'value="未登记身份证"' in html, "notes are kept"
    # now complete, but without location, findings and evidence
    data["item_fire_exits"] = "合格"
    response = jiancha.post(f"/inspections/task/{item.id}", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("未取得定位：请手工填写检查地点", "有不合格项时请填写检查情况",
                    "有不合格项时请至少上传一张照片或一份文件作为证据"):
        assert message in html, message
    future = dict(data, checked_at="2026-11-25T12:00", location_note="东华路18号", findings="未核验身份证",
                  latitude="95", longitude="116")
    response = jiancha.post(f"/inspections/task/{item.id}", {
        **future, "photos": (io.BytesIO(b"GIF89a not allowed"), "x.gif")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不是支持的类型" in html and "检查时间不能晚于现在" in html and "定位数据无效（纬度）" in html
    assert db.session.scalar(select(func.count(InspectionRecord.id))) == 0
    assert ready(insp, "onsite_check") is not None


def test_evidence_is_stored_with_its_checksum_and_served_only_to_permitted_users(app, cafe, browser):
    insp = _start(cafe)
    assign(insp)
    jiancha = browser("jiancha")
    task_url = f"/inspections/task/{ready(insp, 'onsite_check').id}"

    def upload(content, name):
        return jiancha.post(f"/inspections/{insp.id}/evidence", {"file": (io.BytesIO(content), name)},
                            form_url=task_url, content_type="multipart/form-data")

    response = upload(JPEG, "现场.jpg")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["sha256"] == hashlib.sha256(JPEG).hexdigest() and body["image"] is True
    url = body["url"]
    served = jiancha.get(url)
    assert served.status_code == 200 and served.data == JPEG and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert browser("zhuguan").get(url).status_code == 200
    assert browser("huifang").get(url).status_code == 403, "a callback agent has no business with it"
    assert browser("lvyou").get(url).status_code == 403, "another section's handler neither"
    assert browser().get(url).status_code == 302, "anonymous: to the login page"
    disposition = served.headers["Content-Disposition"]
    assert "现场" not in disposition and f"-{insp.id}-{body['id']}.jpg" in disposition, "a generated name"
    looks = [(r.user.username, r.outcome) for r in db.session.scalars(
        select(AccessLog).where(AccessLog.where == "现场检查证据").order_by(AccessLog.id))]
    assert looks == [("jiancha", "allowed"), ("zhuguan", "allowed"), ("huifang", "denied"), ("lvyou", "denied")]
    # the same photo twice is stored once; a non-inspector cannot add evidence
    assert upload(JPEG, "again.jpg").get_json()["id"] == body["id"]
    with pytest.raises(Exception, match="只有正在办理本次检查的检查员"):
        inspections.add_evidence(insp, user("zhuguan"), Upload(JPEG, "x.jpg"))
    bad = upload(b"MZ\x90\x00 evil.exe", "photo.jpg")
    assert bad.status_code == 422 and "不是支持的类型" in bad.get_json()["error"]
    empty = upload(b"", "empty.jpg")
    assert empty.status_code == 422
    assert db.session.scalar(select(func.count(Evidence.id))) == 1


def test_a_resubmitted_check_is_recorded_once(app, cafe, browser):
    """The connection drops after the server saved the check; the phone sends the same form again."""
    insp = _start(cafe)
    assign(insp)
    item = ready(insp, "onsite_check")
    jiancha = browser("jiancha")
    tokens = form_of(jiancha.get(f"/inspections/task/{item.id}").get_data(as_text=True))
    assert re.fullmatch(r"[0-9a-f]{32}", tokens["submit_token"])
    data = {f"item_{i['id']}": "合格" for i in inspections.checklist(insp)}
    data.update(tokens, checked_at="2026-11-25T10:00", location_note="东华路18号", latitude="39.9", longitude="116.4",
                accuracy="8")
    first = jiancha.client.post(f"/inspections/task/{item.id}", data=data)
    assert first.status_code == 302, re.findall(r'invalid-feedback d-block">([^<]+)', first.get_data(as_text=True))
    second = jiancha.client.post(f"/inspections/task/{item.id}", data=data)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    follow = jiancha.get(second.headers["Location"]).get_data(as_text=True)
    assert "该表单已经提交过，这次重复提交没有再记录" in follow
    assert "data-clear-draft=\"jiesu-draft:" in follow, "the page after saving clears the phone's draft"
    assert db.session.scalar(select(func.count(InspectionRecord.id))) == 1
    # and through the service: the same token returns the same record
    record = db.session.scalar(select(InspectionRecord))
    assert inspections.submit_check(insp, item.id, user("jiancha"), check_input(insp), data["submit_token"]).id == \
        record.id


# -- routine inspections ---------------------------------------------------------------------------------

def test_the_plan_creates_inspections_by_risk_level_once_per_period(app, browser):
    add_second_inspector()
    make_enterprise(1, "极速网咖", risk="high")
    make_enterprise(2, "红星剧场", "performance_venue", risk="medium")
    make_enterprise(3, "墨香书店", "bookshop", risk="low")
    october = inspections.run_plan(inspections.parse_month("2026-10"), user("zhuguan"))
    assert sorted((i.subject_name, i.period) for i in october.created) == [
        ("墨香书店", "2026-H2"), ("极速网咖", "2026-10"), ("红星剧场", "2026-Q4")]
    assert inspections.run_plan(inspections.parse_month("2026-10"), user("zhuguan")).created == []
    november = inspections.run_plan(inspections.parse_month("2026-11"), user("zhuguan"))
    assert [(i.subject_name, i.period) for i in november.created] == [("极速网咖", "2026-11")]
    assert november.existing == 2
    january = inspections.run_plan(inspections.parse_month("2027-01"), None)
    assert len(january.created) == 3
    assert db.session.scalar(select(func.count(Inspection.id))) == 7
    assert all(ready(i, "assign_inspectors") for i in january.created)

    # the page and the settings
    zhuguan = browser("zhuguan")
    assert "待生成" in zhuguan.get("/inspections/plan?month=2026-12").get_data(as_text=True)
    zhuguan.post("/inspections/plan", {"action": "frequency", "months_high": "1", "months_medium": "1",
                                       "months_low": "12", "month": "2026-12"})
    assert inspections.plan_months() == {"high": 1, "medium": 1, "low": 12}
    response = zhuguan.post("/inspections/plan", {"month": "2026-12"}, form_url="/inspections/plan?month=2026-12")
    assert response.status_code == 200 and "已生成 3 项计划检查（已有 0 项" in response.get_data(as_text=True)
    response = zhuguan.post("/inspections/plan", {"month": "2026-12"}, form_url="/inspections/plan?month=2026-12")
    assert "已生成 0 项计划检查（已有 3 项" in response.get_data(as_text=True)
    assert browser("jiancha").get("/inspections/plan").status_code == 403
    bad = zhuguan.get("/inspections/plan?month=2026-13")
    assert bad.status_code == 422 and "月份格式应为 YYYY-MM" in bad.get_data(as_text=True)


def test_the_plan_command(app):
    add_second_inspector()
    make_enterprise(1, "极速网咖", risk="high")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["inspections", "plan", "--month", "2026-12"])
    assert result.exit_code == 0, result.output
    assert "共新生成 1 项计划检查" in result.output
    result = runner.invoke(args=["inspections", "plan", "--month", "2026-12"])
    assert "共新生成 0 项计划检查" in result.output and "已有 1 项" in result.output


def test_a_random_draw_is_recorded_and_reproducible(app, browser):
    add_second_inspector()
    for n, (name, kind) in enumerate([("网咖甲", "internet_cafe"), ("网咖乙", "internet_cafe"), ("KTV甲", "ktv"),
                                      ("旅行社甲", "travel_agency"), ("网咖丙", "internet_cafe")], start=1):
        make_enterprise(n, name, kind)
    response = browser("zhuguan").post("/inspections/random", {"name": "第四季度网吧抽查", "count": "2",
                                                               "kinds": ["internet_cafe"], "seed": "2026Q4"})
    assert response.status_code == 302
    campaign = db.session.scalar(select(InspectionCampaign))
    assert campaign.seed == "2026Q4" and len(campaign.selection) == 2
    drawn = db.session.scalars(select(Inspection).where(Inspection.campaign_id == campaign.id)).all()
    assert {i.kind for i in drawn} == {"internet_cafe"}
    for insp in drawn:
        assert len({insp.inspector1_id, insp.inspector2_id}) == 2
        assert ready(insp, "assign_inspectors") is None and ready(insp, "onsite_check") is not None, \
            "the draw assigned the inspectors"
    # anyone can check the draw from what was recorded
    chosen, pairs = inspections.draw(campaign.seed, campaign.criteria["enterprise_pool"],
                                     campaign.criteria["inspector_pool"], 2)
    assert [[e, a, b] for e, (a, b) in zip(chosen, pairs, strict=True)] == campaign.selection
    page = browser("zhuguan").get(f"/inspections/campaigns/{campaign.id}").get_data(as_text=True)
    assert "2026Q4" in page and "网吧" in page
    with pytest.raises(ServiceError, match="符合条件的企业只有 1 家"):
        inspections.draw_campaign("KTV", 2, ["ktv"], [], None, user("zhuguan"))


def test_a_random_draw_needs_two_inspectors(app):
    make_enterprise(1)
    with pytest.raises(ServiceError, match="检查员不足两人"):
        inspections.draw_campaign("抽查", 1, [], [], "x", user("zhuguan"))


def test_times_shown_are_beijing_time(app, cafe):
    insp = _start(cafe)
    assert insp.created_at.astimezone(LOCAL_TZ).hour == 10

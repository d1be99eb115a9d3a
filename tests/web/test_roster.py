"""排班: who is on duty when, night and holiday tickets routed to the duty dispatcher, gaps, import."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.engine import instances
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, DutyAssignment, WorkItem
from app.services import PermissionDenied, ServiceError, roster, tickets
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work
from tests.conftest import shanghai
from tests.helpers import SIGN, new_ticket, open_item, user, xlsx


def put(day, kind, username, role, actor="zhuguan"):
    return roster.assign(user(actor), day, kind, user(username).id, role)


def names(people):
    return [p.username for p in people]


def test_night_shift_runs_past_midnight(app):
    put(date(2026, 11, 25), "night", "zhiban", "dispatcher")  # a Wednesday: 17:30 to Thursday 08:30
    put(date(2026, 11, 26), "day", "paidan", "dispatcher")
    assert names(roster.on_duty("dispatcher", shanghai(2026, 11, 25, 17, 29))) == []
    assert names(roster.on_duty("dispatcher", shanghai(2026, 11, 25, 17, 30))) == ["zhiban"]
    assert names(roster.on_duty("dispatcher", shanghai(2026, 11, 25, 23, 59))) == ["zhiban"]
    assert names(roster.on_duty("dispatcher", shanghai(2026, 11, 26, 2, 0))) == ["zhiban"]
    assert names(roster.on_duty("dispatcher", shanghai(2026, 11, 26, 8, 29))) == ["zhiban"]
    assert names(roster.on_duty("dispatcher", shanghai(2026, 11, 26, 8, 30))) == ["paidan"]
    assert roster.on_duty("duty", shanghai(2026, 11, 26, 2, 0)) == []
    assert roster.shift_at(shanghai(2026, 11, 26, 2, 0)).kind == "night"


def test_holiday_shift_lasts_a_day_and_follows_the_calendar(app):
    put(date(2026, 10, 3), "holiday", "zhiban", "dispatcher")  # 国庆节, a Saturday
    put(date(2026, 10, 3), "holiday", "zhuguan", "leader")
    assert names(roster.on_duty("dispatcher", shanghai(2026, 10, 3, 8, 30))) == ["zhiban"]
    assert names(roster.on_duty("dispatcher", shanghai(2026, 10, 3, 23, 0))) == ["zhiban"]
    assert names(roster.on_duty("dispatcher", shanghai(2026, 10, 4, 3, 0))) == ["zhiban"]
    assert roster.on_duty("dispatcher", shanghai(2026, 10, 4, 8, 30)) == []
    assert names(roster.on_duty("leader", shanghai(2026, 10, 4, 3, 0))) == ["zhuguan"]
    # the calendar decides which shifts a day has: no 日班 on a holiday, no 节假日值班 on a working day
    with pytest.raises(ServiceError, match="休息日（国庆节）"):
        put(date(2026, 10, 5), "day", "paidan", "dispatcher")
    with pytest.raises(ServiceError, match="是工作日"):
        put(date(2026, 10, 10), "holiday", "paidan", "dispatcher")  # 国庆节调休: a working Saturday
    assert [s.kind for s in roster.shifts_between(date(2026, 9, 30), date(2026, 10, 1))] == \
        ["day", "night", "holiday"]


def test_ticket_at_23_on_a_holiday_lands_in_the_duty_dispatchers_inbox(app, browser):
    put(date(2026, 10, 3), "holiday", "zhiban", "dispatcher")
    clock.freeze(shanghai(2026, 10, 3, 23, 0))
    ticket = new_ticket(no="NIGHT-1")

    zhiban = browser("zhiban")
    mine = zhiban.get("/").get_data(as_text=True)
    assert "NIGHT-1" in mine and 'data-task="sign"' in mine
    assert "NIGHT-1" not in browser("paidan").get("/?tab=claimable").get_data(as_text=True)
    page = zhiban.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "值班派单：分配给 刘洋" in page
    item = open_item(ticket, "sign")
    assert item.assignee.username == "zhiban" and item.claimed_at == shanghai(2026, 10, 3, 23, 0)
    # the duty dispatcher signs and goes straight on to 分派
    response = zhiban.post(f"/tasks/{item.id}", {k: v or "" for k, v in SIGN.items()})
    assert response.status_code == 302 and "/tasks/" in response.headers["Location"]
    assert db.session.scalar(select(func.count(Alert.id))) == 0


def test_ticket_in_office_hours_stays_claimable_for_every_dispatcher(app, browser):
    put(date(2026, 11, 25), "day", "zhiban", "dispatcher")  # on duty, but it is 10:00 on a working day
    ticket = new_ticket(no="DAY-1")
    assert open_item(ticket, "sign").assignee_id is None
    for username in ("paidan", "zhiban"):
        page = browser(username)
        assert "DAY-1" in page.get("/?tab=claimable").get_data(as_text=True)
        assert "DAY-1" not in page.get("/?tab=mine").get_data(as_text=True)


def test_weekday_evening_goes_to_the_least_loaded_dispatcher_or_a_duty_officer_who_may_sign(app):
    put(date(2026, 11, 25), "night", "paidan", "dispatcher")
    put(date(2026, 11, 25), "night", "zhiban", "dispatcher")
    clock.freeze(shanghai(2026, 11, 25, 20, 0))
    first, second = new_ticket(no="EVE-1"), new_ticket(no="EVE-2")
    assert {open_item(first, "sign").assignee.username, open_item(second, "sign").assignee.username} == \
        {"paidan", "zhiban"}

    put(date(2026, 11, 26), "night", "zhiban", "duty")  # a 值班员 who is also a 派单员 covers the night
    clock.freeze(shanghai(2026, 11, 26, 22, 0))
    assert open_item(new_ticket(no="EVE-3"), "sign").assignee.username == "zhiban"


def test_nobody_on_duty_leaves_the_ticket_claimable_and_alerts_supervisors(app, browser):
    clock.freeze(shanghai(2026, 11, 25, 22, 0))
    ticket = new_ticket(no="LONELY-1")
    assert open_item(ticket, "sign").assignee_id is None
    alert = db.session.scalar(select(Alert).where(Alert.ticket_id == ticket.id))
    assert alert.kind == "排班缺岗" and "没有值班派单员" in alert.message
    assert "LONELY-1" in browser("paidan").get("/?tab=claimable").get_data(as_text=True)
    board = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    assert "排班缺岗" in board and "LONELY-1" in board


def test_double_booking_is_refused(app):
    put(date(2026, 11, 25), "night", "zhiban", "duty")
    with pytest.raises(ServiceError, match="无需重复"):
        put(date(2026, 11, 25), "night", "zhiban", "duty")
    with pytest.raises(ServiceError, match="同一班次不能再担任值班派单员"):
        put(date(2026, 11, 25), "night", "zhiban", "dispatcher")
    # shifts that overlap once the night shift starts earlier than the day shift ends
    roster.set_shift_times(user("zhuguan"), {"day": "08:30-17:30", "night": "17:00-08:30", "holiday": "08:30-08:30"})
    with pytest.raises(ServiceError, match="时间重叠") as refused:
        put(date(2026, 11, 25), "day", "zhiban", "dispatcher")
    assert "刘洋" in str(refused.value) and "2026-11-25 夜班" in str(refused.value)
    put(date(2026, 11, 25), "day", "paidan", "dispatcher")  # someone else is fine
    assert db.session.scalar(select(func.count(DutyAssignment.id))) == 2


def test_assignment_needs_the_matching_role(app, browser):
    with pytest.raises(ServiceError, match="没有“值班员”角色"):
        put(date(2026, 11, 25), "night", "paidan", "duty")
    with pytest.raises(ServiceError, match="没有“主管”角色"):
        put(date(2026, 11, 25), "night", "zhiban", "leader")
    with pytest.raises(ServiceError, match="没有“派单员”角色"):
        put(date(2026, 11, 25), "night", "liucheng", "dispatcher")  # an admin is not a dispatcher

    # through the form: the refusal is named and what was chosen stays chosen
    supervisor = browser("zhuguan")
    paidan = user("paidan")
    form = supervisor.get("/roster/assign?day=2026-11-25&shift=night").get_data(as_text=True)
    assert "张敏（paidan）" in form and "王磊" not in form, "only people who can take a duty post are offered"
    response = supervisor.post("/roster/assign", {"day": "2026-11-25", "shift": "night", "user_id": str(paidan.id),
                                                  "duty_role": "duty", "note": "临时替班"},
                               form_url="/roster/assign?day=2026-11-25&shift=night")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "张敏 没有“值班员”角色，不能担任值班员" in page
    assert f'value="{paidan.id}" selected' in page and 'value="临时替班"' in page
    assert 'value="duty" selected' in page and 'value="night" selected' in page
    assert db.session.scalar(select(func.count(DutyAssignment.id))) == 0


def test_week_and_month_views(app, browser):
    put(date(2026, 11, 25), "night", "zhiban", "duty")
    page = browser("wenhua").get("/roster/").get_data(as_text=True)
    today = re.search(r'<tr class="roster-today[^"]*" data-day="2026-11-25">.*?</tr>', page, re.S).group(0)
    assert "今天" in today and "刘洋" in today and "缺岗" in today  # the day shift has nobody
    assert re.findall(r'data-day="([\d-]+)"', page) == [f"2026-11-{d}" for d in range(23, 30)]
    october = browser("wenhua").get("/roster/month?month=2026-10").get_data(as_text=True)
    holiday = re.search(r'<tr class="[^"]*roster-holiday[^"]*" data-day="2026-10-03">.*?</tr>', october, re.S)
    assert holiday and "国庆节" in holiday.group(0)
    assert "调休上班" in re.search(r'data-day="2026-10-10">.*?</tr>', october, re.S).group(0)
    assert october.count("<tr class=") == 31


def test_navbar_shows_the_duty_officer(app, browser):
    page = browser("wenhua").get("/").get_data(as_text=True)
    assert re.search(r'id="duty-now".*?值班：未排班', page, re.S)
    put(date(2026, 11, 25), "day", "zhiban", "duty")
    page = browser("wenhua").get("/tickets/").get_data(as_text=True)
    assert re.search(r'id="duty-now".*?值班：刘洋（日班）', page, re.S)


def test_supervisor_page_warns_of_an_uncovered_shift_before_it_starts(app, browser):
    # now: Wednesday 10:00; the next 48 hours cover Wed day, Wed night, Thu day, Thu night, Fri day
    for day, kind, who in [(25, "day", "paidan"), (25, "night", "zhiban"), (26, "day", "paidan"),
                           (27, "day", "paidan")]:
        put(date(2026, 11, day), kind, who, "dispatcher")
    put(date(2026, 11, 26), "night", "zhuguan", "leader")  # somebody, but nobody to take the tickets
    board = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    gaps = re.search(r'id="roster-gaps".*?</div>', board, re.S).group(0)
    assert "11-26" in gaps and "夜班" in gaps and "无值班派单员" in gaps
    assert "11-25" not in gaps and "无人值班" not in gaps

    put(date(2026, 11, 26), "night", "zhiban", "duty")
    assert 'id="roster-gaps"' not in browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    clock.freeze(shanghai(2026, 11, 26, 10, 0))  # a day later Friday night comes within 48 hours
    gaps = re.search(r'id="roster-gaps".*?</div>', browser("zhuguan").get("/supervisor/").get_data(as_text=True),
                     re.S).group(0)
    assert "11-27" in gaps and "无人值班" in gaps


def _xlsx(rows, header=("日期", "班次", "姓名/用户名", "岗位")) -> io.BytesIO:
    return io.BytesIO(xlsx(header, rows))


def _upload(b, rows, **kw):
    """Upload a roster file; a file that can be read leads to its preview page (which is returned)."""
    response = b.post("/roster/import", {"file": (_xlsx(rows, **kw), "排班.xlsx")}, form_url="/roster/import",
                      content_type="multipart/form-data")
    return b.get(response.headers["Location"]) if response.status_code == 302 else response


def _confirm_url(page: str) -> str:
    return re.search(r'action="([^"]+/confirm)"', page).group(1)


GOOD = [(date(2026, 11, 26), "夜班", "zhiban", "值班派单员"),
        ("2026-11-27", "日班", "张敏", "值班派单员"),
        ("2026/11/28", "节假日值班", "刘洋", "值班员"),
        (date(2026, 11, 28), "节假日值班", "李主任", "值班领导")]


def test_import_preview_names_bad_rows_and_imports_nothing(app, browser):
    b = browser("zhuguan")
    bad = GOOD + [("2026-13-01", "夜班", "zhiban", "值班员"),
                  ("2026-11-30", "早班", "zhiban", "值班员"),
                  ("2026-11-30", "夜班", "不存在的人", "值班员"),
                  ("2026-11-30", "夜班", "wenhua", "值班员"),
                  ("2026-10-03", "日班", "paidan", "值班派单员"),
                  ("2026-11-26", "夜班", "zhiban", "值班员")]  # 刘洋 is on this shift two rows above
    page = _upload(b, bad).get_data(as_text=True)
    rows = dict(re.findall(r'data-line="(\d+)" data-status="(\w+)"', page))
    assert rows == {"2": "new", "3": "new", "4": "new", "5": "new", "6": "error", "7": "error", "8": "error",
                    "9": "error", "10": "error", "11": "error"}
    for message in ("「日期」：无法识别的日期“2026-13-01”", "「班次」：“早班”不是有效的值，应为：日班、夜班、节假日值班",
                    "找不到用户“不存在的人”",
                    "王磊 没有“值班员”角色", "休息日（国庆节）", "同一班次不能再担任值班员"):
        assert message in page, message
    assert 'id="import-apply"' not in page
    assert db.session.scalar(select(func.count(DutyAssignment.id))) == 0

    page = _upload(b, GOOD, header=("日期", "班次", "人员", "备注")).get_data(as_text=True)
    assert "缺少必需的列：岗位" in page
    response = b.post("/roster/import", {"file": (io.BytesIO(b"not a workbook"), "x.xlsx")},
                      form_url="/roster/import", content_type="multipart/form-data")
    assert response.status_code == 422 and "不是有效的 Excel（.xlsx）文件" in response.get_data(as_text=True)


def test_import_applies_once_and_again_changes_nothing(app, browser):
    b = browser("zhiban")  # a duty officer may edit the roster
    page = _upload(b, GOOD).get_data(as_text=True)
    assert "新增 4" in page and "错误 0" in page
    assert "payload" not in page, "the file stays on the server, not in the page"
    confirm = _confirm_url(page)
    response = b.post(confirm, form_url=confirm.rsplit("/", 1)[0])
    assert response.status_code == 302
    assert "导入完成：新增 4 条排班" in b.get(response.headers["Location"]).get_data(as_text=True)
    assert names(roster.on_duty("dispatcher", shanghai(2026, 11, 27, 2, 0))) == ["zhiban"]
    assert names(roster.on_duty("leader", shanghai(2026, 11, 28, 12, 0))) == ["zhuguan"]
    # a second click on the same confirmation imports nothing and says why
    again = b.post(confirm, form_url="/roster/import")
    assert again.status_code == 302 and again.headers["Location"].endswith("/roster/import")
    assert "不会重复导入" in b.get(again.headers["Location"]).get_data(as_text=True)

    page = _upload(b, GOOD).get_data(as_text=True)
    assert "新增 0" in page and "已存在 4" in page and 'id="import-apply"' not in page
    assert db.session.scalar(select(func.count(DutyAssignment.id))) == 4


def test_permissions(app, browser):
    handler = browser("wenhua")
    page = handler.get("/roster/").get_data(as_text=True)
    assert "只读" in page and "roster-add" not in page and "从 Excel 导入" not in page
    assert handler.get("/roster/assign?day=2026-11-25&shift=night").status_code == 403
    assert handler.get("/roster/import").status_code == 403
    zhiban = user("zhiban")
    response = handler.post("/roster/assign", {"day": "2026-11-25", "shift": "night", "user_id": str(zhiban.id),
                                               "duty_role": "duty"}, form_url="/roster/")
    assert response.status_code == 403
    assert handler.post("/roster/import/AAAAAAAAAAAAAAAAAAAAAAAA/confirm", form_url="/roster/").status_code == 403
    with pytest.raises(PermissionDenied):
        roster.assign(user("wenhua"), date(2026, 11, 25), "night", zhiban.id, "duty")

    a = put(date(2026, 11, 25), "night", "zhiban", "duty", actor="zhiban")  # duty officers edit the roster
    assert handler.post(f"/roster/{a.id}/remove", {}, form_url="/roster/").status_code == 403
    duty = browser("zhiban")
    assert "roster-add" in duty.get("/roster/").get_data(as_text=True)
    # only a supervisor changes the shift times
    duty.post("/roster/times", {"day": "09:00-18:00", "night": "18:00-09:00", "holiday": "09:00-09:00"},
              form_url="/roster/")
    assert roster.shift_times_text()["day"] == "08:30-17:30"
    response = duty.post(f"/roster/{a.id}/remove", {}, form_url="/roster/")
    assert response.status_code == 302 and db.session.get(DutyAssignment, a.id) is None


def test_shift_times_are_settings(app, browser):
    supervisor = browser("zhuguan")
    supervisor.post("/roster/times", {"day": "9:00-18:00", "night": "18:00-09:00", "holiday": "abc"},
                    form_url="/roster/")
    assert "节假日值班的时间“abc”格式不正确" in supervisor.get("/roster/").get_data(as_text=True)
    assert roster.shift_times_text()["day"] == "08:30-17:30", "nothing saved while one value is wrong"
    supervisor.post("/roster/times", {"day": "9:00-18:00", "night": "18:00-09:00", "holiday": "09:00-09:00"},
                    form_url="/roster/")
    assert roster.shift_times_text() == {"day": "09:00-18:00", "night": "18:00-09:00", "holiday": "09:00-09:00"}
    put(date(2026, 11, 25), "night", "zhiban", "dispatcher")
    assert roster.on_duty("dispatcher", shanghai(2026, 11, 25, 17, 45)) == []
    assert names(roster.on_duty("dispatcher", shanghai(2026, 11, 26, 8, 45))) == ["zhiban"]


DUTY_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="duty_check" name="值班核查" isExecutable="true">
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="check"/>
    <bpmn:userTask id="check" name="值班核查" camunda:candidateGroups="dispatcher"
      camunda:assignee="${on_duty('dispatcher') if not is_office_hours() else None}"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="e"/><bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_on_duty_in_a_diagram(app):
    put(date(2026, 11, 25), "night", "zhiban", "dispatcher")
    with unit_of_work():
        instances.deploy(DUTY_DIAGRAM)
    for at, key, expected in [(shanghai(2026, 11, 25, 21, 0), "duty:1", "zhiban"),
                              (shanghai(2026, 11, 25, 11, 0), "duty:2", None)]:
        clock.freeze(at)
        with unit_of_work():
            instance, snap = instances.start("duty_check", {}, business_key=key)
            apply_snapshot(instance, None, snap)
        item = db.session.scalar(select(WorkItem).where(WorkItem.business_key == key))
        assert (item.assignee.username if item.assignee else None) == expected


def test_demo_roster_routes_the_demo(app):
    from app.demo.roster import seed_demo_roster

    seed_demo_roster()
    seed_demo_roster()  # idempotent
    count = db.session.scalar(select(func.count(DutyAssignment.id)))
    assert count > 20
    gaps = roster.gaps(shanghai(2026, 11, 23, 0, 0), shanghai(2026, 12, 7, 0, 0))
    assert len([g for g in gaps if g.shift.start > clock.now()]) == 1, "one shift left open on purpose"
    clock.freeze(shanghai(2026, 11, 28, 23, 0))  # a Saturday night
    ticket = tickets.create_ticket(dict(ticket_no="DEMO-N", ticket_type="咨询", title="周末咨询", content="咨询",
                                        urgency="一般", nature="主办", source="其他"), user("paidan"))
    assert open_item(ticket, "sign").assignee.username == "paidan"


def test_a_shift_on_a_past_day_is_recorded_with_a_warning(app, browser):
    supervisor = browser("zhuguan")
    zhiban = user("zhiban")
    for day, warned in (("2026-11-20", True), ("2026-11-26", False)):
        page = supervisor.post("/roster/assign", {"day": day, "shift": "night", "user_id": str(zhiban.id),
                                                  "duty_role": "duty", "note": ""},
                               form_url=f"/roster/assign?day={day}&shift=night",
                               follow_redirects=True).get_data(as_text=True)
        assert "已排班" in page
        assert (f"注意：{day} 已经过去" in page) is warned, day


def test_a_note_past_its_limit_is_refused_and_kept_as_typed(app, browser):
    """备注 of an assignment: past 200 characters the form comes back (422) with all of it and the message on the
    field (it was cut at 200 without a word); nothing is saved."""
    zhiban = user("zhiban")
    typed = "替" * 180 + "临时替班，次日补休" * 3  # 207 characters
    response = browser("zhuguan").post(
        "/roster/assign", {"day": "2026-11-25", "shift": "night", "user_id": str(zhiban.id), "duty_role": "duty",
                           "note": typed}, form_url="/roster/assign?day=2026-11-25&shift=night")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    field = re.search(r'<input class="form-control is-invalid" id="note"[^>]*>', page).group(0)
    assert f'value="{typed}"' in field and 'data-maxlength="200"' in field and " maxlength=" not in field
    assert 'id="note-error">备注不能超过 200 个字（现 207 个字）' in page
    assert db.session.scalar(select(func.count(DutyAssignment.id))) == 0

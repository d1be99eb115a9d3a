"""Forms that refuse nonsense (issue 13 item 4): consistent callback answers, one message per field,
precise phone messages, confirmations that say what happened, no developer text, a reply check
that accepts how staff write and says what it looks for."""

import re
from pathlib import Path

import pytest

from app.engine.clock import clock
from app.extensions import db
from app.services import InvalidInput, completion
from app.services.reply_check import check_reply, looked_for
from app.services.ticket_rules import phone_problem
from tests.conftest import shanghai
from tests.helpers import RESOLVED, complete, new_ticket, open_item, run_to, user

PROCESSES = Path(__file__).resolve().parents[1] / "processes"


def _errors(page: str) -> list[str]:
    return [m.strip() for m in re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', page, re.S)]


def test_callback_not_reached_refuses_resolved_and_satisfied_naming_the_field(app):
    ticket = new_ticket()
    run_to(ticket, "callback")
    item = open_item(ticket, "callback")
    data = dict(RESOLVED, callback_contacted="否", callback_unreached="无人接听")
    with pytest.raises(InvalidInput) as refused:
        completion.complete_task(item.id, user("huifang"), completion.Submission(data))
    assert set(refused.value.errors) == {"callback_resolved", "callback_satisfied"}
    assert "是否解决" in refused.value.errors["callback_resolved"]
    assert "是否满意" in refused.value.errors["callback_satisfied"]
    db.session.rollback()
    assert open_item(ticket, "callback") is not None  # nothing was saved


def test_callback_reached_refuses_an_unreached_reason(app):
    ticket = new_ticket()
    run_to(ticket, "callback")
    item = open_item(ticket, "callback")
    with pytest.raises(InvalidInput) as refused:
        completion.complete_task(item.id, user("huifang"),
                                 completion.Submission(dict(RESOLVED, callback_unreached="无人接听")))
    assert "未联系上原因" in refused.value.errors["callback_unreached"]


def test_callback_form_in_the_browser(app, browser):
    ticket = new_ticket()
    run_to(ticket, "callback")
    item = open_item(ticket, "callback")
    b = browser("huifang")
    page = b.post(f"/tasks/{item.id}", {"callback_contacted": "否", "callback_unreached": "无人接听",
                                        "callback_resolved": "解决", "callback_satisfied": "满意"}).get_data(as_text=True)
    errors = _errors(page)
    assert len(errors) == 2 and any("是否解决" in e for e in errors)
    assert 'data-clear-choice="callback_resolved"' in page  # a wrong choice can be undone
    page = b.post(f"/tasks/{item.id}", {}).get_data(as_text=True)  # nothing chosen at all
    assert _errors(page) == ["请选择是否联系上"]  # one message, not "Not a valid choice" as well
    response = b.post(f"/tasks/{item.id}", {"callback_contacted": "否", "callback_unreached": "无人接听"},
                      follow_redirects=True)
    assert "已记录未联系上" in response.get_data(as_text=True)


def test_every_empty_required_choice_has_one_message(app, browser):
    ticket = new_ticket()
    item = open_item(ticket, "sign")
    page = browser("paidan").post(f"/tasks/{item.id}", {}).get_data(as_text=True)
    assert _errors(page) == ["请选择签收结果"]
    page = browser("paidan").post(f"/tasks/{item.id}", {"sign_decision": "乱填"}).get_data(as_text=True)
    assert _errors(page) == ["签收结果：所选项不在可选范围内"]


def test_a_return_confirms_a_return(app, browser):
    ticket = new_ticket()
    item = open_item(ticket, "sign")
    page = browser("paidan").post(f"/tasks/{item.id}", {"sign_decision": "退回", "return_reason": "属地不符"},
                                  follow_redirects=True).get_data(as_text=True)
    assert "已退回：属地不符" in page and "已提交：签收" not in page


def test_sign_and_dispatch_confirm_what_was_done(app, browser):
    ticket = new_ticket()
    b = browser("paidan")
    page = b.post(f"/tasks/{open_item(ticket, 'sign').id}", {"sign_decision": "签收"},
                  follow_redirects=True).get_data(as_text=True)
    assert "已签收" in page
    db.session.expire_all()
    page = b.post(f"/tasks/{open_item(ticket, 'dispatch').id}", {"section": "culture_market"},
                  follow_redirects=True).get_data(as_text=True)
    assert "已分派至 文化市场管理科" in page


@pytest.mark.parametrize("phone, expected", [
    ("138", "太短：只有 3 位，手机号码应为 11 位"),
    ("1381234567", "手机号码应为 11 位，现为 10 位"),
    ("12ab", "不允许的字符“ab”"),
    ("6234", "座机号码至少 7 位"),
])
def test_phone_messages_name_the_real_fault(phone, expected):
    assert expected in phone_problem(phone)


@pytest.mark.parametrize("phone", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "010-62345678",
                                   "(010)62345678", "62345678", "138****2222", "4008001234"])
def test_phone_numbers_as_written_pass(phone):
    assert phone_problem(phone) is None


def test_hand_entry_names_the_phone_fault(app, browser):
    page = browser("paidan").post("/tickets/new", {"ticket_no": "T-9", "ticket_type": "投诉", "title": "标题",
                                                   "content": "内容", "caller_phone": "138", "urgency": "一般",
                                                   "nature": "主办", "source": "其他"}).get_data(as_text=True)
    assert "手机号码应为 11 位" in page and "只能包含数字、+、-" not in page


def test_no_developer_text_in_any_task_form():
    """What a user task's documentation says is shown above its form: no formKeys or variable names."""
    for path in PROCESSES.glob("*.bpmn"):
        xml = path.read_text(encoding="utf-8")
        for task_id, body in re.findall(r'<bpmn:userTask id="([^"]+)"[^>]*>(.*?)</bpmn:userTask>', xml, re.S):
            for text in re.findall(r"<bpmn:documentation>(.*?)</bpmn:documentation>", body, re.S):
                assert not re.search(r"jiesu:|formData|手写|[a-z]+_[a-z]+", text), (path.name, task_id, text)


def test_dispatch_form_shows_no_developer_text(app, browser):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", sign_decision="签收", return_reason=None, sign_note="")
    page = browser("paidan").get(f"/tasks/{open_item(ticket, 'dispatch').id}").get_data(as_text=True)
    assert "jiesu:dispatch" not in page and "formData" not in page and "手写表单" not in page
    assert "按三定方案" in page


def test_reply_check_accepts_how_staff_write_and_lists_what_it_looks_for(app, browser):
    draft = ("11月25日，文化市场管理科工作人员致电来电人。现场核查，核查情况：网咖确有接纳未成年人情况，"
             "已要求其整改，来电人表示认可。")
    assert "核查情况" not in check_reply(draft).missing_elements
    assert check_reply(draft).ok
    assert "核查" in looked_for()["核查情况"]
    assert "11月25日" in looked_for()["联系时间"]  # a pattern is shown as an example
    ticket = new_ticket()
    run_to(ticket, "handle")
    b = browser("wenhua")
    item = open_item(ticket, "handle")
    live = b.post("/reply-check", {"text": "已处理。"}, form_url=f"/tasks/{item.id}").get_data(as_text=True)
    assert 'data-missing="核查情况"' in live and "经查" in live
    assert "检查依据" in live


def test_a_sign_refuses_what_belongs_to_a_return_or_a_transfer_and_keeps_what_was_typed(app, browser):
    ticket = new_ticket()
    item = open_item(ticket, "sign")
    page = browser("paidan").post(f"/tasks/{item.id}", {
        "sign_decision": "签收", "return_reason": "属地不符", "transfer_unit": "区市场监管局",
        "sign_note": "已核对工单信息"}).get_data(as_text=True)
    assert _errors(page) == ["签收结果不是“退回”，不能填写“退回原因”：请清除该项，或把签收结果改为“退回”。",
                             "签收结果不是“转派”，不能填写“转派单位”：请清除该项，或把签收结果改为“转派”。"]
    assert "已核对工单信息" in page, "the note typed stays in the form"
    db.session.expire_all()
    assert open_item(ticket, "sign") is not None, "nothing was recorded"


def test_text_fields_without_a_maxlength_in_the_diagram_are_bounded(app, browser):
    ticket = new_ticket()
    item = open_item(ticket, "sign")
    b = browser("paidan")
    form = b.get(f"/tasks/{item.id}").get_data(as_text=True)
    assert 'data-maxlength="2000"' in form and ' maxlength=' not in form, "the browser must not cut pasted text"
    page = b.post(f"/tasks/{item.id}", {"sign_decision": "签收", "sign_note": "长" * 2001}).get_data(as_text=True)
    assert _errors(page) == ["签收意见不能超过 2000 个字"]
    page = b.post(f"/tasks/{item.id}", {"sign_decision": "签收", "sign_note": "长" * 2000},
                  follow_redirects=True).get_data(as_text=True)
    assert "已签收" in page


def test_the_response_time_shows_its_weekday_like_the_other_dates(app, browser):
    clock.freeze(shanghai(2026, 12, 2, 9, 0))  # a Wednesday
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")  # responded at 09:00
    for path in (f"/tickets/{ticket.id}", f"/tasks/{open_item(ticket, 'handle').id}"):
        assert "已响应 2026-12-02 (周三) 09:00" in browser("wenhua").get(path).get_data(as_text=True), path


def test_sign_shows_every_field_error_at_once_keeping_what_was_typed(app, browser):
    ticket = new_ticket()
    item = open_item(ticket, "sign")
    page = browser("paidan").post(f"/tasks/{item.id}", {
        "sign_decision": "转派", "return_reason": "属地不符", "transfer_unit": "", "transfer_reason": "职责在市场监管",
        "sign_note": "请核实"}).get_data(as_text=True)
    errors = _errors(page)
    assert "请填写转派单位" in errors, "the form's own rule (转派 needs a unit)"
    assert any("不能填写“退回原因”" in e for e in errors), "and the task's rule, in the same answer"
    assert len(errors) == 2
    assert "职责在市场监管" in page and "请核实" in page


def test_callback_shows_every_field_error_at_once(app, browser):
    ticket = new_ticket()
    run_to(ticket, "callback")
    item = open_item(ticket, "callback")
    page = browser("huifang").post(f"/tasks/{item.id}", {
        "callback_contacted": "否", "callback_resolved": "解决", "callback_note": "拨打两次"}).get_data(as_text=True)
    errors = _errors(page)
    assert "请选择未联系上原因" in errors and any("不能填写“是否解决”" in e for e in errors) and len(errors) == 2
    assert "拨打两次" in page


def _flash(page: str, kind: str = "success") -> str:
    return re.search(rf'<div class="alert alert-{kind}[^"]*"[^>]*>(.*?)<button', page, re.S).group(1).strip()


def test_respond_confirms_the_first_contact_and_whether_it_was_in_time(app, browser):
    clock.freeze(shanghai(2026, 12, 2, 9, 0))  # a Wednesday; 一般件: 24 hours to respond
    in_time, late = new_ticket("T-1"), new_ticket("T-2", urgency="紧急")  # 紧急: 2 hours
    for ticket in (in_time, late):
        run_to(ticket, stop_before="respond")
    clock.freeze(shanghai(2026, 12, 2, 11, 10))
    wenhua = browser("wenhua")
    contact = {"contact_method": "电话", "contact_person": "王磊", "contact_note": "已电话联系来电人"}
    page = wenhua.post(f"/tasks/{open_item(in_time, 'respond').id}", dict(contact, contact_time="2026-12-02T10:05"),
                       follow_redirects=True).get_data(as_text=True)
    assert _flash(page) == "已响应：首次联系 12-02 10:05（时限内）。"
    page = wenhua.post(f"/tasks/{open_item(late, 'respond').id}", dict(contact, contact_time="2026-12-02T11:05"),
                       follow_redirects=True).get_data(as_text=True)
    assert _flash(page) == "已响应：首次联系 12-02 11:05，已超过响应时限 12-02 11:00，本单计为响应超时。"

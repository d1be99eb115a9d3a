"""Who sees which ticket and whose personal data; the response time is checked against the clock."""

from sqlalchemy import select

from app.extensions import db
from app.models import AccessLog
from tests.helpers import DISPATCH, SIGN, complete, new_ticket, open_item


def test_handlers_see_their_sections_tickets_only(app, browser):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)  # 文化市场管理科
    assert browser("wenhua").get(f"/tickets/{ticket.id}").status_code == 200
    assert browser("lvyou").get(f"/tickets/{ticket.id}").status_code == 403
    assert ticket.ticket_no not in browser("lvyou").get("/tickets/").get_data(as_text=True)
    assert ticket.ticket_no in browser("wenhua").get("/tickets/").get_data(as_text=True)


def test_personal_data_masked_for_roles_that_do_not_need_it(app, browser):
    ticket = new_ticket(caller_phone="13811112222", caller_name="李建国", address="东华路18号")
    reviewer_page = browser("shenhe").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "138****2222" in reviewer_page and "13811112222" not in reviewer_page
    assert "李**" in reviewer_page and "东华路18号" not in reviewer_page
    dispatcher_page = browser("paidan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "13811112222" in dispatcher_page and "东华路18号" in dispatcher_page
    views = db.session.scalars(select(AccessLog)).all()
    assert [(v.user.username, v.action, v.masked) for v in views] == [("shenhe", "view", True),
                                                                      ("paidan", "view", False)], \
        "every view is logged, and whether it showed the personal data"


def test_contact_time_cannot_be_in_the_future_or_before_receipt(app, browser):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    wenhua = browser("wenhua")
    url = f"/tasks/{open_item(ticket, 'respond').id}"
    data = {"contact_method": "电话", "contact_person": "王磊", "contact_note": "已联系"}
    page = wenhua.post(url, dict(data, contact_time="2026-11-25T11:00")).get_data(as_text=True)
    assert "联系时间不能晚于现在" in page and "已联系" in page
    page = wenhua.post(url, dict(data, contact_time="2026-11-24T09:00")).get_data(as_text=True)
    assert "联系时间不能早于工单接收时间" in page
    response = wenhua.post(url, dict(data, contact_time="2026-11-25T10:00"))
    assert response.status_code == 302
    db.session.expire_all()
    assert ticket.first_contact_at is not None


def test_a_contact_registered_after_the_deadline_counts_late_whatever_time_is_typed(app, browser):
    """Backdating the first contact into the response time after the deadline passed does not make it on time."""
    from datetime import timedelta

    from app.engine.clock import clock
    from app.models import TicketEvent

    ticket = new_ticket()  # received 2026-11-25 10:00, response within 24 hours
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    clock.advance(timedelta(hours=27))  # 11-26 13:00: the 响应超时 alert has fired
    wenhua = browser("wenhua")
    response = wenhua.post(f"/tasks/{open_item(ticket, 'respond').id}", {
        "contact_time": "2026-11-25T15:00", "contact_method": "电话", "contact_person": "王磊",
        "contact_note": "已联系"}, follow_redirects=True)
    assert "响应时限 2026-11-26 10:00 已过才登记，本单按登记时间计为响应超时" in response.get_data(as_text=True)
    db.session.expire_all()
    assert ticket.first_contact_at == clock.now() and ticket.first_contact_at > ticket.response_deadline
    titles = [e.title for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
    assert any("填写的联系时间 2026-11-25 15:00" in t and "按登记时间计为响应超时" in t for t in titles)
    # registered in time, a contact a little earlier is taken as typed
    other = new_ticket("T-0002")
    complete(other, "sign", "paidan", **SIGN)
    complete(other, "dispatch", "paidan", **DISPATCH)
    clock.advance(timedelta(hours=1))
    assert wenhua.post(f"/tasks/{open_item(other, 'respond').id}", {
        "contact_time": "2026-11-26T13:30", "contact_method": "电话", "contact_person": "王磊",
        "contact_note": "已联系"}).status_code == 302
    db.session.expire_all()
    assert other.first_contact_at == clock.now() - timedelta(minutes=30)


def test_after_submitting_the_next_own_step_opens(app, browser):
    ticket = new_ticket()
    paidan = browser("paidan")
    response = paidan.post(f"/tasks/{open_item(ticket, 'sign').id}", {"sign_decision": "签收"})
    assert response.headers["Location"].endswith(f"/tasks/{open_item(ticket, 'dispatch').id}")
    assert paidan.get("/login").status_code == 302, "a signed-in user is not shown the login form again"


def test_the_ticket_page_links_an_open_task_only_for_those_who_may_open_it(app, browser):
    """A 统计 or 审核 reader sees the ticket's open 响应 task named, not linked to a 403 page."""
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)  # 响应 is open for 文化市场管理科
    task_url = f"/tasks/{open_item(ticket, 'respond').id}"
    for username in ("tongji", "shenhe", "paidan"):
        reader = browser(username)
        page = reader.get(f"/tickets/{ticket.id}").get_data(as_text=True)
        opens = reader.get(task_url).status_code == 200
        assert (f'href="{task_url}"' in page) == opens, username
    assert f'href="{task_url}"' in browser("wenhua").get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_an_administrator_or_process_owner_sees_callers_masked(app, browser):
    """``admin`` passes every role check, and so saw every caller's name, number and address in full: an
    administrator (here 何工, process owner and admin) manages the system and needs none of them."""
    ticket = new_ticket(no="ADM-1", content="来电人身份证110101199003071234，电话13811112222")
    page = browser("liucheng").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "13811112222" not in page and "110101199003071234" not in page and "东华路18号" not in page
    assert "138****2222" in page and "李**" in page
    assert db.session.scalar(select(AccessLog.masked).where(AccessLog.ticket_id == ticket.id)
                             .order_by(AccessLog.id.desc()).limit(1)) is True
    assert "13811112222" in browser("paidan").get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_small_refusals_say_what_is_wrong(app, browser):
    """A 1900 period was told its format was wrong; an empty enterprise link read 台账中没有“”; a second 督办
    was told 已督办 as if it had started one."""
    zhuguan = browser("zhuguan")
    response = zhuguan.get("/supervisor/rates?period=1900-01", follow_redirects=True)
    assert "考核期 1900-01 超出可查询的年份（2000—2100 年）" in response.get_data(as_text=True)
    response = zhuguan.get("/supervisor/rates?period=2026-13", follow_redirects=True)
    assert "考核期格式应为 YYYY-MM" in response.get_data(as_text=True)
    ticket = new_ticket(no="SUP-1")
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    page = zhuguan.post(f"/enterprises/link-ticket/{ticket.id}", {"enterprise": ""},
                        form_url=f"/tickets/{ticket.id}", follow_redirects=True).get_data(as_text=True)
    assert "请输入要关联的企业全称或统一社会信用代码" in page and "台账中没有“”" not in page
    first = zhuguan.post(f"/casework/tickets/{ticket.id}/supervise", {"interval_days": "2", "note": "尽快办理"},
                         follow_redirects=True).get_data(as_text=True)
    assert "已督办：承办科室将按间隔提交进展报告" in first
    again = zhuguan.post(f"/casework/tickets/{ticket.id}/supervise", {"interval_days": "2", "note": "再次督促"},
                         follow_redirects=True).get_data(as_text=True)
    assert "该工单已在督办中" in again and "已督办：承办科室" not in again

"""The whole lifecycle through the web pages, as each role would click it."""

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Ticket, WorkItem
from tests.helpers import new_ticket, open_item


def item_url(ticket, spec_name):
    return f"/tasks/{open_item(ticket, spec_name).id}"


def submit(browser, ticket, spec_name, data, expect=302):
    url = item_url(ticket, spec_name)
    response = browser.post(url, data)
    assert response.status_code == expect, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    return response


def test_dispatcher_enters_a_ticket_by_hand(app, browser):
    paidan = browser("paidan")
    response = paidan.post("/tickets/new", {
        "ticket_no": "BJ-2026-1", "ticket_type": "投诉", "title": "KTV噪音扰民", "content": "夜间KTV噪音很大",
        "caller_name": "周先生", "caller_phone": "13800001111", "urgency": "紧急", "nature": "主办",
        "source": "其他", "platform_deadline": "2026-12-01T17:00",
    })
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket).where(Ticket.ticket_no == "BJ-2026-1"))
    assert ticket.state == "待签收"
    page = paidan.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "KTV噪音扰民" in page and "2026-12-01 (周二) 17:00" in page
    assert "2026-11-25 (周三) 12:00" in page, "urgent: the response deadline is 2 hours after receipt"


def test_bad_ticket_input_is_explained_and_kept(app, browser):
    paidan = browser("paidan")
    response = paidan.post("/tickets/new", {"ticket_no": "", "title": "网吧问题", "content": "",
                                            "caller_phone": "abc", "ticket_type": "投诉", "urgency": "一般",
                                            "nature": "主办", "source": "市级直派"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "市级直派的工单请填写平台的工单编号" in page and "请填写主要内容" in page and "不允许的字符“abc”" in page
    assert 'value="网吧问题"' in page, "what the user typed is still in the form"
    assert db.session.scalar(select(Ticket.id)) is None


def test_every_role_carries_a_ticket_to_closure_with_return_and_rework(app, browser):
    ticket = new_ticket()
    paidan, wenhua, shenhe, huifang = browser("paidan"), browser("wenhua"), browser("shenhe"), browser("huifang")

    inbox = paidan.get("/?tab=claimable").get_data(as_text=True)
    assert "签收" in inbox and ticket.ticket_no in inbox
    submit(paidan, ticket, "sign", {"sign_decision": "签收", "sign_note": ""})
    submit(paidan, ticket, "dispatch", {"section": "culture_market", "dispatch_note": "请核查"})

    # the section's handlers see it as claimable; another section's do not
    assert ticket.ticket_no in wenhua.get("/?tab=claimable").get_data(as_text=True)
    assert ticket.ticket_no not in browser("lvyou").get("/?tab=claimable").get_data(as_text=True)
    item = open_item(ticket, "respond")
    assert wenhua.post(f"/tasks/{item.id}/claim", form_url=f"/tasks/{item.id}").status_code == 302
    assert ticket.ticket_no in wenhua.get("/").get_data(as_text=True)
    submit(wenhua, ticket, "respond", {"contact_time": "2026-11-25T10:00", "contact_method": "电话",
                                       "contact_person": "王磊", "contact_note": "已联系"})
    handle = {"handle_decision": "提交审核", "party_contact": "已约谈负责人", "actions_taken": "责令整改", "handling_result": "已整改",
              "reply_draft": "经核查已责令整改。"}
    submit(wenhua, ticket, "handle", handle)
    submit(shenhe, ticket, "review", {"review_decision": "退回修改", "review_comment": "请补充依据"})
    assert db.session.get(Ticket, ticket.id).state == "办理中"
    submit(wenhua, ticket, "handle", dict(handle, reply_draft="依据《互联网上网服务营业场所管理条例》已责令整改。"))
    submit(shenhe, ticket, "review", {"review_decision": "通过"})
    submit(huifang, ticket, "callback", {"callback_contacted": "是", "callback_resolved": "未解决",
                                         "callback_satisfied": "不满意"})
    assert db.session.get(Ticket, ticket.id).state == "办理中"
    submit(wenhua, ticket, "handle", handle)
    submit(shenhe, ticket, "review", {"review_decision": "通过"})
    submit(huifang, ticket, "callback", {"callback_contacted": "是", "callback_resolved": "解决",
                                         "callback_satisfied": "满意"})
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.state == "办结" and ticket.outcome == "解决/满意"

    page = browser("zhuguan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    for step in ("完成：签收", "完成：分派", "完成：响应（首次联系来电人）", "完成：回复审核", "完成：回访",
                 "请补充依据", "流程结束：办结"):
        assert step in page, step
    assert page.count("完成：办理<") == 3  # handled, returned by review, handled, not resolved, handled


def test_return_with_reason(app, browser):
    ticket = new_ticket()
    paidan = browser("paidan")
    response = submit(paidan, ticket, "sign", {"sign_decision": "退回", "sign_note": "不属于本局"}, expect=422)
    assert "请选择退回原因" in response.get_data(as_text=True)
    assert "不属于本局" in response.get_data(as_text=True), "typed text survives the error"
    submit(paidan, ticket, "sign", {"sign_decision": "退回", "return_reason": "非本单位职责", "sign_note": "x"})
    assert db.session.get(Ticket, ticket.id).state == "已退回"


def test_permission_denials(app, browser):
    ticket = new_ticket()
    sign_url = item_url(ticket, "sign")
    wenhua = browser("wenhua")
    assert wenhua.get(sign_url).status_code == 403
    assert wenhua.get("/supervisor/").status_code == 403
    assert wenhua.get("/tickets/new").status_code == 403
    response = wenhua.post(f"{sign_url}/claim", form_url="/")
    assert response.status_code == 302
    assert open_item(ticket, "sign").assignee_id is None
    anonymous = browser()
    assert anonymous.get("/").status_code == 302
    assert "/login" in anonymous.get("/").headers["Location"]


def test_posts_without_csrf_token_are_refused(app, browser):
    ticket = new_ticket()
    paidan = browser("paidan")
    response = paidan.client.post(item_url(ticket, "sign"), data={"sign_decision": "签收"})
    assert response.status_code == 400
    assert open_item(ticket, "sign") is not None


def test_inbox_marks_overdue_red_and_due_soon_amber(app, browser):
    from datetime import timedelta

    from app.engine.clock import clock

    late = new_ticket(no="LATE", dispatched_at=clock.now() - timedelta(days=2))
    soon = new_ticket(no="SOON", urgency="紧急")
    calm = new_ticket(no="CALM", platform_deadline=clock.now() + timedelta(days=30))
    page = browser("paidan").get("/?tab=claimable").get_data(as_text=True)
    rows = {no: re.search(rf'<tr class="([^"]*)"[^>]*>(?:(?!</tr>).)*{no}', page, re.S).group(1)
            for no in ("LATE", "SOON", "CALM")}
    assert rows["LATE"] == "row-overdue"
    assert rows["SOON"] == "row-soon"
    assert rows["CALM"] == "row-soon", "sign is due at the 24 h response deadline, within 3 working days"
    assert late and soon and calm
    assert page.index("LATE") < page.index("SOON") < page.index("CALM"), "sorted by due time"


def test_header_counts(app, browser):
    new_ticket(no="A")
    new_ticket(no="B")
    page = browser("paidan").get("/").get_data(as_text=True)
    assert re.search(r'id="count-claimable">2<', page)
    assert re.search(r'id="count-mine">0<', page)
    assert db.session.scalar(select(WorkItem.id).where(WorkItem.assignee_id.is_not(None))) is None


def test_waiting_for_verification_needs_an_inspection(app, browser):
    from tests.helpers import HANDLE, run_to

    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    response = browser("wenhua").post(item_url(ticket, "handle"),
                                      dict(HANDLE, handle_decision="等待现场核实结果"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请先申请现场核实" in page
    assert open_item(ticket, "handle") is not None

"""重复反映: repeat callers and repeat events found at intake, shown side by side, confirmed into the register."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.engine.clock import clock
from app.extensions import db
from app.models import AccessLog, Alert, Ticket
from app.models.repeats import RepeatLink, TicketFingerprint
from app.services import Conflict, PermissionDenied, intake, repeats, rules_settings, textsim
from tests.helpers import new_ticket, open_item, user

# Contents of complaints about one travel agency: two say the same thing in other words.
FORCED_SHOPPING = dict(ticket_type="投诉", topic="旅游->旅行社->合同纠纷", title="旅行社擅自变更行程强制购物",
                       content="来电人参加悦途旅行社三日游，旅行社擅自取消景点并强制购物，要求退还部分团费。",
                       enterprise="悦途国际旅行社有限公司", address="")
FORCED_SHOPPING_AGAIN = dict(FORCED_SHOPPING, title="导游强制购物",
                             content="市民反映参加悦途国际旅行社的三日游，导游强制购物，要求退还团费。",
                             enterprise="悦途国际旅行社")
SIDEWALK = dict(FORCED_SHOPPING, title="旅行社门口堆放杂物", content="旅行社门店门口长期堆放宣传物料和杂物，堵塞人行道。")


def links(ticket, kind=None):
    query = select(RepeatLink).where(RepeatLink.ticket_id == ticket.id)
    if kind:
        query = query.where(RepeatLink.kind == kind)
    return list(db.session.scalars(query.order_by(RepeatLink.id)))


def caller_ticket(no, phone="13811112222", **fields):
    """A ticket about a place of its own, so only the phone can link it."""
    base = dict(caller_phone=phone, enterprise="", address=f"{no}号院", title=f"咨询{no}",
                content=f"来电人咨询第{no}个问题。")
    base.update(fields)
    return new_ticket(no=no, **base)


def test_repeat_caller_by_phone_within_the_window_only(app):
    first = caller_ticket("C-1")
    clock.advance(timedelta(days=10))
    second = caller_ticket("C-2", phone="138-1111-2222")  # written differently, the same number
    other = caller_ticket("C-3", phone="13900000000")
    clock.advance(timedelta(days=31))
    late = caller_ticket("C-4", phone="+86 138 1111 2222")

    found = links(second, "caller")
    assert [(lk.earlier_id, lk.status, lk.score) for lk in found] == [(first.id, "suggested", 1.0)]
    assert links(other) == []
    assert links(late) == [], "31 days after the latest call is outside the 30-day window"
    assert db.session.get(TicketFingerprint, late.id).phone == "13811112222"


def test_window_is_a_setting(app):
    rules_settings.save(user("liucheng"), dict(rules_settings.DEFAULTS.as_form(), window_days="5"))
    caller_ticket("W-1")
    clock.advance(timedelta(days=6))
    assert links(caller_ticket("W-2")) == []
    clock.advance(timedelta(days=4))
    assert len(links(caller_ticket("W-3"))) == 1


def test_repeat_event_similar_content_at_the_same_enterprise(app):
    first = new_ticket(no="E-1", caller_phone="13700000001", **FORCED_SHOPPING)
    clock.advance(timedelta(days=2))
    again = new_ticket(no="E-2", caller_phone="13700000002", **FORCED_SHOPPING_AGAIN)
    unrelated = new_ticket(no="E-3", caller_phone="13700000003", **SIDEWALK)
    elsewhere = new_ticket(no="E-4", caller_phone="13700000004", **dict(FORCED_SHOPPING, enterprise="星河旅行社"))

    [link] = links(again)
    assert (link.kind, link.earlier_id, link.key_kind, link.key_value) == ("event", first.id, "enterprise", "悦途国际旅行社")
    assert link.score >= 0.6
    assert links(unrelated) == [], "same enterprise, different complaint: not a repeat"
    assert links(elsewhere) == [], "same complaint about another enterprise: not a repeat"


def test_repeat_event_at_the_same_address_written_differently(app):
    base = dict(enterprise="", content="小区旁边的KTV每天夜里唱歌到凌晨两点，噪音扰民，影响休息。", title="KTV噪音扰民")
    first = new_ticket(no="A-1", caller_phone="13700000011", address="东城区东华路18号", **base)
    again = new_ticket(no="A-2", caller_phone="13700000012", address="北京市 东华路１８号",
                       **dict(base, content="反映东华路18号的KTV每天夜里唱到凌晨，噪音扰民，吵得睡不着。"))
    [link] = links(again)
    assert (link.kind, link.earlier_id, link.key_kind) == ("event", first.id, "address")


def test_similarity_separates_the_same_complaint_from_another_one(app):
    a = textsim.tokens("网吧允许未成年人进入上网 来电人反映某网吧晚上有未成年人上网，网吧未核验身份证。")
    b = textsim.tokens("极速网咖接纳未成年人 市民反映极速网咖晚上有很多未成年人在上网，没有查验身份证。", ("极速网咖",))
    c = textsim.tokens("网咖门口噪音扰民 来电人反映网咖门口晚上顾客喧哗，噪音很大，影响休息。")
    assert textsim.similarity(a, b) >= 0.8
    assert textsim.similarity(a, c) < 0.45 and textsim.similarity(b, c) < 0.45


def test_every_channel_is_checked(app):
    first = new_ticket(no="P-1", caller_phone="13811112222")
    fields = dict(ticket_no="P-2", ticket_type="咨询", topic="", title="平台推送", content="来电人咨询演出票。",
                  caller_name="", caller_phone="13811112222", district="", street="", community="", address="",
                  enterprise="", urgency="一般", nature="主办", source="市级直派", called_at=None, dispatched_at=None,
                  platform_deadline=None)
    pushed = intake.receive_ticket(fields, None, channel="api").ticket
    assert [lk.earlier_id for lk in links(pushed, "caller")] == [first.id]


def test_a_failing_check_never_loses_the_ticket(app, monkeypatch):
    new_ticket(no="F-1")

    def broken(*_args):
        raise RuntimeError("similarity engine unavailable")

    monkeypatch.setattr(textsim, "similarity", broken)
    ticket = new_ticket(no="F-2")
    assert db.session.get(Ticket, ticket.id) is not None
    assert open_item(ticket, "sign") is not None
    alert = db.session.scalar(select(Alert).where(Alert.ticket_id == ticket.id, Alert.kind == "重复检测出错"))
    assert alert.message.endswith("：内部错误") and "similarity" not in alert.message, "the English text is in the log only"
    assert links(ticket) == [], "nothing half-written"


def test_dispatcher_sees_the_link_on_the_sign_task_and_side_by_side(app, browser):
    first = new_ticket(no="S-1", caller_phone="13700000001", caller_name="王女士", **FORCED_SHOPPING)
    again = new_ticket(no="S-2", caller_phone="13700000002", **FORCED_SHOPPING_AGAIN)
    paidan = browser("paidan")
    item_id = open_item(again, 'sign').id
    page = paidan.get(f"/tasks/{item_id}").get_data(as_text=True)
    assert f'hx-get="/tasks/{item_id}/context"' in page, "the panels come after the form"
    page = paidan.get(f"/tasks/{item_id}/context").get_data(as_text=True)
    panel = page.split('id="repeat-panel"')[1]
    assert "S-1" in panel and "重复反映事件" in panel and "确认重复" in panel

    [link] = links(again)
    page = paidan.get(f"/repeats/{link.id}").get_data(as_text=True)
    sides = page.split('id="side-by-side"')[1]
    assert sides.index("S-2") < sides.index("S-1"), "the new ticket on the left, the earlier one beside it"
    assert FORCED_SHOPPING["content"] in sides and FORCED_SHOPPING_AGAIN["content"] in sides
    assert "13700000001" in sides and "王女士" in sides, "a dispatcher sees the callers in full"
    assert "强制购物" in page.split("共同关键词")[1], "the shared words are shown"
    assert db.session.scalar(select(AccessLog).where(AccessLog.ticket_id == first.id)) is not None


def test_confirm_reject_and_the_register_counts(app, browser):
    caller_ticket("R-1")
    clock.advance(timedelta(days=1))
    b = caller_ticket("R-2")
    clock.advance(timedelta(days=1))
    c = caller_ticket("R-3")
    x = new_ticket(no="R-4", caller_phone="13700000001", **FORCED_SHOPPING)
    y = new_ticket(no="R-5", caller_phone="13700000002", **FORCED_SHOPPING_AGAIN)
    b_a = links(b)[0]
    c_a, c_b = sorted(links(c), key=lambda lk: lk.earlier_id)
    [y_x] = links(y)

    paidan = browser("paidan")
    for link, decision in ((b_a, "confirm"), (c_b, "confirm"), (c_a, "reject"), (y_x, "confirm")):
        response = paidan.post(f"/repeats/{link.id}/decide", {"decision": decision, "note": "核实"},
                               form_url=f"/repeats/{link.id}")
        assert response.status_code == 302
    db.session.expire_all()
    assert (b_a.status, c_b.status, c_a.status) == ("confirmed", "confirmed", "rejected")
    assert c_a.decided_by.username == "paidan" and c_a.decided_at == clock.now()

    with pytest.raises(Conflict):
        repeats.decide(c_a.id, user("zhiban"), True)
    response = paidan.post(f"/repeats/{c_a.id}/decide", {"decision": "confirm"}, form_url=f"/repeats/{c_a.id}",
                           follow_redirects=True)
    assert "该关联已由 张敏 处理为“已否定”" in response.get_data(as_text=True)

    page = paidan.get("/repeats/register").get_data(as_text=True)
    assert 'id="count-callers">1<' in page and 'id="count-events">1<' in page and 'id="count-tickets">5<' in page
    rows = page.split('id="register"')[1]
    caller_row = rows.split('data-kind="caller"')[1].split("</tr>")[0]
    assert "13811112222" in caller_row and 'register-count">3<' in caller_row
    assert all(no in caller_row for no in ("R-1", "R-2", "R-3"))
    event_row = rows.split('data-kind="event"')[1].split("</tr>")[0]
    assert "悦途国际旅行社" in event_row and 'register-count">2<' in event_row

    only_events = paidan.get("/repeats/register?kind=event").get_data(as_text=True)
    assert 'data-kind="caller"' not in only_events and 'data-kind="event"' in only_events
    assert "R-1" not in paidan.get("/repeats/register?q=悦途").get_data(as_text=True)
    for typed in ("138-1111-2222", "１３８１１１１２２２２"):  # as written on a note, as a Chinese IME types it
        found = paidan.get(f"/repeats/register?q={typed}").get_data(as_text=True)
        assert 'data-kind="caller"' in found and 'data-kind="event"' not in found, typed
    assert "没有符合条件" in paidan.get("/repeats/register?min=4").get_data(as_text=True)
    assert "没有符合条件" in paidan.get("/repeats/register?to=2026-11-01").get_data(as_text=True)
    assert x.id in {t.id for row in repeats.register(user("paidan"), "event") for t in row.tickets}


def test_phone_numbers_masked_for_roles_that_do_not_need_them(app, browser):
    caller_ticket("M-1", caller_name="李先生")
    b = caller_ticket("M-2")
    repeats.decide(links(b)[0].id, user("paidan"), True)

    analyst = browser("tongji").get("/repeats/register").get_data(as_text=True)
    assert "138****2222" in analyst and "13811112222" not in analyst and "已按权限隐去" in analyst
    compare = browser("tongji").get(f"/repeats/{links(b)[0].id}").get_data(as_text=True)
    assert "13811112222" not in compare and "李先生" not in compare
    assert "确认为" not in compare, "an analyst reads, a dispatcher decides"
    with pytest.raises(PermissionDenied):
        repeats.decide(links(b)[0].id, user("tongji"), False)

    supervisor = browser("zhuguan").get("/repeats/register").get_data(as_text=True)
    assert "13811112222" in supervisor
    assert db.session.scalar(select(AccessLog).where(AccessLog.where == "重复反映登记")) is not None
    assert browser("wenhua").get("/repeats/register").status_code == 403


def test_bad_note_is_refused_and_nothing_changes(app):
    caller_ticket("N-1")
    b = caller_ticket("N-2")
    link = links(b)[0]
    with pytest.raises(Exception, match="300"):
        repeats.decide(link.id, user("paidan"), True, "长" * 301)
    db.session.expire_all()
    assert link.status == "suggested"


def test_detection_reads_only_the_window_through_the_indexes(app):
    """The candidates query names the key and the window (what the per-key index serves)."""
    from sqlalchemy import event

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        caller_ticket("I-1")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    lookups = [s for s in statements if "FROM ticket_fingerprint" in s and "ticket_fingerprint.phone =" in s]
    assert lookups and all("ticket_fingerprint.at >=" in s and "LIMIT" in s for s in lookups)
    assert not any("FROM ticket " in s and "caller_phone" in s for s in statements), "no scan of the ticket table"


def test_backfill_fingerprints_tickets_stored_before_detection(app):
    first = caller_ticket("B-1")
    db.session.delete(db.session.get(TicketFingerprint, first.id))
    db.session.commit()
    assert repeats.backfill_fingerprints() == 1
    assert db.session.get(TicketFingerprint, first.id).phone == "13811112222"
    assert repeats.backfill_fingerprints() == 0
    assert [lk.earlier_id for lk in links(caller_ticket("B-2"))] == [first.id]


def test_a_decision_taken_back_leaves_the_register_and_can_be_made_again(app, browser):
    caller_ticket("U-1")
    clock.advance(timedelta(days=1))
    later = caller_ticket("U-2")
    [link] = links(later)
    paidan = browser("paidan")
    paidan.post(f"/repeats/{link.id}/decide", {"decision": "confirm"}, form_url=f"/repeats/{link.id}")
    assert 'id="count-callers">1<' in paidan.get("/repeats/register").get_data(as_text=True)
    page = paidan.get(f"/repeats/{link.id}").get_data(as_text=True)
    assert "撤销“已确认”" in page

    refused = paidan.post(f"/repeats/{link.id}/reopen", {"reason": " ", "was": "confirmed"},
                          form_url=f"/repeats/{link.id}", follow_redirects=True).get_data(as_text=True)
    assert "请填写撤销的原因" in refused
    db.session.expire_all()
    assert link.status == "confirmed"

    response = paidan.post(f"/repeats/{link.id}/reopen", {"reason": "号码是单位总机，不是同一人", "was": "confirmed"},
                           form_url=f"/repeats/{link.id}", follow_redirects=True)
    assert "已撤销，该关联重新待确认" in response.get_data(as_text=True)
    db.session.expire_all()
    assert link.status == "suggested" and link.decided_by is None
    assert 'id="count-callers">0<' in paidan.get("/repeats/register").get_data(as_text=True)
    timeline = paidan.get(f"/tickets/{later.id}").get_data(as_text=True)
    assert "撤销重复反映人的“已确认”：与 U-1" in timeline and "号码是单位总机" in timeline

    with pytest.raises(Conflict):  # a second person taking back what is already back
        repeats.reopen(link.id, user("zhiban"), "重复操作", "confirmed")
    with pytest.raises(PermissionDenied):
        repeats.reopen(link.id, user("wenhua"), "承办人无权", "confirmed")
    repeats.decide(link.id, user("zhiban"), False, "核实不是同一人")
    db.session.expire_all()
    assert link.status == "rejected" and link.decided_by.username == "zhiban"


def test_a_refused_take_back_keeps_the_typed_reason_and_says_what_is_wrong(app, browser):
    """撤销 refused: the 比对 page again, its 撤销 form open with the reason as typed and the message on the
    field (too long, blank), or, when someone decided meanwhile, the page as it is now with the reason kept."""
    import re

    caller_ticket("K-1")
    clock.advance(timedelta(days=1))
    [link] = links(caller_ticket("K-2"))
    paidan = browser("paidan")
    paidan.post(f"/repeats/{link.id}/decide", {"decision": "confirm"}, form_url=f"/repeats/{link.id}")

    typed = "号码是单位总机" * 50  # 350 characters: past the 300 the field allows
    response = paidan.post(f"/repeats/{link.id}/reopen", {"reason": typed, "was": "confirmed"},
                           form_url=f"/repeats/{link.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<details class="mt-2" id="reopen" open>' in page
    field = re.search(r'<input class="form-control is-invalid" id="reason"[^>]*>', page).group(0)
    assert f'value="{typed}"' in field
    assert "撤销原因不能超过 300 个字（现 350 个字）" in page and "撤销未完成" in page
    db.session.expire_all()
    assert link.status == "confirmed"

    page = paidan.post(f"/repeats/{link.id}/reopen", {"reason": "   ", "was": "confirmed"},
                       form_url=f"/repeats/{link.id}").get_data(as_text=True)
    assert "请填写撤销的原因" in page and 'id="reason-error"' in page

    repeats.reopen(link.id, user("zhiban"), "先撤销", "confirmed")
    repeats.decide(link.id, user("zhiban"), False, "核实不是同一人")  # 已否定 meanwhile
    response = paidan.post(f"/repeats/{link.id}/reopen", {"reason": "单位总机", "was": "confirmed"},
                           form_url=f"/repeats/{link.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "已有人处理过" in page and "撤销“已否定”" in page
    assert 'value="单位总机"' in page and 'name="was" value="rejected"' in page
    db.session.expire_all()
    assert link.status == "rejected"


def test_a_refused_decision_keeps_the_typed_note_and_says_what_is_wrong(app, browser):
    """确认 / 不是重复 refused: the 比对 page again (422) with the 说明 as typed and the message on the field,
    nothing decided; decided meanwhile: the page as it is now (409), saying who decided what."""
    import re

    caller_ticket("D-1")
    clock.advance(timedelta(days=1))
    [link] = links(caller_ticket("D-2"))
    paidan = browser("paidan")
    typed = "同一来电人反映同一网吧" * 31  # 341 characters: past the 300 the field allows
    for decision in ("confirm", "reject"):
        response = paidan.post(f"/repeats/{link.id}/decide", {"decision": decision, "note": typed},
                               form_url=f"/repeats/{link.id}")
        page = response.get_data(as_text=True)
        assert response.status_code == 422, decision
        field = re.search(r'<input class="form-control is-invalid" id="note"[^>]*>', page).group(0)
        assert f'value="{typed}"' in field and 'data-maxlength="300"' in field and " maxlength=" not in field
        assert 'id="note-error">说明不能超过 300 个字（现 341 个字）' in page and "未处理，请按提示修改说明" in page
        assert 'id="decide-form"' in page
        db.session.expire_all()
        assert link.status == "suggested" and link.decided_by is None

    repeats.decide(link.id, user("zhiban"), False, "核实不是同一人")  # 已否定 meanwhile
    response = paidan.post(f"/repeats/{link.id}/decide", {"decision": "confirm", "note": "同一人"},
                           form_url=f"/repeats/{link.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "该关联已由 刘洋 处理为“已否定”" in page and 'id="decide-form"' not in page
    db.session.expire_all()
    assert link.status == "rejected"


def test_the_register_and_ledger_searches_are_in_the_access_log(app, browser):
    caller_ticket("L-1")
    clock.advance(timedelta(days=1))
    later = caller_ticket("L-2")
    repeats.decide(links(later)[0].id, user("paidan"), True)
    paidan = browser("paidan")
    assert "13811112222" in paidan.get("/repeats/register").get_data(as_text=True)
    paidan.get("/tickets/?q=13811112222")
    paidan.get("/tickets/?q=咨询")
    rows = {(r.where, r.masked, r.detail) for r in db.session.scalars(
        select(AccessLog).where(AccessLog.user_id == user("paidan").id))}
    assert [r for r in rows if r[0] == "重复反映登记"] == [("重复反映登记", False, "第 1 页，按号码或地址的 1 组")], rows
    assert ("案件台账：按来电号码查询", False, "来电号码 138****2222，2 件") in rows, rows
    assert any(where == "案件台账搜索" and detail.startswith("搜索“咨询”") for where, _m, detail in rows), rows

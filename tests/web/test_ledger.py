"""案件台账: filters, notes, Excel export with masking and an access log."""

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from app.engine.clock import clock
from app.extensions import db
from app.models import AccessLog
from tests.conftest import shanghai
from tests.helpers import DISPATCH, SIGN, complete, export_ledger, new_ticket


def test_filters_and_free_text_search(app, browser):
    clock.freeze(shanghai(2026, 10, 20, 10, 0))
    old = new_ticket(no="OCT-1", title="景区门票纠纷", topic="旅游->景区", ticket_type="投诉")
    clock.freeze(shanghai(2026, 11, 20, 10, 0))
    new_ticket(no="NOV-1", title="网吧未成年人", topic="文化->文化市场->网吧", ticket_type="举报")
    late = new_ticket(no="NOV-2", title="KTV噪音", topic="文化->娱乐场所->KTV", dispatched_at=clock.now() - timedelta(days=15))
    zhuguan = browser("zhuguan")

    def numbers(query):
        page = zhuguan.get(f"/tickets/?{query}").get_data(as_text=True)
        table = page.split('id="ledger"')[1]
        return sorted(no for no in ("OCT-1", "NOV-1", "NOV-2") if f">{no}<" in table)

    assert numbers("period=2026-11") == ["NOV-1", "NOV-2"]
    assert numbers("topic=网吧") == ["NOV-1"]
    assert numbers("topic=%25") == [] and numbers("topic=_") == [], "a typed % or _ is no wildcard"
    assert numbers("type=投诉&period=2026-10") == ["OCT-1"]
    assert numbers("overdue=1") == ["NOV-2", "OCT-1"]  # both still open past their deadline
    assert numbers("excluded=no") == ["NOV-1", "NOV-2", "OCT-1"]
    zhuguan.post(f"/tickets/{old.id}/notes", {"text": "与文旅执法队联合处理"}, form_url=f"/tickets/{old.id}")
    assert numbers("q=联合处理") == ["OCT-1"]
    assert "与文旅执法队联合处理" in zhuguan.get(f"/tickets/{old.id}").get_data(as_text=True)
    assert late.reply_deadline < clock.now()


def test_empty_note_is_refused(app, browser):
    ticket = new_ticket()
    paidan = browser("paidan")
    paidan.post(f"/tickets/{ticket.id}/notes", {"text": "   "}, form_url=f"/tickets/{ticket.id}")
    assert "备注不能为空" in paidan.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_the_same_note_saved_again_within_minutes_is_kept_once(app, browser):
    """Back then 保存备注 (the browser keeps the saved text in the box) added the note a second time."""
    from app.models import TicketNote

    clock.freeze(shanghai(2026, 12, 1, 10, 0))
    ticket = new_ticket()
    paidan = browser("paidan")
    for second in (0, 40):
        clock.freeze(shanghai(2026, 12, 1, 10, 0, second))
        paidan.post(f"/tickets/{ticket.id}/notes", {"text": "已电话联系企业负责人"}, form_url=f"/tickets/{ticket.id}")
    count = db.session.scalar(select(db.func.count()).select_from(TicketNote).where(TicketNote.ticket_id == ticket.id))
    assert count == 1
    clock.freeze(shanghai(2026, 12, 1, 10, 5))  # the same words minutes later are a note of their own
    paidan.post(f"/tickets/{ticket.id}/notes", {"text": "已电话联系企业负责人"}, form_url=f"/tickets/{ticket.id}")
    count = db.session.scalar(select(db.func.count()).select_from(TicketNote).where(TicketNote.ticket_id == ticket.id))
    assert count == 2


def test_export_masks_phones_for_roles_that_may_not_see_them(app, browser):
    ticket = new_ticket(no="EXP-1", caller_phone="13811112222", caller_name="李建国")
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)

    def sheet(username):
        response = export_ledger(browser(username))
        assert response.status_code == 200
        ws = load_workbook(io.BytesIO(response.data)).active
        header = [c.value for c in ws[1]]
        row = {header[i]: c.value for i, c in enumerate(ws[2])}
        return row

    analyst = sheet("tongji")
    assert analyst["工单编号"] == "EXP-1" and analyst["来电号码"] == "138****2222" and analyst["来电人"] == "李**"
    dispatcher = sheet("paidan")
    assert dispatcher["来电号码"] == "13811112222" and dispatcher["承办科室"] == "文化市场管理科"
    logs = db.session.scalars(select(AccessLog).where(AccessLog.action == "export")).all()
    assert [log.user.username for log in logs] == ["tongji", "paidan"]
    assert "未脱敏 1" in logs[1].where and "未脱敏 0" in logs[0].where


def test_repeat_filter_lists_tickets_of_confirmed_repeats(app, browser):
    from app.services import repeats
    from tests.helpers import user

    first = new_ticket(no="REP-1", caller_phone="13700001111", enterprise="甲", address="甲路1号")
    second = new_ticket(no="REP-2", caller_phone="13700001111", enterprise="乙", address="乙路2号")
    new_ticket(no="OTHER", caller_phone="13600002222", enterprise="丙", address="丙路3号")
    link = repeats.links_for(second)[0]
    repeats.decide(link.id, user("paidan"), confirm=True)
    page = browser("zhuguan").get("/tickets/?repeat=1").get_data(as_text=True).split('id="ledger"')[1]
    assert ">REP-1<" in page and ">REP-2<" in page and ">OTHER<" not in page
    assert first.id != second.id


def test_export_columns_fit_their_text_and_the_header_row_stays_in_view(app, browser):
    from app.services.spreadsheets.writing import text_width

    new_ticket(no="WIDTH-1", content="来电人反映网吧晚上允许未成年人进入上网，未核验身份证。")
    response = export_ledger(browser("tongji"))
    ws = load_workbook(io.BytesIO(response.data)).active
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    width = {h: ws.column_dimensions[c.column_letter].width for h, c in zip(header, ws[1], strict=True)}
    row = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert all(width[h] >= text_width(h) + 2 for h in header)  # every header readable (Chinese: 2 columns a character)
    assert width["主要内容"] >= 40 > width["状态"]  # long text wide, short values narrow
    assert width["工单编号"] >= text_width(row["工单编号"]) and width["来电号码"] >= len("13811112222")
    assert width["接收时间"] >= len("2026-11-25 10:00") and width["办理时限（计算）"] >= len("2026-11-25 10:00")


def test_the_search_box_says_what_a_masked_reader_can_search(app, browser):
    """统计 was told the box searched 地址 and found nothing by an address: it no longer says so."""
    new_ticket()
    tongji = browser("tongji").get("/tickets/").get_data(as_text=True)
    assert 'placeholder="工单编号、标题、内容、企业、备注"' in tongji and "不能按来电人的地址或号码查找" in tongji
    paidan = browser("paidan").get("/tickets/").get_data(as_text=True)
    assert "工单编号、标题、内容、企业、地址、备注、来电号码" in paidan

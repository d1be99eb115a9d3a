"""Service-level helpers shared by tests: enter a ticket, find and complete its tasks."""

from __future__ import annotations

import html
import io
import re
import zipfile

from openpyxl import Workbook
from sqlalchemy import select

from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import Ticket, User, WorkItem
from app.services import completion, tickets


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def new_ticket(no="T-0001", **fields) -> Ticket:
    base = dict(ticket_no=no, ticket_type="投诉", topic="文化->文化市场->网吧", title="网吧接纳未成年人",
                content="来电人反映网吧接纳未成年人上网。", caller_name="李先生", caller_phone="13811112222",
                district="本区", street="东华街道", community="", address="东华路18号", enterprise="极速网咖",
                urgency="一般", nature="主办", source="市级直派", called_at=None, dispatched_at=None,
                platform_deadline=None)
    base.update(fields)
    return tickets.create_ticket(base, user("paidan"))


def open_item(ticket: Ticket, spec_name: str) -> WorkItem | None:
    return db.session.scalar(select(WorkItem).where(
        WorkItem.ticket_id == ticket.id, WorkItem.spec_name == spec_name, WorkItem.state == "ready"))


def complete(ticket: Ticket, spec_name: str, username: str, **data) -> WorkItem:
    item = open_item(ticket, spec_name)
    assert item is not None, f"{spec_name} is not ready for {ticket.ticket_no}"
    if "contact_time" in data and data["contact_time"] is None:  # RESPOND: the caller is reached now
        data["contact_time"] = to_iso(clock.now())
    display = [[k, str(v)] for k, v in data.items()]
    return completion.complete_task(item.id, user(username), completion.Submission(data, display)).item


SIGN = {"sign_decision": "签收", "return_reason": None, "sign_note": ""}
DISPATCH = {"section": "culture_market", "dispatch_note": "请文化市场科办理"}
RESPOND = {"contact_time": None, "contact_method": "电话", "contact_person": "王磊",
           "contact_note": "已电话联系来电人"}
HANDLE = {"handle_decision": "提交审核", "party_contact": "已约谈网咖负责人", "actions_taken": "现场检查并责令整改",
          "handling_result": "网咖已整改", "reply_draft": "经核查，网咖存在接纳未成年人问题，已责令整改。"}
APPROVE = {"review_decision": "通过", "review_comment": ""}
RESOLVED = {"callback_contacted": "是", "callback_resolved": "解决", "callback_satisfied": "满意",
            "callback_unreached": None, "callback_note": ""}
UNRESOLVED = dict(RESOLVED, callback_resolved="未解决", callback_satisfied="不满意")


def run_to(ticket: Ticket, stop_before: str) -> None:
    """Carry a ticket through the main line up to (not including) the named task."""
    steps = [("sign", "paidan", SIGN), ("dispatch", "paidan", DISPATCH), ("respond", "wenhua", RESPOND),
             ("handle", "wenhua", HANDLE), ("review", "shenhe", APPROVE), ("callback", "huifang", RESOLVED)]
    for spec_name, username, data in steps:
        if spec_name == stop_before:
            return
        complete(ticket, spec_name, username, **data)


def xlsx(header, rows) -> bytes:
    """An Excel workbook as a user saves it: a header row, then the rows (dates as date cells)."""
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SHEET_START = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def xlsx_with_sheet(sheet_xml: str) -> bytes:
    """A workbook whose first sheet's XML is ``sheet_xml`` (a zip bomb, an entity bomb), the rest as Excel saves it."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(["工单编号"], [])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, sheet_xml if name == "xl/worksheets/sheet1.xml" else source.read(name))
    return out.getvalue()


def zip_bomb_xlsx(megabytes: int = 4) -> bytes:
    """A valid workbook whose sheet is megabytes of spaces: a few KB of zip."""
    return xlsx_with_sheet(SHEET_START + " " * (megabytes * 1024 * 1024) + "<sheetData/></worksheet>")


def entity_bomb_xlsx() -> bytes:
    """Billion laughs in the sheet's first cell (after the dimension openpyxl reads on opening, so the
    expansion happens while the rows are read)."""
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    return xlsx_with_sheet(f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>{SHEET_START}'
                           '<dimension ref="A1"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is>'
                           '</c></row></sheetData></worksheet>')



def retire_report_cycle():
    """The seeded 报表周期 fires at 08:00 of every working day: a test that counts a sweep's firings
    ends it first, so the count is its own diagram's."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models import ProcessInstance
    from app.services.reports import archive

    db.session.execute(update(ProcessInstance).where(ProcessInstance.business_key == archive.BUSINESS_KEY)
                       .values(status="done", next_timer_at=None))
    db.session.commit()


def shown_task_page(client, item_id: int) -> str:
    """A task page as the browser shows it: the page, then each fragment it loads at once (``hx-trigger="load"``:
    the case actions, repeat links, field work and 办理记录 beside a main-line task's form)."""
    page = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    for url in re.findall(r'hx-get="([^"]+)" hx-trigger="load"', page):
        fragment = client.get(html.unescape(url))
        assert fragment.status_code == 200, (url, fragment.status_code)
        page += fragment.get_data(as_text=True)
    return page



def export_ledger(browser, query: str = ""):
    """Press the 案件台账's 导出 Excel button on the ledger filtered by ``query``: the form's action (which
    carries the filters) is read from the page, as a person's browser would, and posted with the CSRF token."""
    ledger_url = "/tickets/" + (f"?{query}" if query else "")
    page = browser.get(ledger_url).get_data(as_text=True)
    form = re.search(r'<form method="post"[^>]*id="export-form" action="([^"]+)">', page)
    assert form, "no 导出 form on the ledger"
    return browser.post(html.unescape(form.group(1)), form_url=ledger_url)

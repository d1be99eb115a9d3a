"""行业台账: credit codes checked by their check digit, Excel import and export, history, licence warnings."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import Enterprise, EnterpriseTicket, WorkItem
from app.services import enterprises, inbox, spreadsheets
from app.services.timers import sweep
from tests.field_helpers import code, make_enterprise
from tests.helpers import new_ticket, user, xlsx


def test_an_invalid_code_is_refused_on_the_form_and_what_was_typed_is_kept(app, browser):
    jiancha = browser("jiancha")
    response = jiancha.post("/enterprises/new", {"name": "星空网络会所", "credit_code": "91110105MA001QK014",
                                                 "kind": "internet_cafe", "risk_level": "medium",
                                                 "address": "西城路66号"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "统一社会信用代码校验位不正确" in page
    assert 'value="星空网络会所"' in page and 'value="91110105MA001QK014"' in page and 'value="西城路66号"' in page
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0

    response = jiancha.post("/enterprises/new", {"name": "星空网络会所", "credit_code": "91110105ma001qk013",
                                                 "kind": "internet_cafe", "risk_level": "medium"})
    assert response.status_code == 302
    ent = db.session.scalar(select(Enterprise))
    assert (ent.name, ent.credit_code, ent.kind_label) == ("星空网络会所", "91110105MA001QK013", "网吧")
    again = jiancha.post("/enterprises/new", {"name": "别的名字", "credit_code": code(1), "kind": "ktv",
                                              "risk_level": "low"})
    assert again.status_code == 422 and "已在台账中" in again.get_data(as_text=True)


def test_only_inspectors_and_supervisors_keep_the_ledger(app, browser):
    assert browser("wenhua").get("/enterprises/new").status_code == 403
    assert browser("wenhua").get("/enterprises/").status_code == 200, "handlers read the ledger"
    assert browser("zhuguan").get("/enterprises/new").status_code == 200


# -- Excel import and export -------------------------------------------------------------------------------

def _xlsx(rows, header=("企业名称", "统一社会信用代码", "企业类型", "许可证号", "许可证有效期至", "地址", "风险等级")) -> bytes:
    return xlsx(header, rows)


def read(content: bytes):
    """A ledger spreadsheet checked against the ledger (nothing written)."""
    return enterprises.importing.preview_import(spreadsheets.read_table(content, enterprises.importing.LAYOUT,
                                                                         "台账.xlsx"))


def import_file(content: bytes, username="jiancha"):
    """Upload (staged on the server) and confirm, as the import page does."""
    staged = enterprises.IMPORT.upload(io.BytesIO(content), "台账.xlsx", user(username))
    return enterprises.IMPORT.confirm(staged.token, user(username))


GOOD = [
    ("极速网咖", code(1), "网吧", "京网文〔2024〕0018号", date(2027, 6, 30), "东华路18号", "高"),
    ("悦途国际旅行社有限公司", code(2), "旅行社", "L-BJ-CJ00123", "2027-05-31", "西城路8号", "中"),
    ("彩虹艺术培训中心", code(3), "艺术培训机构", "", None, "南苑路6号", "低"),
]


def test_import_previews_errors_per_row_and_writes_nothing_until_all_rows_are_right(app):
    bad = GOOD + [
        ("", code(4), "网吧", "", None, "", "高"),
        ("错误代码公司", "91110105MA005QK059", "KTV", "", None, "", "中"),
        ("重复代码公司", code(1), "书店", "", None, "", "低"),
        ("类型不明公司", code(6), "洗浴中心", "", "2027-02-30", "", "极高"),
    ]
    preview = read(_xlsx(bad))
    assert not preview.valid
    errors = {row.number: row.errors for row in preview.rows if row.errors}
    assert set(errors) == {5, 6, 7, 8}, "spreadsheet row numbers (the header is row 1)"
    assert "请填写企业名称" in errors[5]["name"]
    assert "校验位不正确" in errors[6]["credit_code"]
    assert "与第 2 行的统一社会信用代码重复" in errors[7]["credit_code"]
    assert "企业类型“洗浴中心”无效" in errors[8]["kind"]
    assert "风险等级“极高”无效" in errors[8]["risk_level"]
    assert "不是有效日期" in errors[8]["licence_expiry"]
    with pytest.raises(Exception, match="表格有误"):
        import_file(_xlsx(bad))
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0


def test_import_is_idempotent_on_the_credit_code(app):
    first = import_file(_xlsx(GOOD))
    assert (first.count("新增"), first.count("更新")) == (3, 0)
    assert db.session.scalar(select(func.count(Enterprise.id))) == 3
    again = import_file(_xlsx(GOOD))
    assert (again.count("新增"), again.count("更新"), again.count("无变化")) == (0, 0, 3)
    changed = [GOOD[0][:4] + (date(2028, 6, 30), "东华路20号", "中")] + GOOD[1:]
    preview = read(_xlsx(changed))
    assert preview.rows[0].action == "更新" and set(preview.rows[0].changes) == {"许可证有效期至", "地址", "风险等级"}
    import_file(_xlsx(changed))
    cafe = enterprises.by_code(code(1))
    assert (cafe.licence_expiry, cafe.address, cafe.risk_level) == (date(2028, 6, 30), "东华路20号", "medium")
    assert db.session.scalar(select(func.count(Enterprise.id))) == 3


def test_import_through_the_pages_preview_then_confirm(app, browser):
    jiancha = browser("jiancha")
    response = jiancha.post("/enterprises/import", {"file": (io.BytesIO(_xlsx(GOOD)), "台账.xlsx")},
                            content_type="multipart/form-data", form_url="/enterprises/import")
    assert response.status_code == 302, "the upload is staged and its preview has an address of its own"
    preview_url = response.headers["Location"]
    page = jiancha.get(preview_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "新增 3 家" in html and "确认导入" in html
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0, "a preview writes nothing"
    assert "新增 3 家" in jiancha.get(preview_url).get_data(as_text=True), "a reload shows the preview again"
    assert browser("zhuguan").get(preview_url).status_code == 302, "another user's upload is not theirs to see"

    done = jiancha.post(preview_url + "/confirm", form_url=preview_url)
    assert done.status_code == 302
    assert db.session.scalar(select(func.count(Enterprise.id))) == 3
    again = jiancha.post(preview_url + "/confirm", form_url="/enterprises/import")
    assert again.status_code == 302 and "不会重复导入" in jiancha.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Enterprise.id))) == 3

    not_a_ledger = jiancha.post("/enterprises/import", {"file": (io.BytesIO(b"name,code\n"), "a.csv")},
                                content_type="multipart/form-data", form_url="/enterprises/import")
    assert not_a_ledger.status_code == 422 and "找不到表头" in not_a_ledger.get_data(as_text=True)
    not_excel = jiancha.post("/enterprises/import", {"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
                             content_type="multipart/form-data", form_url="/enterprises/import")
    assert not_excel.status_code == 422 and "不支持的文件类型“.pdf”" in not_excel.get_data(as_text=True)


def test_the_ledger_exports_to_excel(app, browser):
    import_file(_xlsx(GOOD))
    assert browser("tongji").get("/enterprises/export.xlsx").status_code == 403, "not for every role"
    response = browser("jiancha").get("/enterprises/export.xlsx")
    assert response.status_code == 200
    from app.models import AccessLog

    logged = db.session.scalars(select(AccessLog).where(AccessLog.action == "export")).all()
    assert [(a.user.username, a.where[:4]) for a in logged] == [("jiancha", "行业台账")], "the contacts' phones left"
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("企业名称", "统一社会信用代码", "企业类型")
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code[code(2)][0] == "悦途国际旅行社有限公司" and by_code[code(2)][2] == "旅行社"
    assert by_code[code(1)][4].date() == date(2027, 6, 30)
    # what was exported imports again without changes
    back = read(response.data)
    assert back.valid and back.count("无变化") == 3


def test_the_export_writes_formula_like_text_as_text(app, browser):
    cafe = make_enterprise(1, "=HYPERLINK(\"http://evil.example\",\"极速网咖\")")
    cafe.note = "@SUM(1+1)"
    db.session.commit()
    ws = load_workbook(io.BytesIO(browser("jiancha").get("/enterprises/export.xlsx").data)).active
    name, note = ws["A2"], ws["K2"]
    assert name.value.startswith("=HYPERLINK(") and name.data_type == "s" and name.quotePrefix
    assert note.value == "@SUM(1+1)" and note.quotePrefix


# -- history: inspections, rectifications, complaints -----------------------------------------------------

def test_complaints_are_linked_by_name_at_intake_and_by_hand(app, browser):
    cafe = make_enterprise(1, "极速网咖")
    agency = make_enterprise(2, "悦途国际旅行社有限公司", "travel_agency")
    auto = new_ticket("T-1", enterprise="极速网咖")
    other = new_ticket("T-2", enterprise="悦途国旅")  # not the registered name: not linked
    links = db.session.scalars(select(EnterpriseTicket)).all()
    assert [(x.enterprise_id, x.ticket_id, x.how) for x in links] == [(cafe.id, auto.id, "auto")]

    response = browser("zhuguan").post(f"/enterprises/link-ticket/{other.id}", {"enterprise": agency.credit_code},
                                       form_url=f"/tickets/{other.id}")
    assert response.status_code == 302
    page = browser("zhuguan").get(f"/enterprises/{agency.id}").get_data(as_text=True)
    assert "T-2" in page and "手工关联" in page
    ticket_page = browser("zhuguan").get(f"/tickets/{other.id}").get_data(as_text=True)
    assert "悦途国际旅行社有限公司" in ticket_page and "关联台账企业" in ticket_page
    nobody = browser("huifang").post(f"/enterprises/link-ticket/{auto.id}", {"enterprise": agency.credit_code},
                                     form_url=f"/tickets/{auto.id}")
    assert nobody.status_code == 403
    assert db.session.scalar(select(func.count(EnterpriseTicket.id))) == 2, "a callback agent cannot link"


# -- licence expiry warning (processes/licence_watch.bpmn) ------------------------------------------------

def _warnings():
    return db.session.scalars(select(WorkItem).where(WorkItem.spec_name == "licence_warning",
                                                     WorkItem.state == "ready")).all()


def test_a_warning_task_appears_30_days_before_the_licence_expires(app, browser):
    today = clock.local_now().date()
    cafe = make_enterprise(1, "极速网咖", expiry=today + timedelta(days=40))
    make_enterprise(2, "墨香书店", "bookshop", expiry=None)
    sweep()
    assert _warnings() == []
    clock.advance(timedelta(days=9))
    sweep()
    assert _warnings() == [], "31 days before: not yet"
    clock.advance(timedelta(days=1, hours=1))
    assert sweep().fired == 1
    [item] = _warnings()
    assert item.title == "证照到期预警：极速网咖"
    assert inbox.is_candidate(user("jiancha"), item) and not inbox.is_candidate(user("wenhua"), item)
    assert "证照到期预警：极速网咖" in browser("jiancha").get("/inspections/").get_data(as_text=True)
    assert sweep().fired == 0, "fires once"

    # the inspector records the renewal: the ledger has the new date, and the watch waits for it
    jiancha = browser("jiancha")
    assert jiancha.get(f"/tasks/{item.id}").headers["Location"].endswith(f"/enterprises/task/{item.id}")
    bad = jiancha.post(f"/enterprises/task/{item.id}", {"licence_action": "已换发新证", "new_licence_expiry": ""})
    assert bad.status_code == 422 and "已换发新证时请填写新证有效期" in bad.get_data(as_text=True)
    new_expiry = today + timedelta(days=10 + 3 * 365)
    done = jiancha.post(f"/enterprises/task/{item.id}", {"licence_action": "已换发新证",
                                                         "new_licence_expiry": new_expiry.isoformat()})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enterprise, cafe.id).licence_expiry == new_expiry
    assert _warnings() == []
    watch = enterprises.watch_instance(cafe)
    assert watch is not None and watch.next_timer_at.date() == new_expiry - timedelta(days=30)


def test_changing_the_expiry_in_the_ledger_moves_the_warning(app):
    today = clock.local_now().date()
    cafe = make_enterprise(1, expiry=today + timedelta(days=100))
    watch = enterprises.watch_instance(cafe)
    assert watch.next_timer_at.date() == today + timedelta(days=70)
    fields = {k: getattr(cafe, k) for k in ("name", "credit_code", "kind", "licence_no", "address", "street",
                                            "contact_name", "contact_phone", "risk_level", "note")}
    enterprises.update(cafe, dict(fields, licence_expiry=today + timedelta(days=20)), user("jiancha"))
    sweep()
    assert [w.title for w in _warnings()] == ["证照到期预警：极速网咖"], "already within 30 days: warned at once"
    other = make_enterprise(2, "红星剧场", "performance_venue", expiry=today + timedelta(days=100))
    enterprises.update(other, {**{k: getattr(other, k) for k in fields}, "licence_expiry": None}, user("jiancha"))
    assert enterprises.watch_instance(other) is None, "no expiry any more: the watch ends"

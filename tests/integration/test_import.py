"""Importing the platform's Excel/CSV export: preview, per-row errors, idempotence, the upload page."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import ImportJob, ProcessInstance, Ticket
from app.services import intake
from app.services import ticket_import as ti
from app.services.spreadsheets import jobs
from app.services.spreadsheets.reading import check_filename
from tests.conftest import shanghai

HEADER = ["工单编号", "工单类型", "问题分类", "标题", "主要内容", "来电人", "来电号码", "被反映区", "街乡镇", "社区",
          "地址", "涉及企业", "来电时间", "派单时间", "办理时限", "紧急程度", "工单性质", "来源"]


def record(no, **over):
    base = {"工单编号": no, "工单类型": "投诉", "问题分类": "文化->文化市场->网吧", "标题": "网吧接纳未成年人",
            "主要内容": f"来电人反映网吧接纳未成年人上网（{no}）。", "来电人": "李先生", "来电号码": "13811112222",
            "被反映区": "东城区", "街乡镇": "东华门街道", "社区": "韶九社区", "地址": "东华路18号", "涉及企业": "极速网咖",
            "来电时间": "2026-11-24 09:15", "派单时间": "2026/11/24 10:00:00", "办理时限": "2026-12-03 18:00",
            "紧急程度": "一般", "工单性质": "主办", "来源": "市级直派"}
    base.update(over)
    return base


def write_xlsx(path, records, header=HEADER, title_rows=()):
    wb = Workbook()
    ws = wb.active
    ws.title = "工单"
    for line in title_rows:
        ws.append(line)
    ws.append(header)
    for rec in records:
        ws.append([rec.get(h) for h in header])
    wb.save(path)
    return path


def write_csv(path, records, header=HEADER, encoding="gbk"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for rec in records:
            writer.writerow([rec.get(h, "") for h in header])
    return path


def count(model=Ticket):
    query = select(func.count(model.id))
    if model is ProcessInstance:  # ticket processes (an alert may start its own)
        query = query.where(ProcessInstance.ticket_id.is_not(None))
    return db.session.scalar(query)


@pytest.fixture
def mixed_xlsx(app, tmp_path):
    """Rows 2-4 new, 5 a copy of 3, 6 bad date and urgency, 7 without title, 8 present, 9 conflicting."""
    present = record("P-008")
    conflicting = record("P-009")
    intake.receive_ticket(ti.parse_row(1, _fields(present)).fields, channel="api")
    intake.receive_ticket(ti.parse_row(1, _fields(conflicting)).fields, channel="api")
    rows = [record("N-002"), record("N-003"), record("N-004", 来电时间=datetime(2026, 11, 24, 8, 5)),
            record("N-003"),
            record("B-006", 来电时间="2026-13-45 25:00", 紧急程度="十万火急"),
            record("B-007", 标题="  "),
            present,
            record("P-009", 主要内容="同一编号，另一件事。")]
    return write_xlsx(tmp_path / "export.xlsx", rows)


def _fields(rec):
    by_label = {label: name for name, label, _aliases in ti.COLUMNS}
    return {by_label[k]: v for k, v in rec.items()}


def test_preview_counts_and_writes_nothing(mixed_xlsx):
    before = count()
    preview = ti.preview_file(mixed_xlsx)
    assert preview.counts == {"new": 3, "identical": 2, "conflict": 1, "invalid": 2}
    assert [r.row for r in preview.first("new")] == [2, 3, 4]
    assert [r.row for r in preview.first("identical")] == [5, 8]
    assert "与第 3 行完全相同" in preview.first("identical")[0].note
    assert preview.first("conflict")[0].note == "第 9 行：工单编号 P-009 已存在且内容不同"
    assert count() == before


def test_row_errors_name_the_row_and_the_column(mixed_xlsx):
    invalid = ti.preview_file(mixed_xlsx).first("invalid")
    bad_date, no_title = invalid
    assert bad_date.row == 6 and bad_date.ticket_no == "B-006"
    assert any(m.startswith("第 6 行「来电时间」：无法识别的日期时间“2026-13-45 25:00”") for m in bad_date.errors)
    assert "第 6 行「紧急程度」：“十万火急”不是有效的值，应为：一般、紧急、特急" in bad_date.errors
    assert no_title.errors == ["第 7 行「标题」：不能为空"]


def test_other_field_problems(app):
    row = ti.parse_row(12, _fields(record("", 标题="标" * 201, 工单类型="吐槽", 办理时限="2026-11-01 08:00")))
    assert row.fields is None
    assert "第 12 行「工单编号」：不能为空" in row.errors
    assert "第 12 行「标题」：超过 200 个字（共 201 个字）" in row.errors
    assert any(m.startswith("第 12 行「工单类型」：“吐槽”不是有效的值") for m in row.errors)
    assert "第 12 行「办理时限」：办理时限应晚于派单时间" in row.errors




def test_a_ticket_number_of_other_characters_is_refused_naming_the_column(app):
    row = ti.parse_row(13, _fields(record("BJ 2026<01>")))
    assert row.fields is None and row.errors == ["第 13 行「工单编号」：工单编号只能包含字母、数字和 - _ /，不能有“空格、<、>”"]
    row = ti.parse_row(14, _fields(record("/2026-015")))
    assert row.errors == ["第 14 行「工单编号」：工单编号应以字母或数字开头"]
    for no in ("ＪＸ－２０２６／０１５", "JX-2026/015", "BJ12345-2026-000101", "lf_2026_1"):  # full width folded
        assert ti.parse_row(15, _fields(record(no))).fields is not None, no


def test_import_twice_changes_nothing_the_second_time(mixed_xlsx):
    before, instances_before = count(), count(ProcessInstance)
    first = ti.run_import(ti.read_file(mixed_xlsx))
    assert (first.created, first.skipped, first.conflicts, first.invalid) == (3, 2, 1, 2)
    assert count() == before + 3 and count(ProcessInstance) == instances_before + 3
    ticket = db.session.scalar(select(Ticket).where(Ticket.ticket_no == "N-004"))
    assert ticket.intake_channel == "import"
    assert ticket.called_at == shanghai(2026, 11, 24, 8, 5)
    assert ticket.platform_deadline == shanghai(2026, 12, 3, 18, 0)
    assert ticket.street == "东华门街道" and ticket.caller_phone == "13811112222"

    again = ti.run_import(ti.read_file(mixed_xlsx))
    assert (again.created, again.skipped, again.conflicts, again.invalid) == (0, 5, 1, 2)
    assert count() == before + 3 and count(ProcessInstance) == instances_before + 3
    assert ti.preview_file(mixed_xlsx).counts["new"] == 0


def test_conflict_is_reported_with_its_row(mixed_xlsx):
    summary = ti.run_import(ti.read_file(mixed_xlsx))
    conflict = [p for p in summary.problems if p["kind"] == "conflict"]
    assert conflict == [{"row": 9, "ticket_no": "P-009", "title": "网吧接纳未成年人", "kind": "conflict",
                         "messages": ["第 9 行：工单编号 P-009 已存在且内容不同"]}]
    stored = db.session.scalar(select(Ticket).where(Ticket.ticket_no == "P-009"))
    assert stored.content == "来电人反映网吧接纳未成年人上网（P-009）。", "the stored ticket is left as it was"
    assert [p["row"] for p in summary.problems] == [6, 7, 9]


def test_gbk_csv_with_reordered_spaced_and_extra_columns(app, tmp_path):
    header = ["序号", "标题", "工单 编号", "主要内容", "工单类型", "来电时间（北京时间）", "办理时限", "紧急程度 ", "来源",
              "回复内容"]
    rows = [dict(record("C-1", 紧急程度="特急"), 序号=1, 回复内容="无"),
            dict(record("C-2", 标题="KTV噪音扰民", 工单类型="举报"), 序号=2, 回复内容="")]
    rows = [{("工单 编号" if k == "工单编号" else "来电时间（北京时间）" if k == "来电时间" else
              "紧急程度 " if k == "紧急程度" else k): v for k, v in r.items()} for r in rows]
    path = write_csv(tmp_path / "导出.csv", rows, header=header, encoding="gbk")
    parsed = ti.read_file(path)
    assert parsed.encoding == "GB18030/GBK"
    assert parsed.ignored_columns == ["序号", "回复内容"]
    summary = ti.run_import(parsed)
    assert summary.created == 2 and not summary.problems
    ktv = db.session.scalar(select(Ticket).where(Ticket.ticket_no == "C-2"))
    assert (ktv.title, ktv.ticket_type, ktv.called_at) == ("KTV噪音扰民", "举报", shanghai(2026, 11, 24, 9, 15))
    assert db.session.scalar(select(Ticket.urgency).where(Ticket.ticket_no == "C-1")) == "特急"


def test_utf8_csv_with_bom_and_a_title_row(app, tmp_path):
    path = tmp_path / "bom.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["12345 工单导出（2026-11-25）"])
        writer.writerow(HEADER)
        writer.writerow([record("U-1")[h] for h in HEADER])
    parsed = ti.read_file(path)
    assert parsed.encoding == "UTF-8 (BOM)" and parsed.header_row == 2 and parsed.rows[0].row == 3
    assert parsed.rows[0].fields["title"] == "网吧接纳未成年人"


def test_missing_columns_and_unreadable_files_are_named(app, tmp_path):
    path = write_xlsx(tmp_path / "few.xlsx", [record("X-1")], header=["工单编号", "工单类型", "来电时间"])
    with pytest.raises(ti.ImportFileError) as err:
        ti.read_file(path)
    assert "缺少必需的列：标题、主要内容" in str(err.value)
    path = write_xlsx(tmp_path / "twice.xlsx", [record("X-1")], header=HEADER + ["工单编号"])
    with pytest.raises(ti.ImportFileError, match="第 1 行表头中这些列出现了不止一次：工单编号"):
        ti.read_file(path)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("工单编号,标题", encoding="utf-8")
    with pytest.raises(ti.ImportFileError, match="不是有效的 Excel"):
        ti.read_file(fake)
    with pytest.raises(ti.ImportFileError, match="xls"):
        check_filename("旧导出.xls")


def test_cli_previews_then_imports(app, mixed_xlsx, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", str(mixed_xlsx), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "预览：新工单 3 · 已存在（相同）2 · 编号冲突 1 · 数据有误 2" in result.output
    assert "第 6 行「紧急程度」" in result.output and "未写入任何数据" in result.output
    assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.ticket_no.like("N-%"))) == 0

    report = tmp_path / "problems.csv"
    result = runner.invoke(args=["import", str(mixed_xlsx), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "完成：新建 3，跳过 2（已存在），编号冲突 1，数据有误 2" in result.output
    assert "第 9 行：工单编号 P-009 已存在且内容不同" in result.output
    assert "第 7 行「标题」：不能为空" in report.read_text(encoding="utf-8-sig")

    bad = write_xlsx(tmp_path / "bad.xlsx", [record("Z-1", 工单类型="乱写"), record("Z-2", 主要内容="")])
    result = runner.invoke(args=["import", str(bad)])
    assert result.exit_code == 1 and "新建 0" in result.output
    result = runner.invoke(args=["import", str(tmp_path / "problems.csv")])
    assert result.exit_code == 2 and "缺少必需的列：工单类型、标题、主要内容" in result.output


# --------------------------------------------------------------------------- the upload page


def staged_files(app):
    """The files staged for import (a refused or imported upload leaves none)."""
    folder = Path(app.config["JIESU_UPLOAD_DIR"]) / "staged"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def upload(b, name, content):
    return b.post("/import/", {"file": (io.BytesIO(content), name)}, form_url="/import/",
                  content_type="multipart/form-data")


def test_upload_preview_confirm_and_progress_to_done(app, browser, mixed_xlsx):
    paidan = browser("paidan")
    assert "导入工单" in paidan.get("/").get_data(as_text=True)
    response = upload(paidan, "export.xlsx", mixed_xlsx.read_bytes())
    assert response.status_code == 302, response.get_data(as_text=True)
    preview_url = response.headers["Location"]
    html = paidan.get(preview_url).get_data(as_text=True)
    assert re.search(r'data-count="new">3<', html) and re.search(r'data-count="invalid">2<', html)
    assert "第 6 行「来电时间」" in html and "确认导入 3 条新工单" in html
    assert count(ImportJob) == 0 and db.session.scalar(
        select(func.count(Ticket.id)).where(Ticket.ticket_no.like("N-%"))) == 0

    response = paidan.post(preview_url + "/confirm", form_url=preview_url)
    assert response.status_code == 302
    job_url = response.headers["Location"]
    job_id = int(job_url.rstrip("/").rsplit("/", 1)[1])
    status = {}
    for _attempt in range(600):  # a guard against hanging, not a timing assertion
        status = paidan.get(f"/import/jobs/{job_id}/status").get_json()
        if status["finished"]:
            break
        time.sleep(0.1)
    ti.wait_for_jobs()
    assert status["status"] == "done" and status["percent"] == 100
    assert (status["total"], status["done"], status["created"], status["skipped"], status["conflicts"],
            status["invalid"]) == (8, 8, 3, 2, 1, 2)
    html = paidan.get(job_url).get_data(as_text=True)
    assert "导入完成：新建 3 条，跳过 2 条" in html
    assert "第 7 行「标题」：不能为空" in html and "第 9 行：工单编号 P-009 已存在且内容不同" in html
    assert 'role="progressbar"' in html
    csv_text = paidan.get(f"/import/jobs/{job_id}/problems.csv").get_data(as_text=True)
    assert "第 6 行「紧急程度」" in csv_text
    # the upload was imported and removed: its preview now leads to the job, a second confirm too
    assert paidan.get(preview_url).headers["Location"].endswith(f"/import/jobs/{job_id}")
    assert staged_files(app) == []

    # the same file again: nothing new
    response = upload(paidan, "export.xlsx", mixed_xlsx.read_bytes())
    html = paidan.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-count="new">0<', html) and "文件中没有可导入的新工单" in html


def test_non_dispatchers_are_refused(app, browser, mixed_xlsx):
    for username in ("wenhua", "shenhe", "zhuguan"):
        b = browser(username)
        assert b.get("/import/").status_code == 403
        assert "导入工单" not in b.get("/").get_data(as_text=True)
        response = b.post("/import/", {"file": (io.BytesIO(mixed_xlsx.read_bytes()), "export.xlsx")}, form_url="/",
                          content_type="multipart/form-data")
        assert response.status_code == 403
    assert browser().get("/import/").status_code == 302  # to the login page
    assert count(ImportJob) == 0


def test_another_users_upload_is_not_reachable(app, browser, mixed_xlsx):
    response = upload(browser("paidan"), "export.xlsx", mixed_xlsx.read_bytes())
    preview_url = response.headers["Location"]
    zhiban = browser("zhiban")
    response = zhiban.get(preview_url)
    assert response.status_code == 302 and response.headers["Location"].endswith("/import/")
    assert zhiban.post(preview_url + "/confirm", form_url="/import/").status_code == 302
    assert count(ImportJob) == 0


@pytest.mark.parametrize(("name", "content", "message"), [
    ("说明.pdf", b"%PDF-1.4", "不支持的文件类型“.pdf”：请选择 Excel（.xlsx）或 CSV（.csv）文件。"),
    ("旧导出.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "不支持旧版 Excel 97-2003（.xls）文件"),
    ("坏文件.xlsx", b"not a workbook", "不是有效的 Excel（.xlsx）文件"),
    ("空.csv", b"", "文件是空的"),
    ("无表头.csv", "姓名,电话\n张三,123\n".encode("gbk"), "找不到表头"),
])
def test_wrong_files_are_refused_with_a_chinese_message(app, browser, name, content, message):
    paidan = browser("paidan")
    response = upload(paidan, name, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert staged_files(app) == [], "a refused file is not kept"


def test_a_file_over_the_size_limit_is_refused(app, browser, mixed_xlsx):
    app.config["JIESU_IMPORT_MAX_BYTES"] = 1024
    response = upload(browser("paidan"), "export.xlsx", mixed_xlsx.read_bytes())
    assert response.status_code == 422
    assert "文件太大，单次导入上限为 1 KB，请拆分后导入。" in response.get_data(as_text=True)
    big = ("工单编号,标题\n" + "X-1,很长的标题\n" * 20_000).encode()
    response = upload(browser("paidan"), "big.csv", big)
    assert response.status_code == 422
    assert "文件太大，单次导入上限为 1 KB，请拆分后导入。" in response.get_data(as_text=True)
    assert staged_files(app) == []
    assert count(ImportJob) == 0


def test_a_row_that_fails_unexpectedly_says_why_in_chinese(app, tmp_path, monkeypatch, caplog):
    def slow(*_args, **_kw):
        raise TimeoutError("database did not answer")

    monkeypatch.setattr(intake, "receive_ticket", slow)
    path = write_csv(tmp_path / "t.csv", [record("T-1")])
    summary = ti.run_import(ti.read_file(path))
    assert summary.failed == 1
    [message] = summary.problems[0]["messages"]
    assert message == "第 2 行：保存失败（操作超时），请稍后重新导入此文件"
    assert "TimeoutError" in caplog.text, "the class and the detail stay in the server log"


def test_an_interrupted_import_job_says_why_in_chinese(app):
    job = ImportJob(token="t-interrupted", filename="t.csv", status="queued", total=3, errors=[],
                    created_at=clock.now())
    db.session.add(job)
    db.session.commit()

    def cut_off(_progress):
        raise ConnectionResetError(104, "Connection reset by peer")

    assert jobs.run(job.id, cut_off) is None
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == "failed"
    assert job.message.startswith("导入中断（连接中断）：已导入的行保留")
    assert "Error" not in job.message

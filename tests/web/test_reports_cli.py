"""jiesu report: a period's report as JSON, Excel or PDF from the command line."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from app.demo import history
from app.engine.clock import clock
from tests.conftest import shanghai


def test_report_command_writes_json_xlsx_and_pdf(app, tmp_path):
    history.seed_history(30, shanghai(2026, 11, 2), shanghai(2026, 11, 20), clock.now(), seed=1, prefix="N")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "monthly", "--month", "2026-11", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["period"]["key"] == "2026-11" and data["counts"][0]["value"] == 30
    target = tmp_path / "w.xlsx"
    result = runner.invoke(args=["report", "weekly", "--date", "2026-11-04", "--format", "xlsx", "-o", str(target)])
    assert result.exit_code == 0 and "周报" in result.output
    assert "总体情况" in load_workbook(target).sheetnames
    result = runner.invoke(args=["report", "range", "--from", "2026-11-01", "--to", "2026-11-10", "--format", "json",
                                 "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0 and json.loads((tmp_path / "r.json").read_text())["period"]["kind"] == "range"
    result = runner.invoke(args=["report", "daily", "--date", "2026-13-01"])
    assert result.exit_code != 0 and "日期格式应为 YYYY-MM-DD" in result.output
    pdf = tmp_path / "d.pdf"
    result = runner.invoke(args=["report", "daily", "--date", "2026-11-05", "--format", "pdf", "-o", str(pdf)])
    if result.exit_code == 0:
        assert pdf.read_bytes()[:5] == b"%PDF-"
    else:  # no WeasyPrint/Pango on this machine: said in Chinese
        assert "PDF" in result.output

"""回访数据表: every callback of the period with outcome, attempts, the caller and the recording link."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.helpers import RESOLVED, UNRESOLVED, complete, new_ticket, run_to


def test_the_callback_sheet_of_the_month(app, browser):
    first = new_ticket(no="C-1", caller_phone="13912345678")
    run_to(first, "callback")
    complete(first, "callback", "huifang", **UNRESOLVED)  # 未解决: back to 二次办理, then a second callback
    complete(first, "handle", "wenhua", **{"handle_decision": "提交审核", "party_contact": "再次约谈",
                                           "actions_taken": "复查", "handling_result": "已整改",
                                           "reply_draft": "经复查，网咖已整改到位，已告知来电人。"})
    complete(first, "review", "shenhe", review_decision="通过", review_comment="")
    complete(first, "callback", "huifang", **RESOLVED)
    second = new_ticket(no="C-2", caller_phone="13987654321")
    run_to(second, "callback")
    complete(second, "callback", "huifang", **dict(RESOLVED, callback_contacted="否", callback_resolved=None,
                                                   callback_satisfied=None, callback_unreached="无人接听"))
    response = browser("tongji").get("/reports/callbacks.xlsx?kind=month&month=2026-11")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header, lines = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert header[:4] == ("工单编号", "标题", "来电人", "来电号码") and "录音" in header
    assert lines["C-1"]["回访次数"] == 2 and lines["C-1"]["是否解决"] == "解决" and lines["C-1"]["是否联系上"] == "是"
    assert lines["C-1"]["回访员"] == "吴芳"
    assert lines["C-2"]["是否联系上"] == "否" and lines["C-2"]["未联系上原因"] == "无人接听"
    assert "13912345678" not in str(rows)  # the analyst reads masked numbers
    assert browser("huifang").get("/reports/callbacks.xlsx?kind=month&month=2026-11").status_code == 200
    assert browser("wenhua").get("/reports/callbacks.xlsx").status_code == 403

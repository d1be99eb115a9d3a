"""A generated month of tickets: every figure of its report equals a direct count over the ledger
export of the same period, and following a figure's link lists exactly that many tickets."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.demo import history
from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import Enterprise, Section, User
from app.services import ledger, ledger_export
from app.services.reports import figures, periods
from tests.conftest import shanghai


def _user(name="tongji"):
    return db.session.scalar(select(User).where(User.username == name))


def _seed():
    now = clock.now()
    for name, kind in (("极速网咖", "internet_cafe"), ("星空网络会所", "internet_cafe"), ("欢唱KTV（东华店）", "ktv")):
        db.session.add(Enterprise(name=name, credit_code=f"91110000{abs(hash(name)) % 10**10:010d}", kind=kind,
                                  created_at=now, updated_at=now))
    db.session.commit()
    history.seed_history(320, shanghai(2026, 11, 1), shanghai(2026, 11, 25, 9, 0), now, seed=1, prefix="N")
    history.seed_history(150, shanghai(2026, 10, 1), shanghai(2026, 11, 1), now, seed=2, prefix="O")
    history.seed_history(80, shanghai(2025, 11, 1), shanghai(2025, 12, 1), now, seed=3, prefix="Y")
    # just outside the month on both sides (local midnight is 16:00 UTC)
    history.seed_history(5, shanghai(2026, 10, 31, 23, 50), shanghai(2026, 10, 31, 23, 59), now, seed=4, prefix="B")
    history.seed_history(3, shanghai(2026, 12, 1, 0, 0), shanghai(2026, 12, 1, 0, 5), now, seed=5, prefix="A")


def _export(args: dict) -> list[dict]:
    content = ledger_export.export_xlsx(ledger.LedgerFilter.from_args(args), _user())
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _listed(args: dict) -> int:
    return ledger.search(ledger.LedgerFilter.from_args(args), _user(), 1, 1)[1]


def _local(value):
    return None if value is None else value.replace(tzinfo=LOCAL_TZ)


NOT_COUNTED = ("已退回", "已转派")


def _predicates(now: datetime) -> dict:
    now = now.astimezone(LOCAL_TZ)

    def overdue(r):  # by the reply to the platform, not by the callback that closed the ticket
        deadline, replied, closed = _local(r["办理时限（计算）"]), _local(r["回复时间"]), _local(r["办结时间"])
        if deadline is None:
            return False
        if replied is not None:
            return replied > deadline
        return (closed is None and deadline < now) or (closed is not None and closed > deadline)
    return {
        "received": lambda r: True,
        "signed": lambda r: r["状态"] not in ("新建", "待签收") + NOT_COUNTED,
        "returned": lambda r: r["状态"] == "已退回",
        "transferred": lambda r: r["状态"] == "已转派",
        "closed": lambda r: r["办结时间"] is not None and r["状态"] not in NOT_COUNTED,
        "open": lambda r: r["办结时间"] is None,
        "overdue": overdue,
        "extended": lambda r: r["延期前办理时限"] is not None,
        "excluded": lambda r: r["已剔除"] == "是",
        "carried": lambda r: r["挂账"] == "是",
        "supervised": lambda r: r["督办件"] == "是",
        "unresolved": lambda r: r["回访联系上"] == "是" and r["是否解决"] == "未解决",
        "unsatisfied": lambda r: r["回访联系上"] == "是" and r["是否满意"] == "不满意",
        "counted": lambda r: r["已剔除"] == "否" and r["状态"] not in NOT_COUNTED,
        "callback_valid": lambda r: r["回访联系上"] == "是",
    }


@pytest.fixture
def month(app):
    _seed()
    return periods.month("2026-11")


def test_every_count_equals_the_ledger_export(month):
    report = figures.compute(month, trend_months=2)
    rows = _export(report["ledger"])
    assert len(rows) == report["counts"][0]["value"] == 320  # the boundary tickets stay outside
    test = _predicates(clock.now())
    for figure in report["counts"]:
        expected = sum(1 for r in rows if test[figure["name"]](r))
        assert figure["value"] == expected, figure["name"]
        assert _listed(figure["args"]) == expected, figure["name"]
    # the comparison periods count the same way
    previous = _export(report["comparison"]["previous"]["args"])
    assert report["comparison"]["previous"]["figures"]["received"]["before"] == len(previous) == 155  # with the 5 of 31 October late evening
    year_ago = _export(report["comparison"]["year_ago"]["args"])
    assert report["comparison"]["year_ago"]["figures"]["closed"]["before"] == sum(test["closed"](r) for r in year_ago)


def test_every_breakdown_row_equals_the_export(month):
    report = figures.compute(month, trend_months=0)
    rows = _export(report["ledger"])
    test = _predicates(clock.now())
    sections = dict(db.session.execute(select(Section.id, Section.name)).all())
    columns = {"source": "来源", "ticket_type": "工单类型", "street": "街乡镇", "enterprise": "涉及企业",
               "section": "承办科室"}
    for name, column in columns.items():
        table = report["breakdowns"][name]["rows"]
        assert sum(r["received"] for r in table) == len(rows) or name == "enterprise"
        for line in table:
            value = "" if line["value"] == "-" else line["value"]
            if name == "section":
                value = sections.get(int(value), "") if value else ""
            mine = [r for r in rows if (r[column] or "") == value]
            for measure, _label in figures.MEASURES:
                assert line[measure] == sum(1 for r in mine if test[measure](r)), (name, value, measure)
                assert _listed(line["args"][measure]) == line[measure], (name, value, measure)
    kinds = {r["value"]: r for r in report["breakdowns"]["enterprise_kind"]["rows"]}
    cafes = sum(1 for r in rows if r["涉及企业"] in ("极速网咖", "星空网络会所"))
    assert kinds["internet_cafe"]["received"] == cafes > 0
    assert _listed(kinds["internet_cafe"]["args"]["received"]) == cafes
    assert kinds["-"]["received"] == len(rows) - cafes - sum(1 for r in rows if r["涉及企业"] == "欢唱KTV（东华店）")


def test_topic_tree_drills_down_to_the_same_tickets(month):
    report = figures.compute(month, trend_months=0)
    rows = _export(report["ledger"])
    culture = figures.find_topic(report["topics"], "文化")
    market = figures.find_topic(report["topics"], "文化->文化市场")
    cafe = figures.find_topic(report["topics"], "文化->文化市场->网吧")
    assert culture["received"] == sum(1 for r in rows if r["问题分类"].startswith("文化->"))
    assert market["received"] == sum(1 for r in rows if r["问题分类"].startswith("文化->文化市场->"))
    assert cafe["received"] == sum(1 for r in rows if r["问题分类"] == "文化->文化市场->网吧") > 0
    assert cafe in market["children"] and market in culture["children"]
    assert sum(n["received"] for n in report["topics"]) == len(rows)
    for node in (culture, market, cafe):
        assert _listed(node["args"]["received"]) == node["received"]
        assert _listed(node["args"]["open"]) == node["open"]
    # the drill ends in the ledger's list: exactly the 网吧 tickets of November
    listed = _export(cafe["args"]["received"])
    assert {r["问题分类"] for r in listed} == {"文化->文化市场->网吧"}


def test_rates_timeliness_callbacks_and_days_equal_the_export(month):
    report = figures.compute(month, trend_months=3)
    rows = _export(report["ledger"])
    test = _predicates(clock.now())
    counted = [r for r in rows if test["counted"](r)]
    valid = [r for r in counted if test["callback_valid"](r)]
    rates = {r["key"]: r for r in report["rates"]}
    assert rates["resolution"]["denominator"] == len(valid) == _listed(rates["resolution"]["denominator_args"])
    full = sum(1 for r in valid if r["是否满意"] == "满意")
    basic = sum(1 for r in valid if r["是否满意"] == "基本满意")
    assert rates["satisfaction"]["numerator"] == pytest.approx(full + 0.8 * basic)
    in_time = [r for r in counted if r["首次联系时间"] and r["首次联系时间"] <= r["响应时限"]]
    assert rates["response"]["numerator"] == len(in_time) == _listed(rates["response"]["numerator_args"])
    assert [m["month"] for m in report["rate_trend"]] == ["2026-09", "2026-10", "2026-11"]
    assert report["rate_trend"][-1]["response"] == rates["response"]["value"]

    response = report["timeliness"]["response"]
    hours = [(r["首次联系时间"] - r["接收时间"]).total_seconds() / 3600 for r in rows if r["首次联系时间"]]
    edges = [edge for edge, _label in figures.RESPONSE_EDGES]
    expected = Counter(next((i for i, e in enumerate(edges) if h <= e), len(edges)) for h in hours)
    assert [b["count"] for b in response["buckets"]] == [expected.get(i, 0) for i in range(len(edges) + 1)]
    assert response["total"] == len(hours) == _listed(response["args"])
    late = sum(1 for r in rows if r["首次联系时间"] and r["首次联系时间"] > r["响应时限"])
    assert response["late"] == late == _listed(response["late_args"])
    assert response["in_limit"] + response["late"] == len(hours)
    reply = report["timeliness"]["reply"]
    assert reply["total"] == sum(1 for r in rows if r["回复时间"])
    assert reply["in_limit"] == sum(1 for r in rows if r["回复时间"] and r["回复时间"] <= r["办理时限（计算）"])

    callbacks = report["callbacks"]
    assert callbacks["reached"] == sum(1 for r in rows if r["回访联系上"] == "是")
    assert callbacks["unreached"] == sum(1 for r in rows if r["回访联系上"] == "否") == _listed(callbacks["unreached_args"])
    for answer in callbacks["resolved"]:
        assert answer["count"] == sum(1 for r in rows if r["回访联系上"] == "是" and r["是否解决"] == answer["label"])
        assert _listed(answer["args"]) == answer["count"]

    days = {d["label"]: d["received"] for d in report["daily"]}
    assert len(days) == 30
    by_day = Counter(r["接收时间"].date().isoformat() for r in rows)
    assert all(days[d] == by_day.get(d, 0) for d in days)
    first = report["daily"][0]
    assert _listed(first["args"]) == first["received"]
    heat = report["heat"]
    assert sum(c[2] for c in heat["cells"]) <= len(rows)


def test_periods_of_every_kind(app):
    day = periods.from_args({"kind": "day", "date": "2026-11-25"})
    assert (day.start, day.end) == (shanghai(2026, 11, 25), shanghai(2026, 11, 26))
    assert day.previous().first.isoformat() == "2026-11-24" and day.year_ago().first.isoformat() == "2025-11-25"
    week = periods.from_args({"kind": "week", "date": "2026-11-25"})
    assert (week.first.isoformat(), week.last.isoformat()) == ("2026-11-23", "2026-11-29")
    assert week.previous().first.isoformat() == "2026-11-16"
    span = periods.from_args({"kind": "range", "from": "2026-11-01", "to": "2026-11-10"})
    assert span.previous().first.isoformat() == "2026-10-22"
    assert periods.from_key("week", week.key) == week
    assert periods.month("2026-01").previous().key == "2025-12"
    from app.services import ServiceError, settings
    with pytest.raises(ServiceError):
        periods.from_args({"kind": "range", "from": "2026-11-10", "to": "2026-11-01"})
    settings.put("assessment_start_day", 19)
    db.session.commit()
    period = periods.from_args({"kind": "assessment", "month": "2026-11"})
    assert (period.start, period.end) == (shanghai(2026, 10, 19), shanghai(2026, 11, 19))
    assert period.ledger_args() == {"period": "2026-11"}
    assert period.end - period.start == timedelta(days=31)

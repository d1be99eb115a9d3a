"""The State Council's holiday notice, read: the published 2024-2026 notices give exactly the
official calendar (as the chinese-calendar package has it), and 2027 reads as pasted."""

from datetime import date

import pytest

from app.engine.workcalendar import chinese_calendar_overrides
from app.services import calendar_notice
from tests import calendar_notices as texts


@pytest.mark.parametrize("year,text", [(2024, texts.NOTICE_2024), (2025, texts.NOTICE_2025),
                                       (2026, texts.NOTICE_2026)])
def test_published_notices_give_the_official_calendar(year, text):
    notice = calendar_notice.parse(text)
    assert notice.ok and notice.year == year and notice.problems == [] and notice.warnings == []
    official, known = chinese_calendar_overrides([year])
    assert known == [year]
    assert [(o.day, o.is_workday) for o in notice.overrides()] == [(o.day, o.is_workday) for o in official]


def test_2027_notice():
    notice = calendar_notice.parse(texts.NOTICE_2027)
    assert notice.ok and notice.year == 2027 and notice.warnings == []
    assert [h.name for h in notice.holidays] == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    rows = {o.day: o for o in notice.overrides()}
    assert rows[date(2027, 1, 1)].is_workday is False and rows[date(2027, 1, 1)].name == "元旦"
    assert date(2027, 1, 2) not in rows  # a Saturday off anyway: no row
    spring = [d for d, o in rows.items() if o.name == "春节"]
    assert spring == [date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10), date(2027, 2, 11),
                      date(2027, 2, 12)]
    assert rows[date(2027, 2, 14)].is_workday and rows[date(2027, 2, 14)].name == "春节调休"
    assert rows[date(2027, 2, 20)].is_workday
    assert rows[date(2027, 6, 9)].is_workday is False and rows[date(2027, 9, 15)].is_workday is False
    assert [d for d, o in rows.items() if o.is_workday] == [date(2027, 2, 14), date(2027, 2, 20), date(2027, 5, 8),
                                                            date(2027, 9, 26), date(2027, 10, 9)]
    assert notice.years() == [2027]


def test_a_break_across_the_new_year():
    notice = calendar_notice.parse(texts.NOTICE_2019_NEW_YEAR)
    assert notice.ok and notice.year == 2019
    rows = {o.day: o for o in notice.overrides()}
    assert rows[date(2018, 12, 29)].is_workday  # 2018年12月29日（星期六）上班
    assert not rows[date(2018, 12, 31)].is_workday and not rows[date(2019, 1, 1)].is_workday
    assert notice.years() == [2018, 2019]


def test_an_end_month_before_the_start_month_is_next_year():
    notice = calendar_notice.parse("一、元旦：12月31日至1月2日放假，共3天。12月27日（周日）上班。", year=2026)
    assert notice.ok, notice.problems
    assert [h.days for h in notice.holidays] == [[date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)]]


def test_pasted_on_one_line_with_full_width_digits():
    text = texts.NOTICE_2026.replace("\n", "").replace("1月4日", "１月４日")
    notice = calendar_notice.parse(text)
    assert notice.ok and len(notice.holidays) == 7
    assert date(2026, 1, 4) in notice.holidays[0].workdays
    official, _known = chinese_calendar_overrides([2026])
    assert [(o.day, o.is_workday) for o in notice.overrides()] == [(o.day, o.is_workday) for o in official]


def test_a_rest_day_suggestion_is_no_holiday():
    notice = calendar_notice.parse(texts.NOTICE_2024)
    assert date(2024, 2, 9) not in {o.day for o in notice.overrides()}  # 安排职工在除夕（2月9日）休息


def test_wrong_weekday_and_wrong_total_are_warned_about():
    text = "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日放假调休，共4天。1月4日（周日）上班。"
    notice = calendar_notice.parse(text)
    assert notice.ok  # still savable, the preview shows what looks wrong
    assert any("1月4日（周日） 标注的星期与日期不符（2027-01-04 是周一）" in w for w in notice.warnings)
    assert any("写明共 4 天，日期范围是 3 天" in w for w in notice.warnings)
    assert any("本来就是工作日" in w for w in notice.warnings)


def test_what_cannot_be_read_is_refused():
    assert not calendar_notice.parse("今年放假安排请见附件").ok
    assert "没有读出年份" in calendar_notice.parse("一、元旦：1月1日放假。").problems[0]
    assert calendar_notice.parse("一、元旦：1月1日放假。", year=2027).ok
    bad = calendar_notice.parse("关于2027年部分节假日安排的通知\n一、元旦：2月30日放假。")
    assert not bad.ok and "日期“2月30日”不存在" in bad.problems[0]
    clash = calendar_notice.parse("关于2027年部分节假日安排的通知\n一、元旦：1月1日放假。", year=2028)
    assert not clash.ok and "通知标题是 2027 年，但选择的是 2028 年" in clash.problems[0]
    overlap = calendar_notice.parse("关于2027年部分节假日安排的通知\n一、春节：2月5日至12日放假调休，共8天。2月8日（周一）上班。")
    assert not overlap.ok and "既在放假范围内又是调休上班日" in " ".join(overlap.problems)


def test_chinese_calendar_package_does_not_know_2027():
    """The seed fills only the years the installed package knows: 2027 must come from the notice."""
    _rows, known = chinese_calendar_overrides([2026, 2027])
    assert known == [2026]

"""Reading the State Council's annual notice (国务院办公厅关于20XX年部分节假日安排的通知).

Pure text work, nothing stored. The notice lists one item per holiday::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。……
    六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
    一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。

The sentence with 放假 gives the break (a day, or a range whose end may omit its month and
year); each sentence ending in 上班 lists make-up working days (调休上班). Dates without a
year are in the notice's year; an end month before the start month is in the next year.
Sentences with neither (鼓励……在除夕（2月9日）休息) are not read. Weekday annotations
(周三, 星期日) and 共N天 are checked against the dates: a mismatch is a warning, not a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.engine.workcalendar import DayOverride
from app.services import _

_ITEM = re.compile(r"(?:^|(?<=[\n。；;]))[ \t\u3000]*([一二三四五六七八九十]{1,3})[、.．]\s*([^：:\n。]{1,20})[：:]")
_TITLE_YEAR = re.compile(r"关于\s*(\d{4})\s*年(?:部分)?节假日安排|现将\s*(\d{4})\s*年")
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日(\s*[（(][^）)]*[）)])?")
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_TOTAL = re.compile(r"共\s*(\d{1,2})\s*天")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_NAMES = "一二三四五六日"


@dataclass
class Holiday:
    name: str
    first: date
    last: date
    workdays: list[date] = field(default_factory=list)  # 调休上班

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


@dataclass
class Notice:
    year: int | None
    holidays: list[Holiday] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # nothing can be saved while there is one
    warnings: list[str] = field(default_factory=list)  # shown in the preview, saving allowed

    @property
    def ok(self) -> bool:
        return self.year is not None and bool(self.holidays) and not self.problems

    def overrides(self) -> list[DayOverride]:
        """The rows for the holiday table: every day that differs from Mon-Fri, in date order."""
        rows: dict[date, DayOverride] = {}
        for h in self.holidays:
            for d in h.days:
                if d.weekday() < 5:
                    rows[d] = DayOverride(d, False, h.name)
            for d in h.workdays:
                if d.weekday() >= 5:
                    rows[d] = DayOverride(d, True, f"{h.name}调休")
        return [rows[d] for d in sorted(rows)]

    def years(self) -> list[int]:
        """Every year the notice touches (a cross-year break touches two)."""
        return sorted({o.day.year for o in self.overrides()} | ({self.year} if self.year else set()))


def _clean(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    table = str.maketrans("０１２３４５６７８９", "0123456789")
    return text.translate(table)


def _name(title: str) -> str:
    return re.sub(r"\s+", "", title)[:30]


class _Dates:
    """Reads dates in order, each missing part taken from the date before (and the notice year)."""

    def __init__(self, year: int, item: str, notice: Notice):
        self.year, self.item, self.notice = year, item, notice

    def read(self, text: str, base: date | None = None) -> list[date]:
        found = []
        for m in _DATE.finditer(text):
            explicit_year, month_text, day_text, note = m.groups()
            if month_text is None and base is None:
                self.notice.problems.append(_("%(item)s：“%(text)s”缺少月份。", item=self.item, text=m.group(0).strip()))
                continue
            month = int(month_text) if month_text else base.month
            year = int(explicit_year) if explicit_year else (base.year if base else self.year)
            if base is not None and not explicit_year and month < base.month:
                year += 1  # 12月31日至1月2日: the end is in the next year
            try:
                d = date(year, month, int(day_text))
            except ValueError:
                self.notice.problems.append(_("%(item)s：日期“%(text)s”不存在。", item=self.item, text=m.group(0).strip()))
                continue
            self._check_weekday(d, note, m.group(0).strip())
            found.append(d)
            base = d
        return found

    def _check_weekday(self, d: date, note: str | None, text: str) -> None:
        said = _WEEKDAY.search(note or "")
        if said and _WEEKDAYS[said.group(1)] != d.weekday():
            self.notice.warnings.append(_("%(item)s：%(text)s 标注的星期与日期不符（%(day)s 是周%(weekday)s）。",
                                          item=self.item, text=text, day=d.isoformat(),
                                          weekday=_WEEKDAY_NAMES[d.weekday()]))


def _read_item(notice: Notice, name: str, body: str) -> None:
    item = name
    dates = _Dates(notice.year, item, notice)
    sentences = [s for s in re.split(r"[。；;\n]", body) if s.strip()]
    holiday: Holiday | None = None
    workdays: list[date] = []
    for sentence in sentences:
        if "放假" in sentence and holiday is None:
            head = sentence.split("放假")[0]
            parts = re.split(r"至|—|－|～|~|到", head, maxsplit=1)
            first = dates.read(parts[0])
            last = dates.read(parts[1], first[-1] if first else None) if len(parts) > 1 else []
            if not first:
                notice.problems.append(_("%(item)s：没有读出放假日期（“%(text)s”）。", item=item, text=sentence.strip()))
                continue
            start, end = first[0], (last[-1] if last else first[-1])
            if end < start:
                notice.problems.append(_("%(item)s：放假结束日期 %(end)s 早于开始日期 %(start)s。", item=item,
                                         end=end.isoformat(), start=start.isoformat()))
                continue
            if (end - start).days > 30:
                notice.problems.append(_("%(item)s：放假 %(n)s 天，不像节假日安排，请检查日期。", item=item,
                                         n=(end - start).days + 1))
                continue
            holiday = Holiday(name, start, end)
            total = _TOTAL.search(sentence)
            if total and int(total.group(1)) != len(holiday.days):
                notice.warnings.append(_("%(item)s：写明共 %(said)s 天，日期范围是 %(n)s 天。", item=item,
                                         said=total.group(1), n=len(holiday.days)))
        elif re.search(r"(?<!不)上班\s*$", sentence.strip()):
            workdays.extend(dates.read(sentence))
    if holiday is None:
        if not any("放假" in s for s in sentences):
            notice.problems.append(_("%(item)s：没有找到“放假”的日期。", item=item))
        return
    for d in workdays:
        if d.weekday() < 5:
            notice.warnings.append(_("%(item)s：调休上班日 %(day)s 本来就是工作日（周%(weekday)s）。", item=item,
                                     day=d.isoformat(), weekday=_WEEKDAY_NAMES[d.weekday()]))
        if holiday.first <= d <= holiday.last:
            notice.problems.append(_("%(item)s：%(day)s 既在放假范围内又是调休上班日。", item=item, day=d.isoformat()))
    holiday.workdays = workdays
    notice.holidays.append(holiday)


def parse(text: str, year: int | None = None) -> Notice:
    """The notice's holidays and make-up working days, with what could not be read.

    ``year``: the year the administrator says the notice is for; the title's year wins when
    both are given and they differ (reported as a problem)."""
    text = _clean(text)
    titled = _TITLE_YEAR.search(text)
    title_year = int(titled.group(1) or titled.group(2)) if titled else None
    notice = Notice(year=title_year or year)
    if title_year and year and title_year != year:
        notice.problems.append(_("通知标题是 %(a)s 年，但选择的是 %(b)s 年。", a=title_year, b=year))
    if notice.year is None:
        notice.problems.append(_("没有读出年份：请粘贴含标题（国务院办公厅关于20XX年部分节假日安排的通知）的全文，或选择年份。"))
        return notice
    matches = list(_ITEM.finditer(text))
    if not matches:
        notice.problems.append(_("没有找到节假日条目（应有“一、元旦：1月1日……放假”这样的行）。"))
        return notice
    for m, nxt in zip(matches, [*matches[1:], None], strict=True):
        body = text[m.end(): nxt.start() if nxt else len(text)]
        if nxt is None:  # the closing paragraph (节假日期间，各地区……) is no part of the last item
            body = re.split(r"\n\s*\n|节假日期间", body, maxsplit=1)[0]
        _read_item(notice, _name(m.group(2)), body)
    seen: dict[date, str] = {}
    for h in notice.holidays:
        for d in h.days + h.workdays:
            if d in seen and seen[d] != h.name:
                notice.problems.append(_("%(day)s 同时出现在“%(a)s”和“%(b)s”中。", day=d.isoformat(), a=seen[d], b=h.name))
            seen[d] = h.name
    off_year = [d for d in seen if abs(d.year - notice.year) > 1]
    if off_year:
        notice.problems.append(_("日期 %(day)s 不在 %(year)s 年前后。", day=off_year[0].isoformat(), year=notice.year))
    return notice

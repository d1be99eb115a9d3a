"""The period a report covers: a day, a week (Monday to Sunday), a month, an assessment period
(考核期, honouring the month-boundary setting of app/services/rates.py) or any range of days.

A period is [start, end) in Asia/Shanghai; tickets belong to it by their 接收时间 (received_at).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.engine.clock import LOCAL_TZ, clock
from app.services import N_, ServiceError, _, query_args, rates

KINDS = ("day", "week", "month", "assessment", "range")
KIND_LABELS = {"day": N_("日报"), "week": N_("周报"), "month": N_("月报"), "assessment": N_("考核期报告"),
               "range": N_("区间报告")}
MAX_RANGE_DAYS = 400
WEEKDAYS = "一二三四五六日"


def _midnight(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time(), LOCAL_TZ)


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    first: date  # first day
    last: date  # last day (inclusive)
    assessment: str = ""  # YYYY-MM for kind 'assessment'

    @property
    def start(self) -> datetime:
        if self.kind == "assessment":
            return rates.period_bounds(self.assessment)[0]
        return _midnight(self.first)

    @property
    def end(self) -> datetime:
        if self.kind == "assessment":
            return rates.period_bounds(self.assessment)[1]
        return _midnight(self.last + timedelta(days=1))

    @property
    def key(self) -> str:
        """Stable text naming the period (report archive, file names)."""
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "week":
            year, week, _day = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return self.first.strftime("%Y-%m")
        if self.kind == "assessment":
            return f"{self.assessment}-考核期"
        return f"{self.first.isoformat()}_{self.last.isoformat()}"

    @property
    def title(self) -> str:
        """Chinese label, e.g. 2026年11月 / 2026-11-25（周三）/ 2026-11-23 至 2026-11-29."""
        if self.kind == "day":
            return f"{self.first.isoformat()}（周{WEEKDAYS[self.first.weekday()]}）"
        if self.kind == "month":
            return f"{self.first.year}年{self.first.month}月"
        if self.kind == "assessment":
            year, month = self.assessment.split("-")
            first, last = self.start.date(), (self.end - timedelta(days=1)).date()
            return f"{int(year)}年{int(month)}月考核期（{first.isoformat()} 至 {last.isoformat()}）"
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def args(self) -> dict:
        """The query arguments that name this period on the report pages."""
        if self.kind == "day":
            return {"kind": "day", "date": self.first.isoformat()}
        if self.kind == "week":
            return {"kind": "week", "date": self.first.isoformat()}
        if self.kind == "month":
            return {"kind": "month", "month": self.first.strftime("%Y-%m")}
        if self.kind == "assessment":
            return {"kind": "assessment", "month": self.assessment}
        return {"kind": "range", "from": self.first.isoformat(), "to": self.last.isoformat()}

    def ledger_args(self) -> dict:
        """The ledger filter for the same tickets (received in the period)."""
        if self.kind == "assessment":
            return {"period": self.assessment}
        return {"received_from": self.first.isoformat(), "received_to": self.last.isoformat()}

    def shifted(self, steps: int) -> Period:
        """The period ``steps`` periods before (negative) or after, of the same kind and length."""
        if self.kind == "day":
            return day(self.first + timedelta(days=steps))
        if self.kind == "week":
            return week(self.first + timedelta(days=7 * steps))
        if self.kind == "month":
            return month(_add_months(self.first, steps).strftime("%Y-%m"))
        if self.kind == "assessment":
            return assessment(_add_months(date.fromisoformat(self.assessment + "-01"), steps).strftime("%Y-%m"))
        length = (self.last - self.first).days + 1
        return between(self.first + timedelta(days=length * steps), self.last + timedelta(days=length * steps))

    def previous(self) -> Period:
        return self.shifted(-1)

    def year_ago(self) -> Period:
        """The same period a year before (a week: the same ISO week; a day: the same date)."""
        if self.kind == "week":
            year, number, _day = self.first.isocalendar()
            try:
                return week(date.fromisocalendar(year - 1, number, 1))
            except ValueError:  # week 53
                return week(date.fromisocalendar(year - 1, 52, 1))
        if self.kind in ("month", "assessment"):
            return self.shifted(-12)

        def back(d: date) -> date:
            try:
                return d.replace(year=d.year - 1)
            except ValueError:  # 29 February
                return d.replace(year=d.year - 1, day=28)
        if self.kind == "day":
            return day(back(self.first))
        return between(back(self.first), back(self.last))

    def months(self, count: int) -> list[str]:
        """The assessment months ending with the one this period ends in (for trends)."""
        last = rates.current_period(self.end - timedelta(seconds=1))
        first = date.fromisoformat(last + "-01")
        return [_add_months(first, -i).strftime("%Y-%m") for i in range(count - 1, -1, -1)]


def _date(text: str, what: str) -> date:
    try:
        d = date.fromisoformat(str(text).strip())
    except ValueError as exc:
        raise ServiceError(_("%(what)s的日期格式应为 YYYY-MM-DD。", what=what)) from exc
    return _within_years(d)


def _month(text: str) -> str:
    text = str(text or "").strip()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise ServiceError(_("月份格式应为 YYYY-MM。"))
    _within_years(date.fromisoformat(text + "-01"))
    return text


def _within_years(d: date) -> date:
    try:
        return query_args.in_years(d)
    except ValueError:
        raise ServiceError(_("日期应在 %(low)s 年至 %(high)s 年之间。", low=query_args.YEARS[0],
                             high=query_args.YEARS[1])) from None


def day(d: date) -> Period:
    return Period("day", d, d)


def week(d: date) -> Period:
    monday = d - timedelta(days=d.weekday())
    return Period("week", monday, monday + timedelta(days=6))


def month(label: str) -> Period:
    first = date.fromisoformat(_month(label) + "-01")
    return Period("month", first, _add_months(first, 1) - timedelta(days=1))


def assessment(label: str) -> Period:
    label = _month(label)
    start, end = rates.period_bounds(label)
    return Period("assessment", start.date(), (end - timedelta(days=1)).date(), label)


def between(first: date, last: date) -> Period:
    if last < first:
        raise ServiceError(_("结束日期不能早于开始日期。"))
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ServiceError(_("统计区间不能超过 %(days)s 天。", days=MAX_RANGE_DAYS))
    return Period("range", first, last)


def from_args(args) -> Period:
    """The period a page or a command asks for; a missing one is this month (or today, this week)."""
    kind = (args.get("kind") or "month").strip()
    today = clock.local_now().date()
    if kind == "day":
        return day(_date(args.get("date"), _("日报")) if args.get("date") else today)
    if kind == "week":
        return week(_date(args.get("date"), _("周报")) if args.get("date") else today)
    if kind == "month":
        return month(args.get("month") or today.strftime("%Y-%m"))
    if kind == "assessment":
        return assessment(args.get("month") or rates.current_period())
    if kind == "range":
        return between(_date(args.get("from"), _("开始")), _date(args.get("to"), _("结束")))
    raise ServiceError(_("报表类型应为日报、周报、月报、考核期或区间。"))


def from_key(kind: str, key: str) -> Period:
    """The inverse of ``Period.key`` (the archive stores kind and key)."""
    if kind == "day":
        return day(date.fromisoformat(key))
    if kind == "week":
        year, number = key.split("-W")
        return week(date.fromisocalendar(int(year), int(number), 1))
    if kind == "month":
        return month(key)
    if kind == "assessment":
        return assessment(key.split("-考核期")[0])
    first, last = key.split("_")
    return between(date.fromisoformat(first), date.fromisoformat(last))

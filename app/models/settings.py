"""Key-value settings and the working-day calendar table."""

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONText


class Setting(db.Model):
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSONText())


class CalendarDay(db.Model):
    """A day that differs from Mon-Fri: a holiday, or a make-up working day (调休上班)."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column()
    name: Mapped[str] = mapped_column(String(40), default="")


class CalendarYear(db.Model):
    """A year whose official calendar is in the table (from chinese-calendar or entered by an admin)."""

    year: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40), default="chinese_calendar")

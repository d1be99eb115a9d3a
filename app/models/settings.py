"""Key-value settings and the working-day calendar table."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONText, UTCDateTime


class Setting(db.Model):
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSONText())


class CalendarDay(db.Model):
    """A day that differs from Mon-Fri: a holiday, or a make-up working day (调休上班)."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column()
    name: Mapped[str] = mapped_column(String(40), default="")


class CalendarYear(db.Model):
    """A year with rows in the table (from chinese-calendar, a pasted notice, or entered by hand).

    It counts as known (deadlines trusted, no warning) only once ``confirmed_at`` is set: by the
    seed for years the chinese-calendar package knows, else by an administrator who confirms the
    year complete. Entering a day does not confirm its year.
    """

    year: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40), default="chinese_calendar")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

"""排班: who is on which duty shift (日班、夜班、节假日值班) in which duty role.

A shift is not a table of its own: it is a date and a kind, and its start and end come
from the shift-time settings (``app.services.roster.shift_times``), so the bureau can move
the change-over from 08:30 to 09:00 without rewriting the roster.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime
from app.models.user import User

# Shift kinds: code -> interface label. Working days have a day and a night shift;
# days off (weekends and public holidays by the working-day calendar) one 24-hour holiday shift.
SHIFT_KINDS: dict[str, str] = {
    "day": "日班",
    "night": "夜班",
    "holiday": "节假日值班",
}

# Default shift times (local wall clock, Asia/Shanghai); an end at or before the start is on the next day.
DEFAULT_SHIFT_TIMES: dict[str, str] = {
    "day": "08:30-17:30",
    "night": "17:30-08:30",
    "holiday": "08:30-08:30",
}

# Roles on duty: code -> (interface label, the user role a person needs to take it).
DUTY_ROLES: dict[str, tuple[str, str]] = {
    "dispatcher": ("值班派单员", "dispatcher"),
    "duty": ("值班员", "duty"),
    "leader": ("值班领导", "supervisor"),
}


class DutyAssignment(db.Model):
    """One person on one shift in one duty role."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # the date the shift starts on
    shift: Mapped[str] = mapped_column(String(10))  # a SHIFT_KINDS code
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    duty_role: Mapped[str] = mapped_column(String(12))  # a DUTY_ROLES code
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        Index("uq_duty_assignment", "day", "shift", "duty_role", "user_id", unique=True),
    )

    @property
    def shift_label(self) -> str:
        return SHIFT_KINDS.get(self.shift, self.shift)

    @property
    def role_label(self) -> str:
        return DUTY_ROLES.get(self.duty_role, (self.duty_role, ""))[0]

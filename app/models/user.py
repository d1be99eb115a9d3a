"""Users, their roles and sections (科室)."""

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.types import UTCDateTime

# Role codes (English, used in BPMN candidateGroups) and their interface labels.
ROLES: dict[str, str] = {
    "dispatcher": "派单员",
    "handler": "承办人",
    "reviewer": "审核员",
    "callback": "回访员",
    "duty": "值班员",
    "analyst": "统计员",
    "inspector": "检查员",
    "supervisor": "主管",
    "leader": "分管领导",  # receives early warnings and their escalations
    "process_owner": "流程管理员",
    "admin": "系统管理员",
}


class Section(db.Model):
    """科室: a section of the bureau that handles tickets by its duties (三定方案)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    duties: Mapped[str] = mapped_column(String(1000), default="")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(255), default="")  # comma-separated role codes
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    phone: Mapped[str] = mapped_column(String(30), default="")
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(20))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    must_change_password: Mapped[bool] = mapped_column(default=False)  # an admin set it: change at next login

    section: Mapped[Section | None] = relationship()

    # The signed-in session this object was loaded for (app/services/sessions.py); not a column.
    session_token = None

    def get_id(self) -> str | None:
        """What Flask-Login keeps in the cookie: the session's random token, never the user's id."""
        return self.session_token

    def set_password(self, password: str) -> None:
        method = current_app.config.get("JIESU_PASSWORD_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_set(self) -> set[str]:
        return self.roles_of(self.roles)

    @staticmethod
    def roles_of(roles: str) -> set[str]:
        """The role codes of a stored ``roles`` column ("dispatcher,duty")."""
        return {r for r in roles.split(",") if r}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set & set(roles)) or "admin" in self.role_set

    @property
    def groups(self) -> set[str]:
        """Candidate groups this user belongs to: role codes plus the section code."""
        return self.groups_of(self.roles, self.section.code if self.section is not None else None)

    @staticmethod
    def groups_of(roles: str, section_code: str | None) -> set[str]:
        """``groups`` from the stored columns (a query that reads them without loading users)."""
        groups = User.roles_of(roles)
        if section_code is not None:
            groups.add(section_code)
        return groups

    @property
    def role_labels(self) -> list[str]:
        return [ROLES.get(r, r) for r in sorted(self.role_set)]

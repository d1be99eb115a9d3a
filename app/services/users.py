"""Users: creation with validated roles and section."""

from sqlalchemy import select

from app.extensions import db
from app.models import ROLES, Section, User
from app.services import ServiceError, _
from app.services.uow import unit_of_work


def add_user(username: str, name: str, roles: list[str], section_code: str | None, password: str) -> User:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ServiceError(_("未知角色：%(unknown)s；可用角色：%(roles)s", unknown="、".join(unknown), roles="、".join(ROLES)))
    if len(password) < 8:
        raise ServiceError(_("密码至少 8 位。"))
    with unit_of_work():
        if db.session.scalar(select(User.id).where(User.username == username)):
            raise ServiceError(_("用户名 %(username)s 已存在。", username=username))
        section = None
        if section_code:
            section = db.session.scalar(select(Section).where(Section.code == section_code))
            if section is None:
                raise ServiceError(_("科室代码 %(code)s 不存在。", code=section_code))
        user = User(username=username, name=name, roles=",".join(roles), section=section)
        user.set_password(password)
        db.session.add(user)
    return user

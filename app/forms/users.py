"""用户管理: the admin's forms for a user (roles and sections are offered from the database)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.catalogue import lazy_gettext as _l


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[InputRequired(message=_l("请填写用户名")),
                                                  Length(max=60, message=_l("用户名不能超过 60 个字符"))])
    name = StringField(_l("姓名"), validators=[InputRequired(message=_l("请填写姓名")),
                                             Length(max=60, message=_l("姓名不能超过 60 个字"))])
    roles = MultiCheckboxField(_l("角色"), choices=[], invalid_choice_message=_l("所选角色不存在"))
    section = SelectField(_l("科室"), choices=[], validators=[Optional()], invalid_choice_message=_l("所选科室不存在"))
    phone = StringField(_l("电话"), validators=[Length(max=30, message=_l("电话不能超过 30 个字符"))])
    password = PasswordField(_l("初始密码"), validators=[Optional()],
                             description=_l("留空则自动生成；用户首次登录时必须修改。"))

    def offer(self, roles: dict, sections: list) -> None:
        """The choices: role code -> label, sections as (code, name)."""
        self.roles.choices = list(roles.items())
        self.section.choices = [("", _l("（无）")), *sections]


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("临时密码"), validators=[Optional()],
                             description=_l("留空则自动生成；用户下次登录时必须修改。"))

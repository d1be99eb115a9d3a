from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from app.services.catalogue import lazy_gettext as _l


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[InputRequired(message=_l("请填写用户名"))])
    password = PasswordField(_l("密码"), validators=[InputRequired(message=_l("请填写密码"))])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[InputRequired(message=_l("请填写当前密码"))])
    new = PasswordField(_l("新密码"), validators=[InputRequired(message=_l("请填写新密码"))],
                        description=_l("至少 10 位；不能包含用户名或姓名，不能是常见密码。"))
    repeat = PasswordField(_l("再次输入新密码"), validators=[InputRequired(message=_l("请再次输入新密码"))])

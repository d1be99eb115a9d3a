from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[InputRequired(message="请填写用户名")])
    password = PasswordField("密码", validators=[InputRequired(message="请填写密码")])

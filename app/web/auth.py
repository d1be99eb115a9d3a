
from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import db
from app.forms.auth import LoginForm
from app.models import User
from app.web import flow

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).where(User.username == form.username.data.strip()))
        if user is None or not user.check_password(form.password.data):
            flash(_("用户名或密码错误。"), "danger")
        elif not user.active:
            flash(_("该账号已停用，请联系管理员。"), "danger")
        else:
            login_user(user)
            return redirect(flow.safe_next(url_for("inbox.index")))
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>")
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return flow.back()

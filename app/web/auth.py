"""Signing in and out, one's own password, the interface language."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.forms.auth import ChangePasswordForm, LoginForm
from app.services import ServiceError, accounts, login_guard
from app.services.catalogue import gettext as _
from app.web import flow
from app.web.landing import landing_url

bp = Blueprint("auth", __name__)


def _address() -> str:
    return request.remote_addr or ""


def _agent() -> str:
    return request.user_agent.string or ""


def _start_session(user, token: str) -> None:
    """A fresh cookie for a new session: nothing of the signed-out session's data is carried over."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    user.session_token = token
    login_user(user)
    session.permanent = True


def _keep_device(response, username: str, value: str):
    """The device cookie: this browser signed in correctly, so the account's lockout spares it."""
    response.set_cookie(login_guard.device_cookie_name(username), value, max_age=login_guard.DEVICE_DAYS * 86400,
                        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
                        path=url_for("auth.login"))
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            signed = accounts.sign_in(form.username.data, form.password.data, _address(), _agent(),
                                      request.cookies.get(login_guard.device_cookie_name(form.username.data or "")))
        except accounts.LoginLocked as exc:
            flash(str(exc), "danger")
            status = 429
        except ServiceError as exc:
            flash(str(exc), "danger")
            status = 401
        else:
            _start_session(signed.user, signed.token)
            if signed.user.must_change_password:  # the page itself says why
                response = redirect(url_for("auth.change_password"))
            else:
                response = redirect(flow.safe_next(landing_url(signed.user)))
            return _keep_device(response, signed.user.username, signed.device)
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    accounts.sign_out(current_user, current_user.session_token, _address())
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    status = 200
    if request.method == "POST":
        token = {}

        def change():
            try:
                token["value"] = accounts.change_password(current_user, form.current.data, form.new.data,
                                                          form.repeat.data, _address(), _agent(),
                                                          current_user.session_token)
            except accounts.LoginLocked as exc:
                token["locked"] = str(exc)
                raise

        status = flow.submit_form(form, change)
        if token.get("locked"):  # too many wrong current passwords: this session has ended
            logout_user()
            session.clear()
            flash(token["locked"], "danger")
            return redirect(url_for("auth.login"))
        if status is None:
            user = current_user._get_current_object()
            _start_session(user, token["value"])
            flash(_("密码已修改；其他设备上的登录已全部退出。"), "success")
            # this browser stays trusted under the new password (the old cookie named the old one)
            return _keep_device(redirect(url_for("inbox.index")), user.username, login_guard.new_device(user))
    return render_template("account/password.html", form=form,
                           forced=current_user.must_change_password), status


@bp.route("/lang/<code>")
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return flow.back()

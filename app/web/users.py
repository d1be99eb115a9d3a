"""用户管理 (admins): the users, adding one, roles and section, disabling, password resets, sign-outs, unlocks."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.forms.users import ResetPasswordForm, UserForm
from app.models import ROLES, Section
from app.services import ServiceError, login_guard, security_log, sessions, users
from app.services.catalogue import gettext as _
from app.web import flow
from app.web.filters import role_names

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _form(user=None) -> UserForm:
    form = UserForm()
    sections = db.session.execute(db.select(Section.code, Section.name).order_by(Section.id)).all()
    form.offer({code: _(label) for code, label in ROLES.items()}, [tuple(s) for s in sections])
    if user is not None:
        del form.username  # not editable: the records refer to it
        del form.password  # resets have their own form
        if request.method == "GET":
            form.name.data, form.phone.data = user.name, user.phone
            form.roles.data = sorted(user.role_set)
            form.section.data = user.section.code if user.section else ""
    return form


def _fields(form: UserForm) -> users.UserFields:
    return users.UserFields(form.name.data or "", list(form.roles.data or []), form.section.data or None,
                            form.phone.data or "")


@bp.route("/")
def index():
    q, role = request.args.get("q", "").strip(), request.args.get("role", "")
    return render_template("users/index.html", users=users.list_users(q, role), q=q, role=role, roles=ROLES,
                           locked=login_guard.locked_usernames(), locks=login_guard.active_locks(),
                           role_names=role_names)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = _form()
    status = 200
    if request.method == "POST":
        password = form.password.data or users.generate_password()
        created = {}

        def add():
            f = _fields(form)
            created["user"] = users.add_user(form.username.data, f.name, f.roles, f.section_code, password,
                                             actor=current_user, phone=f.phone)

        status = flow.submit_form(form, add)
        if status is None:
            user = created["user"]
            flash(_("已添加用户 %(username)s。", username=user.username), "success")
            return render_template("users/password_issued.html", user=user, password=password)
    return render_template("users/form.html", form=form, user=None), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id):
    user = users.get_user(user_id)
    form = _form(user)
    status = 200
    if request.method == "POST":
        status = flow.submit_form(form, lambda: users.update_user(user.id, current_user, _fields(form)))
        if status is None:
            flash(_("已保存用户 %(username)s。", username=user.username), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    events, _total = security_log.search(security_log.EventFilter(user=user.username), per_page=20)
    return render_template("users/form.html", form=form, user=user, reset=ResetPasswordForm(),
                           sessions=sessions.open_sessions(user), events=events, kinds=security_log.KINDS,
                           locked=user.username.lower() in login_guard.locked_usernames()), status


@bp.route("/<int:user_id>/active", methods=["POST"])
def set_active(user_id):
    active = request.form.get("active") == "1"
    if flow.attempt(users.set_active, user_id, current_user, active):
        flash(_("已启用该用户。") if active else _("已停用该用户，其所有登录已退出。"), "success")
    return redirect(url_for("users.edit", user_id=user_id))


@bp.route("/<int:user_id>/password", methods=["POST"])
def reset_password(user_id):
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flow.form_invalid()
        return redirect(url_for("users.edit", user_id=user_id))
    try:
        user, password = users.reset_password(user_id, current_user, form.password.data or None)
    except ServiceError as exc:
        flow.refused(exc)
        return redirect(url_for("users.edit", user_id=user_id))
    return render_template("users/password_issued.html", user=user, password=password, reset=True)


@bp.route("/<int:user_id>/sign-out", methods=["POST"])
def sign_out(user_id):
    try:
        ended = users.sign_out_everywhere(user_id, current_user)
    except ServiceError as exc:
        flow.refused(exc)
    else:
        flash(_("已结束该用户的 %(n)s 个登录。", n=ended), "success")
    return redirect(url_for("users.edit", user_id=user_id))


@bp.route("/unlock", methods=["POST"])
def unlock():
    kind = request.form.get("kind") if request.form.get("kind") in ("address", "device") else "account"
    key = request.form.get("key", "").strip()
    if key and flow.attempt(users.unlock, kind, key, current_user):
        flash(_("已解除 %(key)s 的登录锁定。", key=key), "success")
    return flow.back("users.index")

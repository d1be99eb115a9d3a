"""How a view answers a service's refusal: one mapping from errors to status codes and messages.

Views call services and let a refusal (``ServiceError`` and its kinds) propagate: the app-wide
handler registered here answers it — 404 and 403 pages for ``NotFound`` and
``PermissionDenied``; for a refused change (``Conflict``, ``InvalidInput``, any other
``ServiceError``) the message is flashed and the user goes back to the page they came from,
with 409 / 422 for clients that do not follow redirects.

A view that shows a form catches the refusal itself with :func:`refused`, which puts field
errors on the form's fields (nothing the user typed is lost) and gives the status to
re-render the form with.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.forms.builder import TaskForm
from app.services import N_, Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError, completion
from app.services.catalogue import gettext
from app.web import errors

FORM_HAS_ERRORS = N_("表单有误，请按提示修改后再提交。")


def status_for(exc: ServiceError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 422


def refused(exc: ServiceError, form=None, summary: str | None = None) -> int:
    """Tell the user why ``exc`` refused the change; returns the status to render the page with.

    With a form, the errors of an ``InvalidInput`` go on its fields (a field the form does not
    have is flashed) under one ``summary`` line; without one, or for any other refusal, the
    message is flashed.
    """
    db.session.expire_all()  # the failed transaction was rolled back: read what is true now
    if isinstance(exc, InvalidInput) and form is not None:
        for name, message in exc.errors.items():
            field = form._fields.get(name) if hasattr(form, "_fields") else None
            if field is not None:
                if str(message) not in [str(e) for e in field.errors]:
                    field.errors = [*field.errors, message]
            else:
                flash(str(message), "danger")
        flash(summary or gettext(FORM_HAS_ERRORS), "danger")
    else:
        flash(str(exc), "danger")
    return status_for(exc)


def add_errors(form, errors: dict) -> bool:
    """Put a service rule's {field: message} on the form's fields (others are flashed); True if any."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is None:
            flash(str(message), "danger")
        elif str(message) not in [str(e) for e in field.errors]:
            field.errors = [*field.errors, message]
    return bool(errors)


def form_invalid(summary: str | None = None) -> int:
    """The form did not validate: the fields carry their messages; one line says so on top."""
    flash(summary or gettext(FORM_HAS_ERRORS), "danger")
    return 422


def submit_form(form, action, summary: str | None = None) -> int | None:
    """Validate ``form`` (with its CSRF token) and run ``action()``.

    Returns None when the change was made, else the status to re-render the form with (its
    fields keep what was typed and carry the messages).
    """
    if not form.validate_on_submit():
        return form_invalid(summary)
    try:
        action()
    except ServiceError as exc:
        return refused(exc, form, summary)
    return None


def submit_task(item, form, files=None) -> int | None:
    """A task form posted: validate it and complete the task through the completion pipeline.

    ``files``: a callable storing the form's uploads first (None when one was refused: its
    field carries the message). Returns None when the task was completed (and says so),
    else the status to re-render the form with.
    """
    if not form.validate():
        if isinstance(form, TaskForm):  # a diagram's form: its task's rules too, every field's error at once
            found = completion.problems(item, current_user, form.task_data()[0])
            add_errors(form, {name: message for name, message in found.items()
                              if name not in form._fields or not form[name].errors})
        return form_invalid()
    stored = files() if files is not None else []
    if stored is None:
        return form_invalid()
    data, display = form.task_data()
    title = item.title  # read before the commit expires the item
    try:
        done = completion.complete_task(item.id, current_user, completion.Submission(data, display, stored))
    except ServiceError as exc:
        return refused(exc, form)
    # the task's handler may say what the submission did (a return is no 签收)
    flash(str(done.result.get("message") or gettext("已提交：%(title)s", title=title)),
          done.result.get("category", "success"))  # "warning": done, with something to look at
    return None


def attempt(action, *args, **kwargs) -> bool:
    """Run a service call for a button (claim, acknowledge ...): True if done, else its refusal is flashed."""
    try:
        action(*args, **kwargs)
    except ServiceError as exc:
        refused(exc)
        return False
    return True


def is_local(target: str | None) -> bool:
    """A path on this site (``/tickets/3``), never another host (``//evil``, ``/\\evil``, ``https://...``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    return "\\" not in target and not any(ord(c) < 32 for c in target) and not urlsplit(target).netloc


def safe_next(default: str) -> str:
    """Where to go after a post: the form's or query's ``next`` when it is a path of ours, else ``default``."""
    target = request.form.get("next") or request.args.get("next") or ""
    return target if is_local(target) else default


def with_query(endpoint: str):
    """Redirect to ``endpoint`` with this request's query (a list page's filters as the user set them);
    url_for's own ``_external``/``_scheme``/... are never taken from the query."""
    args = {k: v for k, v in request.args.lists() if not k.startswith("_")}
    return redirect(url_for(endpoint, **args))


def back(default_endpoint: str = "inbox.index", **values):
    """Redirect to the page the user came from, if it is ours, else to ``default_endpoint``."""
    target = request.referrer or ""
    if target.startswith(request.host_url):
        path = "/" + target[len(request.host_url):]
        if is_local(path):
            return redirect(path)
    return redirect(url_for(default_endpoint, **values))


def install(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        db.session.rollback()
        status = status_for(exc)
        if status in (403, 404) or request.method == "GET":
            return errors.page(status, message=str(exc))
        flash(str(exc), "danger")
        return back()

"""Error pages: Chinese (or the reader's language), in the app's layout, for every HTTP error and for
the CSRF failure; JSON under /api/ (app/web/api/common.py)."""

from __future__ import annotations

import logging

from flask import Flask, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db, login_manager
from app.services import N_
from app.services.catalogue import gettext
from app.web.api import common as api

log = logging.getLogger(__name__)

# status -> (heading, explanation); catalogue msgids
PAGES = {
    400: (N_("请求有误"), N_("请求的内容不完整或格式不正确。请返回上一页重试。")),
    401: (N_("请先登录"), N_("此页面需要登录后访问。")),
    403: (N_("无权访问"), N_("您的角色不能使用此页面或执行此操作。如需权限，请联系系统管理员。")),
    404: (N_("页面或事项不存在"), N_("地址可能输错了，或该事项已不存在。")),
    405: (N_("不支持的操作"), N_("此页面不接受这种请求方式。请从页面上的按钮或链接操作。")),
    409: (N_("事项已被他人处理"), N_("请刷新页面查看最新状态。")),
    410: (N_("文件已不存在"), N_("该文件已从存储中移除，请联系管理员。")),
    413: (N_("提交的内容过大"), N_("此页面一次最多接收 %(limit)s。请压缩或拆分文件后重试。")),
    422: (N_("无法完成操作"), N_("提交的内容未通过检查。")),
    429: (N_("尝试过于频繁"), N_("请稍后再试。")),
    503: (N_("服务暂时不可用"), N_("请稍后刷新页面重试。")),
    500: (N_("服务器出错"), N_("操作未完成，也没有保存任何半截的数据。请稍后重试；如果问题持续，请联系系统管理员。")),
}
DATABASE_DOWN = (N_("数据库暂时不可用，您填写的内容已保留在本机"),
                 N_("系统暂时连不上数据库，本次操作没有保存。您在表单里填写的内容保存在这台电脑的浏览器中，"
                    "请稍后刷新页面或重新提交；如果持续出现，请联系系统管理员。"))
RETRY_AFTER_SECONDS = 10
CSRF_PAGE = (N_("页面已过期，请重新提交"),
             N_("表单的安全校验未通过（页面打开太久、在别的窗口退出过登录，或表单不是从本系统提交的）。"
                "请返回上一页，刷新后重新填写提交。"))

NUL_TEXT = N_("提交的内容含有空字符（U+0000），无法保存或查询。请删除该字符（常见于从其他软件复制的文字）后重试。")


def size_text(n: int | None) -> str:
    if not n:
        return "—"
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def page(status: int, heading: str | None = None, text: str | None = None, message: str | None = None,
         database_down: bool = False):
    """The error page for ``status`` as a response (a service's refusal passes its own ``message``)."""
    default_heading, default_text = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    heading = heading or gettext(default_heading)
    if text is None:
        text = gettext(default_text, limit=size_text(request.max_content_length)) if status == 413 \
            else gettext(default_text)
    try:
        body = render_template("error.html", status=status, heading=heading, text=text, message=message,
                               database_down=database_down)
        return make_response(body, status)
    except Exception:  # the page itself failed (a broken database): say it plainly
        db.session.rollback()
        log.exception("error page %s could not be rendered", status)
        response = make_response(f"{status} {heading}：{text}", status)
        response.mimetype = "text/plain"
        return response


def database_down_page():
    """503 in the app's layout, rendered without a query: the reader counts as signed out for the
    layout (the navbar needs the database), so nothing in the page asks the database again."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: nothing to roll back
        log.debug("rollback failed while the database is down", exc_info=True)
    g._login_user = login_manager.anonymous_user()  # flask-login's cache: no session lookup
    response = page(503, gettext(DATABASE_DOWN[0]), gettext(DATABASE_DOWN[1]), database_down=True)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def close_session(_exc=None) -> None:
    """Runs before Flask-SQLAlchemy's own teardown (registered later, called first). Its rollback on a
    connection the database dropped (stopped while the request ran) raises after the response is
    made, and waitress then answers its bare English 500 instead: discard that connection instead."""
    try:
        db.session.remove()
    except Exception:  # the connection is gone: nothing to roll back
        log.warning("database connection lost at the end of a request; discarded", exc_info=True)
        try:
            db.session.invalidate()
            db.session.remove()
        except Exception:  # nothing more to do for this connection
            log.debug("discarding the lost connection failed", exc_info=True)


def _wants_json() -> bool:
    """The modeler's fetch calls (/modeler/api/…, whatever they send or accept) and any JSON request get JSON."""
    return (request.is_json or request.accept_mimetypes.best == "application/json"
            or request.path.startswith("/modeler/api/"))


def _holds_nul() -> bool:
    """Whether the path (/start/%00), the query, the form (names, values, file names) or a JSON body holds U+0000."""
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.is_json:
        raw = request.get_data(cache=True)
        return b"\x00" in raw or b"\\u0000" in raw
    return any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)) or any(
        "\x00" in k or "\x00" in (f.filename or "") for k, f in request.files.items(multi=True))


def _refuse_nul():
    """PostgreSQL cannot store U+0000 in text (the statement would fail with a 500): refused first, with a message.
    The API checks its own bodies (app/web/api/schemas.py: no control characters)."""
    if request.endpoint in (None, "static") or request.path.startswith("/api/") or not _holds_nul():
        return None
    text = gettext(NUL_TEXT)
    if _wants_json():
        return {"message": text, "problems": []}, 400
    return page(400, text=text)


def install(app: Flask) -> None:
    app.teardown_appcontext(close_session)
    app.before_request(_refuse_nul)  # after audiences' hook (registered first): the signed-out are refused unread

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DBAPIError)
    @app.errorhandler(SQLAlchemyTimeoutError)
    def _database(exc):
        if not api.is_database_unavailable(exc):
            log.error("database error on %s %s", request.method, request.path, exc_info=exc)
            db.session.rollback()
            return page(500)
        log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
        if request.path.startswith("/api/"):
            return api.database_unavailable()
        return database_down_page()

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if request.path.startswith("/api/"):
            return api.http_error(exc)
        if _wants_json():
            return {"message": f"{gettext(CSRF_PAGE[0])}：{gettext(CSRF_PAGE[1])}"}, 400
        return page(400, gettext(CSRF_PAGE[0]), gettext(CSRF_PAGE[1]))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        original = getattr(exc, "original_exception", None)
        if isinstance(exc, InternalServerError) and api.is_database_unavailable(original):
            log.error("database unavailable on %s %s: %s", request.method, request.path, original)
            return api.database_unavailable() if request.path.startswith("/api/") else database_down_page()
        if request.path.startswith("/api/"):
            return api.http_error(exc)
        if isinstance(exc, InternalServerError) or (exc.code or 500) >= 500:
            db.session.rollback()
            log.error("server error on %s %s", request.method, request.path,
                      exc_info=getattr(exc, "original_exception", None))
        if _wants_json():
            heading, text = PAGES.get(exc.code or 500, PAGES[500])
            text = gettext(text, limit=size_text(request.max_content_length)) if exc.code == 413 else gettext(text)
            return {"message": f"{gettext(heading)}：{text}", "problems": []}, exc.code or 500
        response = page(exc.code or 500)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response

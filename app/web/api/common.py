"""/api/v1's blueprint, authentication and JSON errors (the routes are in views.py)."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, g, request
from werkzeug.exceptions import HTTPException

from app.extensions import csrf, db
from app.services import _, apikeys
from app.services.outages import database_unavailable as database_unavailable_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024


is_database_unavailable = database_unavailable_error


def json_response(data, status: int = 200):
    """A JSON response with Chinese kept readable (not \\u-escaped)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(body, status=status, mimetype="application/json")


def error_response(status: int, message: str = "", field: str | None = None, errors: list | None = None,
                   headers: dict | None = None):
    if errors is None:
        entry = {"message": message}
        if field:
            entry["field"] = field
        errors = [entry]
    response = json_response({"errors": errors}, status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unauthorized(message: str):
    return error_response(401, message, headers={"WWW-Authenticate": 'Bearer realm="jiesu"'})


def authenticate(scope: str):
    """The request's API key (kept in ``g.api_key``) if it is valid and holds ``scope``, else the
    error response. Called by the audience hook (app/web/audiences.py) for every API route."""
    header = request.headers.get("Authorization", "")
    key = None
    if header:
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return unauthorized(_("Authorization 请求头应为 “Bearer <API 密钥>”。"))
        key = value.strip()
    else:
        key = request.headers.get("X-API-Key", "").strip() or None
    if key is None:
        return unauthorized(_("缺少 API 密钥：请在 Authorization: Bearer <密钥> 或 X-API-Key 请求头中提供。"))
    g.api_key = apikeys.authenticate(key)
    if g.api_key is None:
        return unauthorized(_("API 密钥无效或已吊销。"))
    if scope not in g.api_key.scope_set:
        return error_response(403, _("该 API 密钥没有“%(scope)s”权限。", scope=scope))
    return None


_HTTP_MESSAGES = {
    400: "请求不正确。",
    404: "路径不存在。",
    405: "该路径不支持此方法。",
    403: "该 API 密钥无权执行此操作。",
    413: "请求体过大（超过 1 MB）。",
    415: "请求体应为 JSON（Content-Type: application/json）。",
}


def http_error(exc: HTTPException):
    """The JSON answer to an HTTP error under /api/ (app/web/errors.py sends those here)."""
    headers = {}
    if exc.code == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    message = _HTTP_MESSAGES.get(exc.code)
    return error_response(exc.code or 500, _(message) if message else (exc.description or exc.name), headers=headers)


def database_unavailable():
    """503 while the database cannot be reached: the platform should send the request again."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone
        log.debug("rollback failed while the database is down", exc_info=True)
    return error_response(503, _("数据库暂时不可用，请求未被处理，请稍后重试。"), headers={"Retry-After": "10"})


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return http_error(exc)
    if is_database_unavailable(exc):
        log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
        return database_unavailable()
    db.session.rollback()
    log.exception("API error on %s %s", request.method, request.path)
    return error_response(500, _("服务器内部错误，请稍后重试；请求未被处理。"))


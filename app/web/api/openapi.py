"""The OpenAPI 3.1 document of /api/v1, built from the routes themselves.

Each view declares its operation with ``@operation(...)`` next to its code; ``document()``
walks the app's URL map, so a route without a description cannot go unnoticed (the
document refuses to build) and the schemas come from ``app.web.api.schemas``, the same
dicts the request validation uses.
"""

from __future__ import annotations

import re
from copy import deepcopy

from flask import current_app

from app.web.api import schemas

API_PREFIX = "/api/v1"
_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")

DESCRIPTION = """\
接诉（Jiesu）工单台的平台接口，供市级平台（市级直派）和区级平台（区级转派）使用。

**认证**：每个平台一把 API 密钥（`jiesu apikey create --platform 市级平台` 生成，只显示一次），
放在请求头 `Authorization: Bearer <密钥>` 或 `X-API-Key: <密钥>` 中。缺少、错误或已吊销的密钥返回 401。

**推送工单**：`PUT /api/v1/tickets/{ticket_no}`，工单编号是主键。首次推送返回 201；同一编号、同样内容
重复推送（如超时重试）返回 200，不会重复建单；同一编号、内容不同返回 409。字段不合格返回 422，
`errors` 列出每个不合格的字段及中文说明，此时什么也不会保存。

**出站队列**：本局的回复（审核通过后）、退回、转派进入出站队列。平台按 `GET /api/v1/outbox` 拉取
本平台工单的未确认消息（按编号递增），处理后逐条 `POST /api/v1/outbox/{id}/ack` 确认（可重复确认）。
未确认的消息每次拉取都会再次返回，直到确认，因此应答丢失也不会漏消息。每一轮从 cursor=0 开始，
用 `next_cursor` 翻页直到 `has_more` 为 false。

**督办、催办**：`POST /api/v1/tickets/{ticket_no}/messages` 把督办或催办送达正在办理的工单流程：
签收、分派阶段接收催办；办理与回复阶段接收督办和催办；已回复、已结束的工单返回 409。
`GET /api/v1/tickets/{ticket_no}` 的 `accepts_messages` 说明此刻可以发送哪类消息。

所有时间为 ISO 8601，带时区偏移；本系统返回北京时间（+08:00）。
"""


def operation(*, operation_id: str, summary: str, description: str = "", tag: str, request: str | None = None,
              parameters: tuple = (), responses: dict, auth: bool = True):
    """Describe a view for the OpenAPI document.

    ``parameters``: (name, "path"|"query", schema) triples; ``responses``: {status: (description,
    schema component name or None, extra)} where extra may hold ``headers``.
    """

    def wrap(view):
        view.openapi = {"operation_id": operation_id, "summary": summary, "description": description, "tag": tag,
                        "request": request, "parameters": parameters, "responses": responses, "auth": auth}
        return view

    return wrap


def openapi_path(rule: str) -> str:
    return _CONVERTER.sub(r"{\1}", rule)


_ERROR_RESPONSES = {
    "400": "请求体不是有效的 JSON",
    "401": "缺少 API 密钥，或密钥无效、已吊销",
    "403": "API 密钥没有此操作所需的权限（scope）",
    "413": "请求体过大（超过 1 MB）",
    "415": "请求体不是 JSON（Content-Type 应为 application/json）",
    "422": "字段或参数不合格：errors 逐项说明",
}


def _json(schema_name: str | None) -> dict:
    if schema_name is None:
        return {"application/json": {"schema": {"type": "object"}}}
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def _operation(meta: dict, method: str) -> dict:
    op: dict = {"operationId": meta["operation_id"], "summary": meta["summary"], "tags": [meta["tag"]]}
    if meta["description"]:
        op["description"] = meta["description"]
    params = []
    for name, where, schema in meta["parameters"]:
        param = {"name": name, "in": where, "required": where == "path", "schema": deepcopy(schema)}
        description = param["schema"].pop("description", "")
        examples = param["schema"].pop("examples", None)
        if description:
            param["description"] = description
        if examples:
            param["example"] = examples[0]
        params.append(param)
    if params:
        op["parameters"] = params
    if meta["request"]:
        op["requestBody"] = {"required": True, "content": _json(meta["request"])}
    responses: dict = {}
    for status, (description, schema_name, *extra) in meta["responses"].items():
        response = {"description": description, "content": _json(schema_name)}
        if extra and extra[0].get("headers"):
            response["headers"] = extra[0]["headers"]
        responses[str(status)] = response
    wanted = ["401", "403"] if meta["auth"] else []
    if meta["request"]:
        wanted += ["400", "413", "415", "422"]
    elif meta["parameters"]:
        wanted += ["422"]
    for status in wanted:
        if status not in responses:
            responses[status] = {"description": _ERROR_RESPONSES[status], "content": _json("Error")}
    if "401" in responses:
        responses["401"]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"},
                                                            "description": "Bearer realm=\"jiesu\""}}
    responses["default"] = {"description": "其他错误（如 404 路径不存在、405 方法不允许）", "content": _json("Error")}
    op["responses"] = dict(sorted(responses.items(), key=lambda kv: (kv[0] == "default", kv[0])))
    if not meta["auth"]:
        op["security"] = []
    return op


def document() -> dict:
    paths: dict = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        view = current_app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if meta is None:
            raise RuntimeError(f"路由 {rule.rule} 缺少 OpenAPI 说明（@operation）")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = _operation(meta, method)
    return {
        "openapi": "3.1.0",
        "info": {"title": "接诉 Jiesu 平台接口", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/", "description": "本服务器"}],
        "tags": [
            {"name": "工单", "description": "推送工单、查询办理状态"},
            {"name": "出站队列", "description": "回复、退回、转派，由平台拉取并确认"},
            {"name": "督办催办", "description": "平台下达督办、催办"},
            {"name": "文档", "description": "本文档"},
        ],
        "security": [{"bearerAuth": []}, {"apiKeyAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <API 密钥>"},
                "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
            "schemas": deepcopy(schemas.COMPONENTS),
        },
    }

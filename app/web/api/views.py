"""The /api/v1 routes. Each one validates against app.web.api.schemas and calls one service."""

from __future__ import annotations

import json

from flask import g, request, url_for
from sqlalchemy import select

from app.engine.clock import LOCAL_TZ
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import Ticket
from app.models.platform import PLATFORM_SOURCE
from app.services import (
    Conflict,
    InvalidInput,
    NotFound,
    ServiceError,
    _,
    apikeys,
    intake,
    outbox,
    platform_messages,
    ticket_rules,
)
from app.web.api import schemas as S
from app.web.api.common import MAX_BODY, bp, error_response, json_response
from app.web.api.openapi import document, operation


def _iso(value):
    return to_iso(value) if value is not None else None


def ticket_dict(ticket: Ticket) -> dict:
    return {
        "ticket_no": ticket.ticket_no,
        "title": ticket.title,
        "ticket_type": ticket.ticket_type,
        "source": ticket.source,
        "urgency": ticket.urgency,
        "state": ticket.state,
        "closed": ticket.closed_at is not None,
        "closed_at": _iso(ticket.closed_at),
        "outcome": ticket.outcome or "",
        "received_at": to_iso(ticket.received_at),
        "section": ticket.section.name if ticket.section else None,
        "deadlines": {
            "response": _iso(ticket.response_deadline),
            "reply": _iso(ticket.reply_deadline),
            "urge": _iso(ticket.urge_at),
            "platform": _iso(ticket.platform_deadline),
        },
        "first_contact_at": _iso(ticket.first_contact_at),
        "reply": {"text": ticket.reply_text, "replied_at": to_iso(ticket.replied_at)} if ticket.replied_at else None,
        "supervised": bool(ticket.supervised),
        "accepts_messages": platform_messages.accepted_kinds(ticket),
    }


class _DuplicateKey(ValueError):
    """A JSON object naming a field twice: which value the platform meant cannot be known (json.loads keeps the last)."""


def _unique_keys(pairs: list) -> dict:
    found = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def _json_body():
    """(body, None) or (None, error response): a JSON object, size-limited, parsed strictly."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None, error_response(413, _("请求体过大（超过 1 MB）。"))
    if not request.is_json:
        return None, error_response(415, _("请求体应为 JSON（Content-Type: application/json）。"))
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        return None, error_response(413, _("请求体过大（超过 1 MB）。"))
    try:
        data = json.loads(raw, object_pairs_hook=_unique_keys)
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # lone surrogates (\\ud800) cannot be stored
    except _DuplicateKey as exc:
        return None, error_response(400, _("请求体中的字段“%(key)s”出现了不止一次：每个字段只能给一次。", key=str(exc)[:60]))
    except UnicodeEncodeError:  # (a ValueError too: caught first)
        return None, error_response(400, _("请求体含有无效的 Unicode 字符（孤立的代理项）。"))
    except (ValueError, RecursionError):
        return None, error_response(400, _("请求体不是有效的 JSON。"))
    return data, None


def _path_problems(ticket_no: str) -> list[dict]:
    _value, problem = S.validate_value("ticket_no", S.TICKET_NO, ticket_no)
    return [problem] if problem else []


def _ticket_no(value: str):
    problems = _path_problems(value)
    return error_response(422, errors=problems) if problems else None


def _reachable_ticket(ticket_no: str) -> Ticket | None:
    """The ticket if this key may see it; another platform's ticket is None, as if it did not exist."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.ticket_no == ticket_no))
    return ticket if apikeys.reaches(g.api_key, ticket) else None


def _not_found(ticket_no: str):
    return error_response(404, _("工单 %(no)s 不存在。", no=ticket_no))


def _field_errors(exc: InvalidInput) -> list[dict]:
    return [{"field": name, "message": f"{S.field_label(name)}：{message}"}
            for name, message in exc.errors.items()]


def _clean(body: dict, schema: dict) -> dict:
    """Validated body -> stored values: text stripped, null -> "", datetimes parsed."""
    out = {}
    for name, prop in schema["properties"].items():
        value = body.get(name)
        if prop.get("pattern") == S.DATETIME_PATTERN:
            out[name] = S.parse_datetime(value).astimezone(LOCAL_TZ) if value else None
        elif isinstance(value, str):
            out[name] = value.strip()
        else:
            out[name] = value
    return out


# ---- tickets ---------------------------------------------------------------------------------------

@bp.route("/tickets/<ticket_no>", methods=["PUT"])
@operation(
    operation_id="pushTicket", tag="工单", summary="推送工单（幂等）",
    description="以工单编号为键推送一张工单。首次推送建单并启动办理流程，返回 201；同一编号、同样内容重复推送返回 200 "
                "和同一张工单；同一编号、内容不同返回 409，原工单不变。并发重试只会建一张工单。",
    request="TicketIn", parameters=(("ticket_no", "path", S.TICKET_NO),),
    responses={201: ("已建单", "Ticket", {"headers": {"Location": {"schema": {"type": "string"},
                                                                   "description": "工单地址"}}}),
               200: ("同一内容的重复推送：未改变任何数据", "Ticket"),
               409: ("同一编号已有内容不同的工单", "Error")},
)
def push_ticket(ticket_no):
    body, bad = _json_body()
    if bad is not None:
        return bad
    problems = _path_problems(ticket_no) + S.validate(S.TICKET_IN, body)
    if problems:
        return error_response(422, errors=problems)
    fields = _clean(body, S.TICKET_IN)
    fields["ticket_no"] = ticket_no
    for name in ("topic", "caller_name", "caller_phone", "district", "street", "community", "address", "enterprise"):
        fields[name] = fields[name] or ""
    fields["urgency"] = fields["urgency"] or "一般"
    fields["nature"] = fields["nature"] or "主办"
    fields["source"] = fields["source"] or PLATFORM_SOURCE.get(g.api_key.platform, "其他")
    fields["intake_platform"] = g.api_key.platform
    existing = db.session.scalar(select(Ticket).where(Ticket.ticket_no == ticket_no))
    if existing is not None and not apikeys.reaches(g.api_key, existing):
        # the number is taken (numbers are unique) but nothing about that ticket is told
        return error_response(409, _("工单编号 %(no)s 不可用：已有内容不同的工单使用该编号。", no=ticket_no))
    try:
        ticket_rules.require_valid(fields)
        result = intake.receive_ticket(fields, actor=None, channel="api", existing=existing)
    except InvalidInput as exc:
        return error_response(422, errors=_field_errors(exc))
    except Conflict:
        return error_response(409, _("工单编号 %(no)s 不可用：已有内容不同的工单使用该编号。", no=ticket_no))
    response = json_response(ticket_dict(result.ticket), 201 if result.created else 200)
    if result.created:
        response.headers["Location"] = url_for("api.get_ticket", ticket_no=ticket_no)
    return response


@bp.route("/tickets/<ticket_no>", methods=["GET"])
@operation(
    operation_id="getTicket", tag="工单", summary="查询工单办理状态",
    description="状态、各项时限、承办科室、结果；审核通过后含回复内容。不含来电人个人信息。",
    parameters=(("ticket_no", "path", S.TICKET_NO),),
    responses={200: ("工单", "Ticket"), 404: ("工单不存在", "Error")},
)
def get_ticket(ticket_no):
    bad = _ticket_no(ticket_no)
    if bad is not None:
        return bad
    ticket = _reachable_ticket(ticket_no)
    if ticket is None:
        return _not_found(ticket_no)
    return json_response(ticket_dict(ticket))


@bp.route("/tickets/<ticket_no>/messages", methods=["POST"])
@operation(
    operation_id="sendMessage", tag="督办催办", summary="下达督办或催办",
    description="把督办或催办作为 BPMN 消息送达工单流程：记入工单时间线，并在督办看板上向主管提醒。"
                "签收、分派阶段只接收催办；办理与回复阶段接收督办和催办；其他阶段（已回复待回访、已结束）返回 409。"
                "带 message_id 的重试返回 200，不重复送达。",
    request="MessageIn", parameters=(("ticket_no", "path", S.TICKET_NO),),
    responses={201: ("已送达流程", "MessageResult"),
               200: ("同一 message_id 的重复发送：未重复送达", "MessageResult"),
               404: ("工单不存在", "Error"),
               409: ("流程此刻不接收该消息（如尚未签收时的督办、已回复或已结束的工单），或 message_id 已用于不同内容",
                     "Error")},
)
def send_message(ticket_no):
    body, bad = _json_body()
    if bad is not None:
        return bad
    problems = _path_problems(ticket_no) + S.validate(S.MESSAGE_IN, body)
    if problems:
        return error_response(422, errors=problems)
    fields = _clean(body, S.MESSAGE_IN)
    if _reachable_ticket(ticket_no) is None:
        return _not_found(ticket_no)
    try:
        result = platform_messages.receive(ticket_no, fields["kind"], fields["text"], fields["deadline"],
                                           g.api_key.platform, fields["message_id"] or None)
    except InvalidInput as exc:
        return error_response(422, errors=_field_errors(exc))
    except NotFound as exc:
        return error_response(404, str(exc))
    except Conflict as exc:
        return error_response(409, str(exc))
    except ServiceError as exc:
        return error_response(409, str(exc))
    message = result.message
    return json_response({
        "kind": message.kind,
        "text": message.text,
        "deadline": _iso(message.deadline),
        "message_id": message.message_id,
        "received_at": to_iso(message.received_at),
        "ticket": ticket_dict(result.ticket),
    }, 201 if result.created else 200)


# ---- outbox -----------------------------------------------------------------------------------------

@bp.route("/outbox", methods=["GET"])
@operation(
    operation_id="listOutbox", tag="出站队列", summary="拉取待确认的回复、退回、转派",
    description="返回本平台工单的未确认消息，按编号递增。未确认的消息每次拉取都会再次返回，直到确认。"
                "一轮拉取从 cursor=0 开始，以 next_cursor 翻页，直到 has_more 为 false。",
    parameters=(("cursor", "query", S.CURSOR), ("limit", "query", S.LIMIT)),
    responses={200: ("一页消息", "OutboxPage")},
)
def list_outbox():
    cursor, problem = S.validate_value("cursor", S.CURSOR, request.args.get("cursor"))
    limit, problem2 = S.validate_value("limit", S.LIMIT, request.args.get("limit"))
    problems = [p for p in (problem, problem2) if p]
    if problems:
        return error_response(422, errors=problems)
    items, has_more = outbox.pending(g.api_key.platform, cursor, limit)
    return json_response({
        "items": [outbox.item_dict(item) for item in items],
        "next_cursor": items[-1].id if items else cursor,
        "has_more": has_more,
        "pending": outbox.pending_count(g.api_key.platform),
    })


@bp.route("/outbox/<int:item_id>/ack", methods=["POST"])
@operation(
    operation_id="ackOutboxItem", tag="出站队列", summary="确认已收到一条出站消息（幂等）",
    description="确认后该消息不再出现在拉取结果中。重复确认返回同样的结果。",
    parameters=(("item_id", "path", S.ITEM_ID),),
    responses={200: ("已确认", "Ack"), 404: ("消息不存在（或不属于本平台）", "Error")},
)
def ack_outbox(item_id):
    if item_id > S.MAX_ID:
        return error_response(404, _("出站消息 %(id)s 不存在。", id=item_id))
    try:
        item = outbox.acknowledge(item_id, g.api_key)
    except NotFound as exc:
        return error_response(404, str(exc))
    return json_response({"id": item.id, "acked_at": to_iso(item.acked_at)})


# ---- the document -------------------------------------------------------------------------------------

@bp.route("/openapi.json", methods=["GET"])
@operation(
    operation_id="getOpenApi", tag="文档", summary="本接口的 OpenAPI 3.1 文档", auth=False,
    responses={200: ("OpenAPI 文档", None)},
)
def openapi_json():
    return json_response(document())

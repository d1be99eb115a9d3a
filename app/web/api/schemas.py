"""The one place that says what the platform API accepts and returns.

The JSON Schemas here (JSON Schema 2020-12, the dialect of OpenAPI 3.1) are used twice:
``validate`` checks request bodies and parameters against them, and ``app.web.api.openapi``
puts them into the OpenAPI document. Every rule a request must meet is in a schema, so a
client that follows the document is never refused for a rule it could not read there.
"""

from __future__ import annotations

import re
from datetime import datetime

from jsonschema import Draft202012Validator, ValidationError, validators

from app.models.platform import MESSAGE_KINDS, OUTBOX_KINDS, PLATFORMS
from app.models.ticket import NATURES, RETURN_REASONS, SOURCES, TICKET_TYPES, URGENCIES
from app.services import _
from app.services.ticket_rules import PHONE_PATTERN, phone_problem
from app.services.tickets import FIELD_LABELS

# Text: no control characters other than tab and line breaks. Required text must also hold at
# least one visible character. Whitespace is spelled out (not \s), so that the reading of the
# patterns is the same in ECMA-262 (what OpenAPI tools use) and in Python (what validates here).
# Lone surrogates cannot be stored either; JSON from a UTF-8 client cannot carry them, and
# bodies that do are refused before validation (views._json_body).
# Zero-width characters count as blank; the bidirectional overrides and isolates (which make text display
# in another order than it is stored: "abc\u202eFDP.exe") count as control characters.
_BLANK = (r"\t\n\u000b\u000c\r \u0085\u00a0\u1680\u180e\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000"
          r"\ufeff")
_SAFE = r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]"
_VISIBLE = rf"[^{_BLANK}\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]"
TEXT_PATTERN = f"^{_SAFE}*$"
REQUIRED_TEXT_PATTERN = f"^{_SAFE}*{_VISIBLE}{_SAFE}*$"

# ISO 8601 / RFC 3339 date and time WITH an offset, years 2000-2099, real calendar dates only.
_DATE = (r"(?:20[0-9]{2}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
         r"|(?:0[13578]|1[02])-31)|20(?:0[48]|[2468][048]|[13579][26])-02-29)")
_TIME = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_OFFSET = r"(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])"
DATETIME_PATTERN = f"^{_DATE}{_TIME}{_OFFSET}$"

TICKET_NO_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_-]{0,39}$"
MESSAGE_ID_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}$"
MAX_ID = 2147483647  # ids are 32-bit integer columns (PostgreSQL INTEGER)

DATETIME_EXAMPLE = "2026-11-25T10:00:00+08:00"


def _text(max_length: int, description: str, example: str | None = None, required=False) -> dict:
    schema = {"type": "string" if required else ["string", "null"], "maxLength": max_length,
              "pattern": REQUIRED_TEXT_PATTERN if required else TEXT_PATTERN, "description": description}
    if required:
        schema["minLength"] = 1
    if example is not None:
        schema["examples"] = [example]
    return schema


def _enum(values: list[str], description: str, nullable=True) -> dict:
    if nullable:
        return {"type": ["string", "null"], "enum": [*values, None], "description": description}
    return {"type": "string", "enum": list(values), "description": description}


def _datetime(description: str, nullable=True) -> dict:
    return {"type": ["string", "null"] if nullable else "string", "pattern": DATETIME_PATTERN,
            "description": description + "。ISO 8601 带时区偏移，如 " + DATETIME_EXAMPLE + "（年份 2000–2099）",
            "examples": [DATETIME_EXAMPLE]}


def _out_datetime(description: str, nullable=True) -> dict:
    return {"type": ["string", "null"] if nullable else "string", "format": "date-time",
            "description": description + "（北京时间，ISO 8601）"}


TICKET_IN = {
    "type": "object",
    "title": "TicketIn",
    "description": "平台推送的工单内容（工单编号在路径中）。同一编号再次推送相同内容返回 200；内容不同返回 409。"
                   "可省略的字段省略或为 null 时按空值或默认值处理。",
    "additionalProperties": False,
    "required": ["ticket_type", "title", "content"],
    "properties": {
        "ticket_type": _enum(TICKET_TYPES, "工单类型", nullable=False),
        "topic": _text(120, "问题分类（三级，以 -> 分隔）", "文化->文化市场->网吧"),
        "title": _text(200, "标题", "网吧接纳未成年人", required=True),
        "content": _text(5000, "主要内容", "来电人反映某网吧接纳未成年人上网。", required=True),
        "caller_name": _text(60, "来电人", "李先生"),
        "caller_phone": {"type": ["string", "null"], "maxLength": 30, "pattern": "^(?:" + PHONE_PATTERN[1:-1] + ")?$",
                         "description": "来电号码：数字、+、-、空格、括号，5–30 位（可为平台脱敏后的号码，如 138****2222）",
                         "examples": ["13811112222"]},
        "district": _text(60, "被反映区"),
        "street": _text(60, "街乡镇"),
        "community": _text(60, "社区"),
        "address": _text(200, "地址"),
        "enterprise": _text(120, "涉及企业"),
        "called_at": _datetime("来电时间；不晚于派单时间，不能是将来的时间"),
        "dispatched_at": _datetime("派单时间；本局收件时间按此计算（省略时为接收时刻）；不能是将来的时间"),
        "platform_deadline": _datetime("平台办理时限；应晚于派单时间，距派单不超过一年；省略时按时限规则 reply_workdays（默认收件后 7 个工作日）"),
        "urgency": _enum(URGENCIES, "紧急程度，默认 一般"),
        "nature": _enum(NATURES, "工单性质，默认 主办"),
        "source": _enum(SOURCES, "来源；默认由推送平台决定（市级平台：市级直派，区级平台：区级转派）"),
    },
    "examples": [{
        "ticket_type": "投诉", "topic": "文化->文化市场->网吧", "title": "网吧接纳未成年人",
        "content": "来电人反映某网吧接纳未成年人上网。", "caller_name": "李先生", "caller_phone": "13811112222",
        "district": "本区", "street": "东华街道", "address": "东华路18号", "enterprise": "极速网咖",
        "called_at": "2026-11-25T09:12:00+08:00", "dispatched_at": "2026-11-25T09:40:00+08:00",
        "platform_deadline": "2026-12-04T17:00:00+08:00", "urgency": "一般", "nature": "主办", "source": "市级直派",
    }],
}

MESSAGE_IN = {
    "type": "object",
    "title": "MessageIn",
    "description": "平台下达的督办或催办。带 message_id 时可安全重试：同一编号再次发送相同内容返回 200，不重复送达。",
    "additionalProperties": False,
    "required": ["kind", "text"],
    "properties": {
        "kind": _enum(MESSAGE_KINDS, "督办 或 催办", nullable=False),
        "text": _text(500, "督办、催办内容", "请于11月27日前反馈办理进展。", required=True),
        "deadline": _datetime("要求反馈的时限（可省略）"),
        "message_id": {"type": ["string", "null"], "pattern": MESSAGE_ID_PATTERN,
                       "description": "平台的消息编号（1–64 位字母、数字、_ . : -），用于重试去重",
                       "examples": ["DB-20261125-0001"]},
    },
    "examples": [{"kind": "督办", "text": "请于11月27日前反馈办理进展。", "deadline": "2026-11-27T17:00:00+08:00",
                  "message_id": "DB-20261125-0001"}],
}

# ---- parameters -------------------------------------------------------------------------------

TICKET_NO = {"type": "string", "pattern": TICKET_NO_PATTERN, "minLength": 1, "maxLength": 40,
             "description": "工单编号（平台编号，1–40 位字母、数字、_ -，以字母或数字开头）",
             "examples": ["BJ2026112500001"]}
ITEM_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": "出站消息编号"}
CURSOR = {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0,
          "description": "只返回编号大于 cursor 的消息；一轮拉取从 0 开始，用上一页的 next_cursor 翻页"}
LIMIT = {"type": "integer", "minimum": 1, "maximum": 500, "default": 100, "description": "每页条数"}

PARAMETER_LABELS = {"ticket_no": "工单编号", "item_id": "出站消息编号", "cursor": "cursor", "limit": "limit"}

# ---- responses --------------------------------------------------------------------------------

ERROR = {
    "type": "object",
    "title": "Error",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "field": {"type": "string", "description": "出错的字段或参数名；与具体字段无关时省略"},
                    "message": {"type": "string", "description": "中文说明"},
                },
            },
        },
    },
    "examples": [{"errors": [{"field": "ticket_type", "message": "工单类型：取值应为 咨询、求助、投诉、举报、建议、表扬 之一"},
                             {"field": "title", "message": "标题：必填"}]}],
}

TICKET = {
    "type": "object",
    "title": "Ticket",
    "description": "工单在本局的办理状态。",
    "required": ["ticket_no", "title", "ticket_type", "source", "urgency", "state", "closed", "closed_at",
                 "outcome", "received_at", "section", "deadlines", "first_contact_at", "reply", "supervised",
                 "accepts_messages"],
    "properties": {
        "ticket_no": {"type": "string"},
        "title": {"type": "string"},
        "ticket_type": {"type": "string"},
        "source": {"type": "string"},
        "urgency": {"type": "string"},
        "state": {"type": "string", "description": "状态：待签收、待分派、待响应、办理中、待审核、待回访、办结、已退回、已转派……"},
        "closed": {"type": "boolean", "description": "流程主线是否已结束（办结、已退回、已转派）"},
        "closed_at": _out_datetime("结束时间"),
        "outcome": {"type": "string", "description": "结果：回访结果（如 解决/满意）、退回：原因、转派：单位"},
        "received_at": _out_datetime("本局收件时间", nullable=False),
        "section": {"type": ["string", "null"], "description": "承办科室"},
        "deadlines": {
            "type": "object",
            "required": ["response", "reply", "urge", "platform"],
            "properties": {
                "response": _out_datetime("响应时限（首次联系来电人）"),
                "reply": _out_datetime("办理（回复）时限"),
                "urge": _out_datetime("本局催办时点（时限规则 urge_workdays：默认时限前 3 个工作日）"),
                "platform": _out_datetime("平台办理时限"),
            },
        },
        "first_contact_at": _out_datetime("首次联系来电人的时间"),
        "reply": {
            "type": ["object", "null"],
            "description": "审核通过后的回复；未审核通过时为 null",
            "required": ["text", "replied_at"],
            "properties": {"text": {"type": "string"}, "replied_at": _out_datetime("审核通过时间", nullable=False)},
        },
        "supervised": {"type": "boolean", "description": "是否督办件（平台或本局主管下达过督办，尚未解除）"},
        "accepts_messages": {"type": "array", "items": {"type": "string", "enum": MESSAGE_KINDS},
                             "description": "流程此刻接收的消息类型（办理阶段：督办、催办；签收分派阶段：催办）"},
    },
}

REPLY_PAYLOAD = {
    "type": "object", "title": "ReplyPayload", "description": "回复（kind = reply）", "additionalProperties": False,
    "required": ["reply_text", "replied_at", "section", "rework"],
    "properties": {
        "reply_text": {"type": "string", "description": "审核通过的答复口径"},
        "replied_at": _out_datetime("审核通过时间", nullable=False),
        "section": {"type": "string", "description": "承办科室"},
        "rework": {"type": "boolean", "description": "是否二次办理后的回复"},
    },
}
RETURN_PAYLOAD = {
    "type": "object", "title": "ReturnPayload", "description": "退回（kind = return）", "additionalProperties": False,
    "required": ["return_reason", "note", "returned_at"],
    "properties": {
        "return_reason": {"type": "string", "enum": RETURN_REASONS, "description": "退回原因"},
        "note": {"type": "string", "description": "签收意见"},
        "returned_at": _out_datetime("退回时间", nullable=False),
    },
}
TRANSFER_PAYLOAD = {
    "type": "object", "title": "TransferPayload", "description": "转派（kind = transfer）", "additionalProperties": False,
    "required": ["target_unit", "transfer_reason", "note", "transferred_at"],
    "properties": {
        "target_unit": {"type": "string", "description": "转派单位"},
        "transfer_reason": {"type": "string", "description": "转派理由"},
        "note": {"type": "string", "description": "签收意见"},
        "transferred_at": _out_datetime("转派时间", nullable=False),
    },
}

OUTBOX_ITEM = {
    "type": "object",
    "title": "OutboxItem",
    "required": ["id", "ticket_no", "kind", "created_at", "payload"],
    "properties": {
        "id": {"type": "integer", "description": "出站消息编号（递增，也是翻页游标）"},
        "ticket_no": {"type": "string"},
        "kind": {"type": "string", "enum": OUTBOX_KINDS, "description": "reply 回复、return 退回、transfer 转派"},
        "created_at": _out_datetime("生成时间", nullable=False),
        "payload": {"oneOf": [{"$ref": "#/components/schemas/ReplyPayload"},
                              {"$ref": "#/components/schemas/ReturnPayload"},
                              {"$ref": "#/components/schemas/TransferPayload"}]},
    },
}

OUTBOX_PAGE = {
    "type": "object",
    "title": "OutboxPage",
    "required": ["items", "next_cursor", "has_more"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/OutboxItem"}},
        "next_cursor": {"type": "integer", "description": "下一页的 cursor（本页最后一条的编号；本页为空时等于请求的 cursor）"},
        "has_more": {"type": "boolean", "description": "是否还有下一页"},
        "pending": {"type": "integer", "description": "本平台尚未确认的消息总数"},
    },
}

ACK = {
    "type": "object",
    "title": "Ack",
    "required": ["id", "acked_at"],
    "properties": {"id": {"type": "integer"}, "acked_at": _out_datetime("确认时间", nullable=False)},
}

MESSAGE_RESULT = {
    "type": "object",
    "title": "MessageResult",
    "required": ["kind", "text", "deadline", "message_id", "received_at", "ticket"],
    "properties": {
        "kind": {"type": "string", "enum": MESSAGE_KINDS},
        "text": {"type": "string"},
        "deadline": _out_datetime("要求反馈的时限"),
        "message_id": {"type": ["string", "null"]},
        "received_at": _out_datetime("送达时间", nullable=False),
        "ticket": {"$ref": "#/components/schemas/Ticket"},
    },
}

COMPONENTS = {
    "TicketIn": TICKET_IN,
    "MessageIn": MESSAGE_IN,
    "Ticket": TICKET,
    "OutboxPage": OUTBOX_PAGE,
    "OutboxItem": OUTBOX_ITEM,
    "ReplyPayload": REPLY_PAYLOAD,
    "ReturnPayload": RETURN_PAYLOAD,
    "TransferPayload": TRANSFER_PAYLOAD,
    "Ack": ACK,
    "MessageResult": MESSAGE_RESULT,
    "Error": ERROR,
}

# ---- validation ---------------------------------------------------------------------------------

def _pattern(validator, pattern, instance, schema):
    """``pattern`` as ECMA-262 reads ``^...$``: Python's ``$`` would also match before a final newline."""
    if not validator.is_type(instance, "string"):
        return
    match = re.search(pattern, instance)
    if match is None or (pattern.endswith("$") and match.end() != len(instance)):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})
_validators: dict[int, Draft202012Validator] = {}


def _validator(schema: dict) -> Draft202012Validator:
    validator = _validators.get(id(schema))
    if validator is None:
        Draft202012Validator.check_schema(schema)
        validator = _validators[id(schema)] = _Validator(schema)
    return validator


def field_label(name: str) -> str:
    return _label(name)


def _label(name: str) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    return {"kind": "消息类型", "text": "内容", "deadline": "要求时限", "message_id": "消息编号",
            **PARAMETER_LABELS}.get(name, name)


def _message(error, schema: dict) -> str:
    keyword = error.validator
    if keyword == "type":
        names = {"string": "字符串", "integer": "整数", "object": "JSON 对象", "null": "null", "boolean": "布尔值",
                 "array": "数组", "number": "数字"}
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return _("应为%(type)s", type=" 或 ".join(names.get(t, t) for t in wanted))
    if keyword == "enum":
        values = [v for v in error.validator_value if v is not None]
        return _("取值应为 %(values)s 之一", values="、".join(values))
    if keyword == "maxLength":
        return _("长度不能超过 %(n)s 个字符", n=error.validator_value)
    if keyword == "minLength":
        return _("必填，不能为空")
    if keyword in ("minimum", "maximum"):
        return _("应在 %(low)s 到 %(high)s 之间", low=schema.get("minimum", "-"), high=schema.get("maximum", "-"))
    if keyword == "pattern":
        pattern = error.validator_value
        if pattern == DATETIME_PATTERN:
            return _("应为带时区的 ISO 8601 时间，如 %(example)s（年份 2000–2099，日期须真实存在）",
                     example=DATETIME_EXAMPLE)
        if pattern == REQUIRED_TEXT_PATTERN:
            return _("必填，须含可见字符，且不能含控制字符")
        if pattern == TEXT_PATTERN:
            return _("不能含控制字符")
        if pattern == TICKET_NO_PATTERN:
            return _("应为 1–40 位字母、数字、_ 或 -，以字母或数字开头")
        if pattern.startswith("^(?:" + PHONE_PATTERN[1:-1]):  # said as precisely as the form says it
            return phone_problem(str(error.instance)) or _("格式不正确（只能包含数字、+、-、空格、括号，5–30 位）")
        if pattern == MESSAGE_ID_PATTERN:
            return _("应为 1–64 位字母、数字、_ . : 或 -，以字母或数字开头")
        return _("格式不正确")
    return _("取值不正确")


_PRIORITY = ["type", "required", "additionalProperties", "enum", "minLength", "maxLength", "pattern", "minimum",
             "maximum"]


def validate(schema: dict, instance) -> list[dict]:
    """Every problem with ``instance``, as [{"field", "message"}] in Chinese; [] when valid."""
    problems: list[dict] = []
    seen: set[tuple[str, str]] = set()

    def add(field: str, message: str):
        if (field, message) not in seen:
            seen.add((field, message))
            problems.append({"field": field, "message": f"{_label(field)}：{message}"} if field else {"message": message})

    properties = schema.get("properties", {})
    # one message per field, the most basic problem first (a number where text belongs, then the rest)
    errors = sorted(_validator(schema).iter_errors(instance),
                    key=lambda e: (_PRIORITY.index(e.validator) if e.validator in _PRIORITY else len(_PRIORITY)))
    fields_done: set[str] = set()
    for error in errors:
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required" and not path:
            for name in error.validator_value:
                if isinstance(instance, dict) and name not in instance:
                    add(name, _("必填"))
            continue
        if error.validator == "additionalProperties" and not path:
            for name in sorted(set(instance) - set(properties)):
                add(name, _("不是可接受的字段"))
            continue
        if error.validator == "type" and not path:
            add("", _("请求体应为 JSON 对象"))
            continue
        field = path[0] if path else ""
        if field in fields_done:
            continue
        fields_done.add(field)
        add(field, _message(error, properties.get(field, schema)))
    order = list(properties)
    problems.sort(key=lambda p: order.index(p.get("field")) if p.get("field") in order else len(order))
    return problems


_parameter_schemas: dict[tuple[str, int], dict] = {}


def validate_value(name: str, schema: dict, raw: str | None):
    """A path or query parameter: (value, None) or (None, problem). Integers are parsed here."""
    if raw is None:
        return schema.get("default"), None
    value: object = raw
    if schema.get("type") == "integer":
        if not re.fullmatch(r"-?[0-9]{1,20}", raw):
            return None, {"field": name, "message": f"{_label(name)}：" + _("应为整数")}
        value = int(raw)
    wrapper = _parameter_schemas.get((name, id(schema)))
    if wrapper is None:
        wrapper = _parameter_schemas[(name, id(schema))] = {"type": "object", "properties": {name: schema}}
    problems = validate(wrapper, {name: value})
    if problems:
        return None, problems[0]
    return value, None


def parse_datetime(value: str | None) -> datetime | None:
    """A value that matched DATETIME_PATTERN, as an aware datetime."""
    return datetime.fromisoformat(value) if value else None


__all__ = ["COMPONENTS", "PLATFORMS", "parse_datetime", "validate", "validate_value"]

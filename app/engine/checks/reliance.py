"""What the product's code relies on in its own processes, still there in a new version of them.

A process owner may redraw the ticket lifecycle freely, but the code runs a handler when 签收
(``sign``) completes, reports the reply when the flow passes 回复上报 (``record_reply``), reads the
form field ``contact_time`` for the response rate and the end event's name for what is counted.
A version without one of them deploys fine and breaks tickets later, silently. The service layer
hands the check these words (``CheckContext.relied_on``, from ``app/diagrams``); a diagram of
another process is not concerned.
"""

from __future__ import annotations

from app.engine import dialect
from app.engine.checks import CheckContext, Reliance, Report

B = f"{{{dialect.BPMN_NS}}}"
C = f"{{{dialect.CAMUNDA_NS}}}"

_TAG_WORDS = {"userTask": "用户任务", "scriptTask": "脚本任务", "serviceTask": "服务任务",
              "receiveTask": "接收任务", "subProcess": "子流程", "callActivity": "调用活动"}
_RESTORE = "请恢复它（保留原 id）"


def _named(ident: str, label: str) -> str:
    return f"{ident}（{label}）" if label and label != ident else ident


def _element(process, item: Reliance, report: Report) -> bool:
    """Report a missing element; True when it is there (its fields are checked then)."""
    word = _TAG_WORDS.get(item.tag, item.tag)
    found = next((n for n in process.iter() if isinstance(n.tag, str) and n.get("id") == item.ident), None)
    purpose = item.purpose or "系统为它设定的处理（表单、截止时间、统计、上报）将不再执行，正在办理的工单会受影响"
    if found is None:
        report.add(item.ident, item.label, f"系统依赖的{word} {_named(item.ident, item.label)}不在流程图中"
                   f"（被删除或改了 id）：{purpose}。{_RESTORE}", item.severity)
        return False
    if found.tag != f"{B}{item.tag}":
        now = _TAG_WORDS.get(found.tag.split("}")[-1], found.tag.split("}")[-1])
        report.add(item.ident, found.get("name") or item.label, f"系统依赖这个元素是{word}，现在改成了{now}：{purpose}。"
                   f"请改回{word}", item.severity)
        return False
    form_key = (found.get(f"{C}formKey") or "").strip()
    if item.form_key and form_key != item.form_key:
        now = f"改成了 {form_key}" if form_key else "被删除了"
        report.add(item.ident, found.get("name") or item.label, f"系统依赖的{word} {_named(item.ident, item.label)}"
                   f"的表单 camunda:formKey=\"{item.form_key}\" {now}：系统为这一步写的表单和办理规则"
                   f"（{item.purpose or '校验、提交后的处理'}）将不再使用，办理人看到的会是另一张表单。"
                   f"请改回 camunda:formKey=\"{item.form_key}\"", item.severity)
    return True


def _field(process, item: Reliance, report: Report) -> bool:
    owner = next((n for n in process.iter(f"{B}userTask") if n.get("id") == item.owner), None)
    if owner is None:
        return False  # the task itself is reported
    if any(f.get("id") == item.ident for f in owner.iter(f"{C}formField")):
        return True
    report.add(owner.get("id"), owner.get("name") or "", f"缺少系统读取的表单字段 {_named(item.ident, item.label)}："
               f"{item.purpose or '系统按这个字段的填写结果办理和统计，缺少它会使工单出错'}。{_RESTORE}", item.severity)
    return False


def _option(process, item: Reliance, report: Report) -> None:
    task_id, _, field_id = item.owner.partition("/")
    owner = next((n for n in process.iter(f"{B}userTask") if n.get("id") == task_id), None)
    field = None if owner is None else next((f for f in owner.iter(f"{C}formField") if f.get("id") == field_id), None)
    if field is None:
        return  # the field or its task is reported
    if any(v.get("id") == item.ident for v in field.iter(f"{C}value")):
        return
    report.add(task_id, owner.get("name") or "", f"表单字段 {_named(field_id, field.get('label') or '')}缺少系统识别的选项"
               f"“{item.ident}”（选项 id 须保持不变）：{item.purpose or '系统按这个选项走相应的办理和统计，缺少它该路径不再可用'}",
               item.severity)


def _state(process, item: Reliance, report: Report) -> None:
    if any(p.get("name") == "ticket_state" and p.get("value") == item.ident for p in process.iter(f"{C}property")):
        return
    report.add("", "", f"没有用户任务再给工单“{item.ident}”状态（camunda:property ticket_state）："
               f"{item.purpose or '督办看板、台账和三率按这个状态归类在办工单，这类工单将不再出现在对应位置'}", item.severity)


def _variable(process, item: Reliance, report: Report) -> None:
    for node in process.iter():
        if not isinstance(node.tag, str):
            continue
        if item.ident in (node.text or "") or any(item.ident in v for v in node.attrib.values()):
            return
    report.add("", "", f"流程图不再设置或使用系统读取的变量 {item.ident}："
               f"{item.purpose or '依赖它的截止时间、提醒或统计将缺失'}。请保留设置它的脚本或表单字段", item.severity)


def _end(process, item: Reliance, report: Report) -> None:
    if any((e.get("name") or "").strip() == item.ident for e in process.iter(f"{B}endEvent")):
        return
    report.add("", "", f"没有名为“{item.ident}”的结束事件：{item.purpose or '系统按结束事件的名称判断办理结果（例如退回、转派的工单不计入三率）'}。"
               "请保留该结束事件的名称", item.severity)


def _message(root, item: Reliance, report: Report) -> None:
    if any(m.get("name") == item.ident for m in root.iter(f"{B}message")):
        return
    report.add("", "", f"缺少系统发送的消息“{item.ident}”（bpmn:message 的 name）："
               f"{item.purpose or '系统发出的这类消息将无法送达流程'}。请保留该消息及接收它的事件", item.severity)


def check(root, report: Report, context: CheckContext | None) -> None:
    if context is None or not context.relied_on:
        return
    processes = {p.get("id"): p for p in root.iter(f"{B}process")}
    for item in context.relied_on:
        process = processes.get(item.process)
        if process is None:
            continue
        if item.kind == "element":
            _element(process, item, report)
        elif item.kind == "field":
            _field(process, item, report)
        elif item.kind == "option":
            _option(process, item, report)
        elif item.kind == "state":
            _state(process, item, report)
        elif item.kind == "variable":
            _variable(process, item, report)
        elif item.kind == "end":
            _end(process, item, report)
        elif item.kind == "message":
            _message(root, item, report)

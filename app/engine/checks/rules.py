"""Structural rules: unsupported elements, gateways without a way out, tasks nobody sees."""

from __future__ import annotations

import difflib
from dataclasses import replace

from lxml import etree

from app.engine import dialect, foreign, start_forms
from app.engine.checks import ERROR, WARNING, CheckContext, Report, element_label, expressions, flows, safety
from app.engine.checks import reliance as relied_on

B = f"{{{dialect.BPMN_NS}}}"
C = f"{{{dialect.CAMUNDA_NS}}}"

# ids SpiffWorkflow gives its own task specs in every process
RESERVED_IDS = {"Start", "End", "Root"}
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin", ".StartEventSplit",
                     ".StartEventJoin")

_UNSUPPORTED = {
    "businessRuleTask": "不支持业务规则任务（DMN 决策表）：请用排他网关和条件，或脚本任务计算结果",
    "complexGateway": "不支持复杂网关：请用排他网关或包容网关",
    "adHocSubProcess": "不支持自由子流程（ad-hoc）",
}
_NOBODY = "会停下来等人处理，但没有任何人能看到它：请改成用户任务并设置候选组或办理人，或改成脚本任务"


def _service_task(report: Report, node, tag: str) -> None:
    kind = "服务任务" if tag == "serviceTask" else "发送任务"
    for attr, reason in (("class", "Jiesu 不运行 Java 类"),
                         ("delegateExpression", "Jiesu 没有 Java 委托（delegate）"),
                         ("topic", "Jiesu 没有外部任务（external task）的执行者")):
        value = node.get(f"{C}{attr}")
        if value:
            report.add(*element_label(node), f"{kind}使用 {foreign.written(node, attr)}=\"{value}\"：{reason}；"
                                      f"请改用 {foreign.written(node, 'expression')} 调用产品提供的函数，"
                                      "例如 ${notify('提醒', '…')}")
            return
    if node.get(f"{C}type"):
        report.add(*element_label(node), f"{kind}使用 {foreign.written(node, 'type')}=\"{node.get(f'{C}type')}\"：不受支持；"
                                  f"请改用 {foreign.written(node, 'expression')} 调用产品提供的函数")
        return
    advice = foreign.written(node, "expression")
    if node.find(f".//{C}connector") is not None:
        report.add(*element_label(node), f"{kind}使用 Camunda Connector：不受支持；请改用 {advice}")
        return
    if not node.get(f"{C}expression"):
        report.add(*element_label(node), f"{kind}没有实现：请用 {advice} 调用产品提供的函数")


def _gateways(report: Report, process) -> None:
    outgoing: dict[str, list] = {}
    for flow in process.iter(f"{B}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    for tag in ("exclusiveGateway", "inclusiveGateway"):
        for gateway in process.iter(f"{B}{tag}"):
            flows = outgoing.get(gateway.get("id"), [])
            if len(flows) < 2:
                continue
            default = gateway.get("default")
            for flow in flows:
                has_condition = flow.find(f"{B}conditionExpression") is not None and \
                    (flow.find(f"{B}conditionExpression").text or "").strip()
                if flow.get("id") == default:
                    if has_condition:
                        report.add(*element_label(flow), "默认出口上的条件不会被计算", WARNING)
                elif not has_condition:
                    report.add(*element_label(gateway), f"出口 {flow.get('id')}"
                                                 f"{'（' + flow.get('name') + '）' if flow.get('name') else ' '}"
                                                 "既没有条件，也不是默认出口：请加条件或把它设为默认出口")


def _unknown_people(task) -> str:
    """Who a task goes to, written in a namespace the engine does not read (another tool's), said in its words."""
    for name, value in task.attrib.items():
        qname = etree.QName(name)
        if qname.namespace and qname.namespace != foreign.WRITTEN_NS and value.strip() and \
                qname.localname in ("candidateGroups", "candidateUsers", "assignee"):
            prefix = next((p for p, ns in task.nsmap.items() if ns == qname.namespace and p), "")
            written = f"{prefix}:{qname.localname}" if prefix else qname.localname
            return (f"（写有 {written}，但它的命名空间 {qname.namespace} 本系统不认识；本系统读 Camunda 的 camunda:"
                    f"{qname.localname}，也读 Activiti 和 Flowable 的）")
    return ""


def _groups_known(report: Report, task, context: CheckContext) -> None:
    groups = [g.strip() for g in (task.get(f"{C}candidateGroups") or "").split(",") if g.strip()]
    users = [u.strip() for u in (task.get(f"{C}candidateUsers") or "").split(",") if u.strip()]
    assignee = (task.get(f"{C}assignee") or "").strip()
    if context.groups is not None:
        for group in groups:
            if dialect.is_juel(group):
                continue
            name = group.removeprefix("user:")
            known = group in context.groups or (group.startswith("user:") and context.users is not None
                                                and name in context.users)
            if not known:
                report.add(*element_label(task), f"候选组 {group} 不是任何角色、科室或用户，这个任务没有人能看到"
                           + _groups_there_are(group, context))
    if context.users is not None:
        for user in users + ([assignee] if assignee else []):
            if not dialect.is_juel(user) and user not in context.users:
                report.add(*element_label(task), f"{'办理人' if user == assignee else '候选人'} {user} 不是系统中的用户"
                           + _users_there_are(user, context.users))


ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
MODELER_NS = "http://camunda.org/schema/modeler/1.0"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
_ZEEBE_ESSENTIAL = {"taskDefinition", "assignmentDefinition", "calledElement", "formDefinition", "userTask",
                    "taskSchedule", "loopCharacteristics", "calledDecision", "script"}


def _platform_and_layout(root, report: Report) -> None:
    """A Camunda 8 (Zeebe) file, or one without a layout, said once for the file."""
    zeebe = sorted({node.tag.split("}")[1] for node in root.iter()
                    if isinstance(node.tag, str) and node.tag.startswith(f"{{{ZEEBE_NS}}}")})
    platform = root.get(f"{{{MODELER_NS}}}executionPlatform") or ""
    if zeebe or platform == "Camunda Cloud":
        used = "、".join(f"zeebe:{name}" for name in zeebe[:6])
        # what a Camunda 8 file relies on (who does a task, what a service does) would silently not happen
        essential = platform == "Camunda Cloud" or bool(set(zeebe) & _ZEEBE_ESSENTIAL)
        report.add("", "", "这是 Camunda 8（Zeebe）格式的流程图" + (f"（用到 {used}）" if used else "")
                   + "，本系统按 Camunda 7 格式执行：请在 Camunda Modeler 中改为 Camunda 7 流程图，候选组用 "
                   "camunda:candidateGroups，服务任务用 camunda:expression，条件用 ${…}",
                   ERROR if essential else WARNING)
    if root.find(f"{{{DI_NS}}}BPMNDiagram/{{{DI_NS}}}BPMNPlane") is None:
        report.add("", "", "文件没有图形布局（BPMN DI）：可以运行，版本页和工单页按流程顺序自动排版显示（只排一个流程，"
                   "泳池和注释不画）；要固定的图形，可在“流程设计”中打开（会自动排版）并保存后再部署，"
                   "或用 Camunda Modeler 等建模工具保存后再上传", WARNING)


def _signals(root, report: Report) -> None:
    """A signal is only sent by a throw event of the same instance (nothing passes signals between processes):
    a catch no throw of the file sends waits for ever, and a process's own signal start event never starts it."""
    thrown = {d.get("signalRef") for tag in ("intermediateThrowEvent", "endEvent") for event in root.iter(f"{B}{tag}")
              for d in event.iterfind(f"{B}signalEventDefinition")}
    names = {s.get("id"): (s.get("name") or s.get("id")) for s in root.iter(f"{B}signal")}
    for tag in ("startEvent", "intermediateCatchEvent", "boundaryEvent"):
        for event in root.iter(f"{B}{tag}"):
            for definition in event.iterfind(f"{B}signalEventDefinition"):
                ref = definition.get("signalRef") or ""
                name = names.get(ref, ref)
                if tag == "startEvent" and event.getparent().tag == f"{B}process":
                    report.add(*element_label(event), f"开始事件等待信号 {name}：本系统不在流程之间传递信号，流程永远不会开始；"
                                                      "请改成空白开始事件或消息开始事件")
                elif ref and ref not in thrown:
                    report.add(*element_label(event), f"等待的信号 {name} 在此文件中没有任何地方发出（本系统不在流程之间传递信号），"
                                                      "它会永远等待：请在同一流程中用信号抛出事件发出它，或改用消息事件")


def _interrupting_event_subprocesses(root, report: Report) -> None:
    """SpiffWorkflow 3.2 runs an event subprocess whose start event is interrupting without stopping the main
    flow (its tasks stay open, the instance runs on): said, so the owner does not count on the interruption."""
    for sub in root.iter(f"{B}subProcess"):
        if sub.get("triggeredByEvent") != "true":
            continue
        for start in sub.findall(f"{B}startEvent"):
            if start.get("isInterrupting", "true") != "false":
                report.add(*element_label(start), "事件子流程的中断型开始事件不会中断主流程：本系统的引擎会运行事件子流程，"
                           "但主流程的任务照常继续。需要中断时请改用附着在任务上的中断型边界事件，"
                           "或把开始事件设为非中断（isInterrupting=\"false\"）", severity=WARNING)


def _who_starts(root, report: Report, context: CheckContext | None) -> CheckContext | None:
    """A process neither the product nor a person can start, said; an initiator set only when it is started by hand.

    Returns the context with each variable a startable process's ``camunda:initiator`` names as an input."""
    names: set[str] = set()
    prefix = foreign.declared_prefix(root)
    for process in root.iterfind(f"{B}process"):
        if process.get("isExecutable", "true") == "false":
            continue
        startable = start_forms.marked_startable(process)
        by_product = context is not None and context.started_by_product
        if context is not None and context.started_by_product is False and not startable:
            report.add(*element_label(process),
                       "部署后没有地方会发起这个流程：它不是系统自己发起的流程（工单、现场检查等），也没有标记为可手动发起。"
                       "要让它出现在“流程 → 发起流程”菜单中，" + (
                           "请在建模工具中选中流程，在扩展属性（Extension properties）中添加 startable = true"
                           if prefix == "camunda" else "请在流程（process）的 extensionElements 里加上 "
                           f"<{prefix}:properties><{prefix}:property name=\"startable\" value=\"true\" /></{prefix}:properties>"
                           f"（{foreign.tool(prefix)} 的建模器不写这一项，需要在文件中手工添加）"), WARNING)
        for node in process.iter():
            name = (node.get(f"{C}initiator") or "").strip() if isinstance(node.tag, str) else ""
            if not name:
                continue
            said = f"{foreign.written(node, 'initiator')}=\"{name}\""
            if startable and node.getparent() is process and node.tag == f"{B}startEvent" and not by_product:
                names.add(name)  # the person who starts it from 发起流程
            elif by_product or not startable:
                why = "流程由系统启动，没有发起人" if by_product else "只有从“发起流程”手动发起时才有发起人，而这个流程没有标记为可发起"
                report.add(*element_label(node), f"{said} 不会被设置（{why}）：用到 {name} 的地方会出错", WARNING)
    if names and context is not None and context.inputs is not None:
        return replace(context, inputs=context.inputs | names)
    return context


def check(root, report: Report, context: CheckContext | None) -> None:
    _platform_and_layout(root, report)
    _interrupting_event_subprocesses(root, report)
    safety.duplicate_ids(root, report)
    safety.references(root, report)
    safety.unknown_elements(root, report)
    safety.recursion(root, report)
    safety.multi_instance(root, report)
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(B) or node.get("id") is None:
            continue
        ident = node.get("id")
        if ident in RESERVED_IDS or ident.endswith(RESERVED_SUFFIXES):
            report.add(*element_label(node), f"元素 id {ident} 与引擎内部的名称冲突，请换一个 id（例如 {ident}_1）")
    for process in root.iter(f"{B}process"):
        _gateways(report, process)
    flows.check(root, report)
    for tag, reason in _UNSUPPORTED.items():
        for node in root.iter(f"{B}{tag}"):
            report.add(*element_label(node), reason)
    for tag in ("task", "manualTask"):
        for node in root.iter(f"{B}{tag}"):
            kind = "普通任务（bpmn:task）" if tag == "task" else "手工任务"
            report.add(*element_label(node), f"{kind}{_NOBODY}")
    for tag in ("serviceTask", "sendTask"):
        for node in root.iter(f"{B}{tag}"):
            _service_task(report, node, tag)
    _signals(root, report)
    for node in root.iter(f"{B}receiveTask"):
        if not node.get("messageRef"):
            report.add(*element_label(node), "接收任务没有设置消息（messageRef），它会永远等待")
    for node in root.iter(f"{B}scriptTask"):
        script_format = (node.get("scriptFormat") or "python").strip().lower()
        if script_format not in ("python", "py", "text/x-python"):
            report.add(*element_label(node), f"不支持 {node.get('scriptFormat')} 脚本：脚本任务只能用 Python 写")
        elif node.get(f"{C}resource"):
            report.add(*element_label(node), f"不支持外部脚本文件（{foreign.written(node, 'resource')}）：请把脚本写在任务里")
        elif node.find(f"{B}script") is None or not (node.find(f"{B}script").text or "").strip():
            report.add(*element_label(node), "脚本任务没有脚本")
    for flow in root.iter(f"{B}conditionExpression"):
        language = (flow.get("language") or "").lower()
        if language and language not in ("python", "juel"):
            owner = flow.getparent()
            report.add(*element_label(owner), f"不支持 {flow.get('language')} 条件：请用 JUEL（${{…}}）或 Python 写条件")
    for tag in ("executionListener", "taskListener"):
        for node in root.iter(f"{C}{tag}"):
            report.add(*element_label(node), f"不支持 {foreign.written(node)}（监听器不会运行）：请用脚本任务或服务任务表达式")
    for node in root.iter(f"{C}inputOutput"):
        report.add(*element_label(node), f"{foreign.written(node)} 的输入输出映射不会执行，变量按原名传递", WARNING)
    context = _who_starts(root, report, context)
    processes = {p.get("id") for p in root.iter(f"{B}process")}
    for node in root.iter(f"{B}callActivity"):
        called = node.get("calledElement")
        if not called:
            report.add(*element_label(node), "调用活动没有设置被调用的流程（calledElement）")
        elif called not in processes:
            report.add(*element_label(node), f"调用的流程 {called} 不在此文件中：请把它画在同一个文件里（或改成子流程）")
    for node in root.iter():
        form_key = node.get(f"{C}formKey") or ""
        if form_key.startswith(("embedded:", "camunda-forms:", "app:")) or form_key.endswith((".html", ".form")):
            prefix = foreign.dialect_of(node, "formKey")
            report.add(*element_label(node), f"{prefix}:formKey=\"{form_key}\" 指向 {foreign.tool(prefix)} 的外部表单，"
                                      "Jiesu 不会显示它：请用 " + ("camunda:formData 定义表单字段" if prefix == "camunda" else
                                                               f"{prefix}:formProperty 定义表单字段"), WARNING)
    for field in root.iter(f"{C}formField"):
        if not (field.get("id") or "").strip():  # (the form's page could not be built: a 500 on every open)
            label = (field.get("label") or "").strip()
            report.add(*element_label(field), f"表单字段{f'“{label}”' if label else ''}没有 id：填写的值无处保存，"
                                              "任务页面也打不开；请给它一个 id（保存到的变量名，如 venue_name）")
    for task in root.iter(f"{B}userTask"):
        if not any((task.get(f"{C}{a}") or "").strip() for a in ("candidateGroups", "candidateUsers", "assignee")):
            report.add(*element_label(task), "没有设置候选组或办理人，这个任务没有人能看到" + _unknown_people(task))
        elif context is not None:
            _groups_known(report, task, context)
    expressions.check(root, report, context)
    relied_on.check(root, report, context)


def _users_there_are(user: str, users: frozenset[str]) -> str:
    """The username meant, if one is near (zhang_san for zhangsan); else where usernames are found."""
    near = difflib.get_close_matches(user.lower(), sorted(users), n=1, cutoff=0.75)
    if near:
        return f"：是不是 {near[0]}？"
    return "。请填写“用户管理”中的用户名，或改用候选组（角色或科室）"


def _groups_there_are(group: str, context: CheckContext) -> str:
    """The candidate groups the desk has, the one meant first if it is near (inspectors, 检查员: inspector)."""
    if not context.group_names:
        return ""
    names = dict(context.group_names)
    by_name = [code for code, name in context.group_names if name == group.strip()]  # 检查员 written for inspector
    near = by_name or difflib.get_close_matches(group.lower(), list(names), n=1, cutoff=0.75)
    guess = f"：是不是 {near[0]}（{names[near[0]]}）？" if near else ""
    listed = "、".join(f"{code}（{name}）" for code, name in context.group_names)
    return f"{guess}{'' if guess else '。'}可用的候选组：{listed}"

"""What SpiffWorkflow would accept and then run badly, or silently drop: refused at deploy.

- an id given to two elements (SpiffWorkflow keeps one of them: the other step vanishes, or a flow
  goes to the wrong one);
- a sequence flow, boundary event or default flow that refers to an element that is not there;
- an element in the BPMN namespace that BPMN does not define (a misspelt tag is silently skipped);
- a call activity that calls its own process, directly or through another process of the file (the
  instance would nest call in call until it stops);
- a multi-instance whose loop cardinality is a number over ``sizes.MAX_INSTANCES``;
- a gateway condition or a ``required_if`` comparing a choice (enum) field with a value that is not
  one of its options (the condition is then never, or always, true).
"""

from __future__ import annotations

import ast
from collections import Counter

from app.engine import dialect, evaluator, foreign, sizes
from app.engine.checks import Report, element_label

B = f"{{{dialect.BPMN_NS}}}"
C = f"{{{dialect.CAMUNDA_NS}}}"

# every element of BPMN 2.0's semantic model (BPMN20.xsd, Semantic.xsd) a diagram may hold
BPMN_ELEMENTS = frozenset({
    "definitions", "import", "extension", "extensionElements", "documentation", "process", "subProcess",
    "transaction", "adHocSubProcess", "callActivity", "task", "userTask", "serviceTask", "scriptTask", "sendTask",
    "receiveTask", "manualTask", "businessRuleTask", "startEvent", "endEvent", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent", "implicitThrowEvent", "exclusiveGateway", "inclusiveGateway",
    "parallelGateway", "eventBasedGateway", "complexGateway", "sequenceFlow", "conditionExpression",
    "completionCondition", "activationCondition", "condition", "script", "messageEventDefinition",
    "timerEventDefinition", "signalEventDefinition", "errorEventDefinition", "escalationEventDefinition",
    "compensateEventDefinition", "conditionalEventDefinition", "linkEventDefinition", "cancelEventDefinition",
    "terminateEventDefinition", "eventDefinition", "eventDefinitionRef", "timeDate", "timeDuration", "timeCycle",
    "source", "target", "message", "signal", "error", "escalation", "itemDefinition", "interface", "operation",
    "inMessageRef", "outMessageRef", "errorRef", "endPoint", "resource", "resourceParameter", "resourceRole",
    "performer", "humanPerformer", "potentialOwner", "resourceRef", "resourceAssignmentExpression",
    "resourceParameterBinding", "formalExpression", "expression", "laneSet", "lane", "flowNodeRef", "childLaneSet",
    "partitionElement", "incoming", "outgoing", "dataObject", "dataObjectReference", "dataStore",
    "dataStoreReference", "dataInput", "dataOutput", "dataInputAssociation", "dataOutputAssociation",
    "dataInputRefs", "dataOutputRefs", "dataState", "inputSet", "outputSet", "ioSpecification", "ioBinding",
    "inputSetRefs", "outputSetRefs", "optionalInputRefs", "optionalOutputRefs", "whileExecutingInputRefs",
    "whileExecutingOutputRefs", "sourceRef", "targetRef", "assignment", "from", "to", "transformation", "property",
    "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "loopCardinality", "loopDataInputRef",
    "loopDataOutputRef", "inputDataItem", "outputDataItem", "complexBehaviorDefinition", "loopCondition",
    "collaboration", "participant", "participantRef", "participantMultiplicity", "messageFlow", "messageFlowRef",
    "conversation", "subConversation", "callConversation", "conversationNode", "conversationLink",
    "conversationAssociation", "correlationKey", "correlationProperty", "correlationPropertyRef",
    "correlationPropertyBinding", "correlationPropertyRetrievalExpression", "correlationSubscription",
    "messagePath", "dataPath", "choreography", "subChoreography", "choreographyTask", "callChoreography",
    "globalChoreographyTask", "initiatingParticipantRef", "textAnnotation", "text", "association", "group",
    "category", "categoryValue", "monitoring", "auditing", "globalTask", "globalUserTask", "globalScriptTask",
    "globalManualTask", "globalBusinessRuleTask", "rendering", "relationship", "supports", "interfaceRef",
    "extensionDefinition", "extensionAttributeDefinition", "extensionAttributeValue", "supportedInterfaceRef",
    "value",
})

_FLOW_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")


def _local(node) -> str:
    return node.tag[len(B):] if isinstance(node.tag, str) and node.tag.startswith(B) else ""


def _named(node) -> str:
    ident, name = element_label(node)
    return f"{ident}（{name}）" if name and name != ident else ident


def duplicate_ids(root, report: Report) -> bool:
    """Report each id given to more than one BPMN element; True if any (the other checks would be confused)."""
    nodes = [n for n in root.iter() if _local(n) and n.get("id")]
    counts = Counter(n.get("id") for n in nodes)
    for ident, count in counts.items():
        if count < 2:
            continue
        kinds = "、".join(f"{_local(n)}{'（' + n.get('name').strip() + '）' if (n.get('name') or '').strip() else ''}"
                         for n in nodes if n.get("id") == ident)
        report.add(ident, "", f"id {ident} 被 {count} 个元素使用（{kinds}）：元素 id 在流程图中必须唯一，"
                              "引擎只会保留其中一个；请给其余的换一个 id")
    return any(count > 1 for count in counts.values())


def references(root, report: Report) -> None:
    ids = {n.get("id") for n in root.iter() if isinstance(n.tag, str) and n.get("id")}
    for flow in root.iter(f"{B}sequenceFlow"):
        for attr, word in (("sourceRef", "起点"), ("targetRef", "终点")):
            ref = (flow.get(attr) or "").strip()
            if not ref:
                report.add(*element_label(flow), f"顺序流没有{word}（{attr}）：请在建模工具中把它连到元素上")
            elif ref not in ids:
                report.add(*element_label(flow), f"顺序流的{word} {ref} 不存在（{attr}=\"{ref}\"）："
                                                 "该元素可能已被删除，请重新连线或删除这条顺序流")
    for event in root.iter(f"{B}boundaryEvent"):
        ref = (event.get("attachedToRef") or "").strip()
        if ref and ref not in ids:
            report.add(*element_label(event), f"边界事件附着的元素 {ref} 不存在（attachedToRef）：请把它放回某个任务的边框上")
    for tag, attr, word in (("messageEventDefinition", "messageRef", "消息"), ("receiveTask", "messageRef", "消息"),
                            ("signalEventDefinition", "signalRef", "信号"), ("errorEventDefinition", "errorRef", "错误"),
                            ("escalationEventDefinition", "escalationRef", "升级")):
        for node in root.iter(f"{B}{tag}"):
            ref = (node.get(attr) or "").strip()
            if ref and ref not in ids:
                report.add(*element_label(node), f"引用的{word} {ref} 不存在（{attr}=\"{ref}\"）："
                                                 f"请在建模工具中重新选择{word}，或在文件中定义它")
    for node in root.iter():
        default = node.get("default") if _local(node) in ("exclusiveGateway", "inclusiveGateway", "complexGateway") \
            or _local(node).endswith("Task") else None
        if default and default not in ids:
            report.add(*element_label(node), f"默认出口 {default} 不存在（default）：请重新设置默认出口")


def unknown_elements(root, report: Report) -> None:
    for container in root.iter(*[f"{B}{tag}" for tag in _FLOW_CONTAINERS]):
        for node in container:
            local = _local(node)
            if local and local not in BPMN_ELEMENTS:
                owner = node if node.get("id") else container
                report.add(*element_label(owner), f"bpmn:{local} 不是 BPMN 2.0 的元素，引擎会忽略它（流程会少这一步）："
                                                  "请检查拼写，或在建模工具中重新画这个元素")


def recursion(root, report: Report) -> None:
    """Call activities whose process is called again by what it calls: an endless nesting."""
    owner: dict = {}  # call activity -> id of the process it is drawn in
    for process in root.iter(f"{B}process"):
        for call in process.iter(f"{B}callActivity"):
            owner[call] = process.get("id")
    calls: dict[str, set[str]] = {}
    for call, process_id in owner.items():
        called = (call.get("calledElement") or "").strip()
        if called:
            calls.setdefault(process_id, set()).add(called)

    def path(start: str, goal: str) -> list[str] | None:
        """Processes from ``start`` to ``goal`` along the calls (breadth first), or None."""
        seen, queue = {start}, [[start]]
        while queue:
            route = queue.pop(0)
            if route[-1] == goal:
                return route
            for nxt in sorted(calls.get(route[-1], ())):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(route + [nxt])
        return None

    for call, process_id in owner.items():
        called = (call.get("calledElement") or "").strip()
        if not called:
            continue
        route = path(called, process_id)
        if route is None:
            continue
        if called == process_id:
            how = f"它调用的就是自己所在的流程 {process_id}"
        else:
            how = f"它调用的流程 {called} 又经 {' → '.join(route)} 调回了它所在的流程 {process_id}"
        report.add(*element_label(call), f"调用活动会无限递归：{how}，每个实例都会一层套一层地调用下去；"
                                         "请改为调用另一个流程，或用网关回到前面的步骤")


def multi_instance(root, report: Report) -> None:
    for loop in root.iter(f"{B}multiInstanceLoopCharacteristics"):
        collection = loop.get(f"{C}collection")
        if collection is not None and not dialect.collection_variable(collection):
            report.add(*element_label(loop.getparent()),
                       f"集合（{foreign.written(loop, 'collection')}）{collection.strip()[:80]!r} 只能写一个流程变量的名字（例如 reviewers 或 "
                       "${reviewers}）：要先算出名单，请在前面用脚本任务把它存入一个变量")
        node = loop.find(f"{B}loopCardinality")
        text = (node.text or "").strip() if node is not None else ""
        if not text:
            continue
        python = dialect.juel_to_python(text) if dialect.is_juel(text) else text
        try:
            value = ast.literal_eval(python)
        except (ValueError, SyntaxError):
            continue  # computed from data: bounded when the instance runs
        if isinstance(value, int) and not isinstance(value, bool) and value > sizes.MAX_INSTANCES:
            report.add(*element_label(loop.getparent()), f"多实例的循环次数 {value} 超过 {sizes.MAX_INSTANCES} 次的上限："
                                                         "这么多实例会让每次办理都很慢；请减少次数，或分批处理")


def enum_options(root) -> dict[str, tuple[str, ...]]:
    """Choice fields of the diagram: field id -> option ids (a field id used for other types too is left out)."""
    options: dict[str, list[str]] = {}
    other: set[str] = set()
    for field in root.iter(f"{C}formField"):
        ident = field.get("id") or ""
        if (field.get("type") or "string") == "enum":
            found = options.setdefault(ident, [])
            found += [v.get("id") for v in field.iter(f"{C}value") if v.get("id") and v.get("id") not in found]
        else:
            other.add(ident)
    return {k: tuple(v) for k, v in options.items() if k not in other and v}


def _local_names(tree) -> set[str]:
    """Names an expression binds itself (comprehension variables, lambda parameters): not the form's field."""
    local: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            local |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Lambda):
            local |= {a.arg for a in node.args.args + node.args.kwonlyargs}
        elif isinstance(node, ast.NamedExpr):
            local.add(node.target.id)
    return local


def _texts(node) -> list[str] | None:
    """The texts of a literal ``'a'`` or ``('a', 'b')`` / ``['a']`` / ``{'a'}``; None when it is anything else
    (a variable, a call, a string to search in, a mixture): then the check cannot judge and says nothing."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set) and node.elts and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return [e.value for e in node.elts]
    return None


def _compared(tree) -> list[tuple[str, str]]:
    """(name, text) for each ``name == 'text'`` / ``!=`` / ``in ('a', 'b')`` / ``not in`` in an expression, however
    combined (``or``, ``and``, ``not``, ``||``, ``!``, ``eq``, ``ne`` from JUEL) and on either side of ``==``.

    Left out, as the check cannot judge them: a name the expression binds itself, ``''`` (an optional choice
    left empty), ``name in 'text'`` (a search in a text), chained comparisons and anything computed."""
    found = []
    local = _local_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or len(node.ops) != 1:
            continue
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(op, ast.Eq | ast.NotEq):
            if isinstance(right, ast.Name) and not isinstance(left, ast.Name):
                left, right = right, left
            texts = _texts(right) if isinstance(right, ast.Constant) else None
        elif isinstance(op, ast.In | ast.NotIn):
            texts = None if isinstance(right, ast.Constant) else _texts(right)
        else:
            continue
        if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == "str" \
                and len(left.args) == 1 and not left.keywords:
            left = left.args[0]  # str(decision) == 'pass'
        if isinstance(left, ast.Name) and left.id not in local and texts is not None:
            found += [(left.id, text) for text in texts if text != ""]
    return found


def assigned_elsewhere(root, expressions: list) -> set[str]:
    """Variables something other than a form gives values (scripts, result and element variables, output
    parameters, a called process's outputs): a choice field's options are not all they can hold."""
    names: set[str] = set()
    for exp in expressions:
        if exp.mode == "exec" and not evaluator.problems(exp.python, "exec"):
            names |= evaluator.names(exp.python, "exec")[1]
    for node in root.iter():
        for attr in ("resultVariable", "elementVariable"):
            if node.get(f"{C}{attr}"):
                names.add(node.get(f"{C}{attr}").strip())
    names |= {(p.get("name") or "").strip() for p in root.iter(f"{C}outputParameter")}
    names |= {(o.get("target") or "").strip() for o in root.iter(f"{C}out")}
    return names


def enum_comparisons(root, report: Report, expressions: list) -> None:
    """A condition or required_if comparing a choice field with a value that is none of its options."""
    choices = enum_options(root)
    for name in assigned_elsewhere(root, expressions) if choices else ():
        choices.pop(name, None)  # it may hold values no option has: not judged
    if not choices:
        return
    labels = {(f.get("id"), v.get("name")): v.get("id") for f in root.iter(f"{C}formField")
              if f.get("type") == "enum" for v in f.iter(f"{C}value") if v.get("name") and v.get("id")}
    for exp in expressions:
        if exp.what != "条件" and not exp.what.endswith("的必填条件"):
            continue
        try:
            tree = ast.parse(exp.python.strip(), mode="eval")
        except SyntaxError:
            continue  # said by the expression check
        for name, value in dict.fromkeys(_compared(tree)):
            options = choices.get(name)
            if options is None or value in options:
                continue
            listed = "、".join(f"“{o}”" for o in options)
            label = labels.get((name, value))
            hint = f"（“{value}”是选项 {label} 显示的名称，条件里要写 '{label}'）" if label else ""
            report.add(exp.element_id, exp.element_name, f"{exp.what} {exp.source.strip()[:120]!r} 把选择字段 {name} "
                                                         f"与“{value}”比较，但“{value}”不是它的选项（可选：{listed}）："
                                                         f"这个条件永远不会按预期成立；请改为其中一个选项的值{hint}")

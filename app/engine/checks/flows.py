"""Sequence-flow structure: elements the process never reaches, and paths that stop without an end event.

A flow node with no incoming sequence flow never runs (bpmnlint's ``no-implicit-start``), unless it
starts by itself: a start event, a boundary event, a link's catching event, a compensation handler. A
flow node with no outgoing sequence flow ends its path there (``no-implicit-end``): a path of a ticket
that stops at, say, 回复上报 after 回访 was deleted leaves the ticket open for ever with nobody's task on
it, while the instance keeps waiting for its other events. A start event or a boundary event with no
outgoing flow is the same fault (the process ends as it starts; a fired timer leads nowhere). All are errors, as the modeler's own check
shows them; an end event, a compensation handler, and an element of a transaction's cancel path are
the places a path may stop.

A loop of sequence flows that no path leaves and in which nothing waits (``服务任务 → 它自己``, two script
tasks pointing at each other) is an error too: the instance would run round it for ever, and SpiffWorkflow's
look-ahead recurses round it until Python's stack runs out, so the first instance fails as it starts. A loop
that waits somewhere (a user task, a timer) and never ends is a process's own business: a monthly cycle.
"""

from __future__ import annotations

from app.engine import dialect
from app.engine.checks import Report, element_label

B = f"{{{dialect.BPMN_NS}}}"

ACTIVITIES = ("task", "userTask", "serviceTask", "scriptTask", "sendTask", "receiveTask", "manualTask",
              "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess")
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway")
EVENTS = ("intermediateCatchEvent", "intermediateThrowEvent", "endEvent")
FLOW_NODES = ACTIVITIES + GATEWAYS + EVENTS
CONTAINERS = ("process", "subProcess", "transaction")


def _local(node) -> str:
    return node.tag[len(B):] if isinstance(node.tag, str) and node.tag.startswith(B) else ""


def _is_link(node, kind: str) -> bool:
    return _local(node) == kind and node.find(f"{B}linkEventDefinition") is not None


def _starts_by_itself(node) -> bool:
    return node.get("isForCompensation") == "true" or _is_link(node, "intermediateCatchEvent")


def _may_end_here(node) -> bool:
    return (_local(node) == "endEvent" or node.get("isForCompensation") == "true"
            or _is_link(node, "intermediateThrowEvent"))


WAITS = ("userTask", "receiveTask", "manualTask", "task", "intermediateCatchEvent", "eventBasedGateway", "callActivity",
         "subProcess", "transaction", "adHocSubProcess")  # (a subprocess or called process may wait inside)


def _endless_loops(report: Report, container, nodes: list, flows: list) -> None:
    """Each loop no path leaves and nothing in waits, named once at its first element."""
    ids = {n.get("id"): n for n in nodes}
    after: dict[str, set] = {i: set() for i in ids}
    for flow in flows:
        if flow.get("sourceRef") in ids and flow.get("targetRef") in ids:
            after[flow.get("sourceRef")].add(flow.get("targetRef"))
    for event in container.iterfind(f"{B}boundaryEvent"):  # a boundary event is a way out of its activity
        ident = event.get("id")
        after.setdefault(ident, set()).update(f.get("targetRef") for f in flows
                                              if f.get("sourceRef") == ident and f.get("targetRef") in ids)
        if event.get("attachedToRef") in after:
            after[event.get("attachedToRef")].add(ident)
    before: dict[str, set] = {i: set() for i in after}
    for source, targets in after.items():
        for target in targets:
            before.setdefault(target, set()).add(source)
    leaves = [i for i, n in ids.items() if _may_end_here(n) or not after[i]]  # (no way out: said above)
    leaves += [i for i in after if i not in ids and not after[i]]  # a boundary event's path that stops
    ends, todo = set(leaves), list(leaves)
    while todo:
        for source in before.get(todo.pop(), ()):
            if source not in ends:
                ends.add(source)
                todo.append(source)
    trapped = [i for i in ids if i not in ends]
    done: set = set()
    for ident in trapped:
        reach = _reaching(ident, after) if ident not in done else set()
        if ident not in reach:
            continue  # (done, or one on the way into a loop: not in it)
        loop = [i for i in trapped if i in reach and ident in _reaching(i, after)]
        done.update(loop)
        if any(_local(ids[i]) in WAITS for i in loop):
            continue
        names = "、".join(_named(ids[i]) for i in loop[:6]) + ("等" if len(loop) > 6 else "")
        where = f"从 {names} 连回它自己" if len(loop) == 1 else f"在 {names} 之间循环"
        report.add(*element_label(ids[ident]), f"顺序流{where}，没有一条出口通向结束事件，中间也没有等待的步骤："
                                                "流程会无休止地空转（第一个实例一开始就会出错）；请加一个排他网关，"
                                                "满足条件时离开循环，连到下一步或结束事件")


def _reaching(start: str, after: dict) -> set:
    reach, todo = set(), [start]
    while todo:
        for target in after.get(todo.pop(), ()):
            if target not in reach:
                reach.add(target)
                todo.append(target)
    return reach


def _named(node) -> str:
    ident, name = element_label(node)
    return f"{ident}（{name}）" if name and name != ident else ident


def _check_container(report: Report, container) -> None:
    nodes = [n for n in container if _local(n) in FLOW_NODES]
    flows = [f for f in container if _local(f) == "sequenceFlow"]
    sources = {f.get("sourceRef") for f in flows}
    targets = {f.get("targetRef") for f in flows}
    for node in nodes:
        ident = node.get("id")
        if _local(node) == "subProcess" and node.get("triggeredByEvent") == "true":
            continue  # an event subprocess starts on its event, with no flow in or out
        if ident not in targets and not _starts_by_itself(node):
            report.add(*element_label(node), "元素没有入口，永远不会执行：请从开始事件（或上一步）连一条顺序流到它")
        if ident not in sources and not _may_end_here(node):
            report.add(*element_label(node), "元素没有出口，流程走到这里会停住而不办结：请连到下一步或结束事件")
    for node in container:  # a start or boundary event with no way out: nothing runs after it
        kind = _local(node)
        if kind not in ("startEvent", "boundaryEvent") or node.get("id") in sources:
            continue
        if kind == "boundaryEvent" and node.find(f"{B}compensateEventDefinition") is not None:
            continue  # a compensation boundary event is tied to its handler by an association
        report.add(*element_label(node), "开始事件没有出口，流程一启动就结束，什么也不做：请从它连一条顺序流到第一步"
                   if kind == "startEvent" else
                   "边界事件没有出口，它触发后这条路径就停住了：请从它连一条顺序流到下一步或结束事件")
    _endless_loops(report, container, [n for n in nodes if _local(n) != "subProcess"
                                       or n.get("triggeredByEvent") != "true"], flows)


def check(root, report: Report) -> None:
    """Every executable process and its (event) subprocesses, each with its own flows."""
    for process in root.iter(f"{B}process"):
        if process.get("isExecutable") == "false":
            continue
        for container in process.iter(*[f"{B}{tag}" for tag in CONTAINERS]):
            _check_container(report, container)

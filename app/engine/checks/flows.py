"""Sequence-flow structure: elements the process never reaches, and paths that stop without an end event.

A flow node with no incoming sequence flow never runs (bpmnlint's ``no-implicit-start``), unless it
starts by itself: a start event, a boundary event, a link's catching event, a compensation handler. A
flow node with no outgoing sequence flow ends its path there (``no-implicit-end``): a path of a ticket
that stops at, say, 回复上报 after 回访 was deleted leaves the ticket open for ever with nobody's task on
it, while the instance keeps waiting for its other events. Both are errors, as the modeler's own check
shows them; an end event, a compensation handler, and an element of a transaction's cancel path are
the places a path may stop.
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


def check(root, report: Report) -> None:
    """Every executable process and its (event) subprocesses, each with its own flows."""
    for process in root.iter(f"{B}process"):
        if process.get("isExecutable") == "false":
            continue
        for container in process.iter(*[f"{B}{tag}" for tag in CONTAINERS]):
            _check_container(report, container)

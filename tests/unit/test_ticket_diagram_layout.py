"""processes/ticket.bpmn opens in Camunda Modeler / bpmn-js as drawn: complete and tidy diagram layout."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from lxml import etree

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI"}
PATH = Path(__file__).resolve().parents[2] / "processes" / "ticket.bpmn"
NODE_TAGS = ("startEvent", "endEvent", "userTask", "scriptTask", "serviceTask", "exclusiveGateway", "eventBasedGateway",
             "parallelGateway", "boundaryEvent", "subProcess", "intermediateCatchEvent", "textAnnotation")


class Box:
    def __init__(self, node):
        self.x, self.y = float(node.get("x")), float(node.get("y"))
        self.w, self.h = float(node.get("width")), float(node.get("height"))

    def overlaps(self, other) -> bool:
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)

    def contains(self, px, py, slack=0.0) -> bool:
        return self.x - slack <= px <= self.x + self.w + slack and self.y - slack <= py <= self.y + self.h + slack

    def on_border(self, px, py, slack=2.0) -> bool:
        inside = self.contains(px, py, slack)
        near_edge = (abs(px - self.x) <= slack or abs(px - self.x - self.w) <= slack
                     or abs(py - self.y) <= slack or abs(py - self.y - self.h) <= slack)
        return inside and near_edge

    @property
    def centre(self):
        return self.x + self.w / 2, self.y + self.h / 2


@pytest.fixture(scope="module")
def diagram():
    root = etree.parse(str(PATH)).getroot()
    process = root.find("bpmn:process", NS)
    nodes = {n.get("id"): n for tag in NODE_TAGS for n in process.iter(f"{{{NS['bpmn']}}}{tag}")}
    flows = {f.get("id"): f for f in process.iter(f"{{{NS['bpmn']}}}sequenceFlow", f"{{{NS['bpmn']}}}association")}
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    boxes = {k: Box(s.find("dc:Bounds", NS)) for k, s in shapes.items()}
    return root, process, nodes, flows, shapes, edges, boxes


def test_every_element_has_a_shape_and_every_flow_an_edge(diagram):
    root, process, nodes, flows, shapes, edges, boxes = diagram
    lanes = [lane.get("id") for lane in process.iter(f"{{{NS['bpmn']}}}lane")]
    assert set(nodes) | set(lanes) | {"Participant_ticket"} == set(shapes)
    assert set(flows) == set(edges)
    for flow_id, edge in edges.items():
        assert len(edge.findall("di:waypoint", NS)) >= 2, flow_id


def test_edges_start_and_end_on_their_shapes(diagram):
    _root, _process, nodes, flows, _shapes, edges, boxes = diagram
    for flow_id, flow in flows.items():
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[flow_id].findall("di:waypoint", NS)]
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        assert boxes[source].on_border(*points[0]) or boxes[source].contains(*points[0]), (flow_id, source)
        assert boxes[target].on_border(*points[-1]), (flow_id, target, points[-1])
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            assert x1 == x2 or y1 == y2, f"{flow_id}: segments are horizontal or vertical"


def test_top_level_elements_sit_in_their_lane(diagram):
    _root, process, nodes, _flows, _shapes, _edges, boxes = diagram
    for lane in process.iter(f"{{{NS['bpmn']}}}lane"):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            assert boxes[lane.get("id")].contains(*boxes[ref.text].centre), (lane.get("name"), ref.text)


def test_no_two_shapes_overlap(diagram):
    _root, process, nodes, _flows, _shapes, _edges, boxes = diagram
    inside_sub = {n.get("id") for n in process.find("bpmn:subProcess", NS).iter() if n.get("id")}
    attached = {n.get("id"): n.get("attachedToRef") for n in process.iter(f"{{{NS['bpmn']}}}boundaryEvent")}
    ids = [i for i in nodes]
    for a, b in combinations(ids, 2):
        if attached.get(a) == b or attached.get(b) == a:
            continue
        if "handling_phase" in (a, b) and ({a, b} - {"handling_phase"}) <= inside_sub:
            continue
        assert not boxes[a].overlaps(boxes[b]), (a, b)


def test_labels_do_not_cover_other_shapes(diagram):
    root, _process, nodes, _flows, shapes, edges, boxes = diagram
    labels = {}
    for owner, di in list(shapes.items()) + list(edges.items()):
        label = di.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if label is not None:
            labels[owner] = Box(label)
    for owner, label in labels.items():
        for other in nodes:
            if other in (owner, "handling_phase"):
                continue
            assert not label.overlaps(boxes[other]), (owner, other)
        for other_owner, other_label in labels.items():
            if other_owner != owner:
                assert not label.overlaps(other_label), (owner, other_owner)


ACTIVITIES_AND_EVENTS = ("task", "userTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "manualTask",
                         "businessRuleTask", "callActivity", "subProcess", "startEvent", "endEvent", "boundaryEvent",
                         "intermediateCatchEvent", "intermediateThrowEvent")


def test_no_task_or_event_joins_flows_without_a_gateway(diagram):
    """bpmnlint's fake-join (a warning in the modeler): several flows into a task or event merge at a gateway first."""
    _root, process, _nodes, flows, _shapes, _edges, _boxes = diagram
    into: dict[str, list[str]] = {}
    for flow_id, flow in flows.items():
        if flow.tag == f"{{{NS['bpmn']}}}sequenceFlow":
            into.setdefault(flow.get("targetRef"), []).append(flow_id)
    joining = {n.get("id") for tag in ACTIVITIES_AND_EVENTS for n in process.iter(f"{{{NS['bpmn']}}}{tag}")}
    assert {node: ids for node, ids in into.items() if node in joining and len(ids) > 1} == {}

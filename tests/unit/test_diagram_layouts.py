"""Every shipped diagram (processes/*.bpmn) as the modeler draws and lints it: no fake joins (bpmnlint's
warning: several flows into a task or event without a merging gateway), every element and flow drawn, edges
on their shapes, shapes apart. processes/ticket.bpmn has its own, fuller layout test."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from lxml import etree

from tests.unit.test_ticket_diagram_layout import ACTIVITIES_AND_EVENTS, NODE_TAGS, NS, Box

PROCESSES = sorted((Path(__file__).resolve().parents[2] / "processes").glob("*.bpmn"))


@pytest.fixture(params=PROCESSES, ids=lambda p: p.name)
def drawing(request):
    root = etree.parse(str(request.param)).getroot()
    process = root.find("bpmn:process", NS)
    nodes = {n.get("id"): n for tag in NODE_TAGS for n in process.iter(f"{{{NS['bpmn']}}}{tag}")}
    flows = {f.get("id"): f for f in process.iter(f"{{{NS['bpmn']}}}sequenceFlow")}
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    boxes = {k: Box(s.find("dc:Bounds", NS)) for k, s in shapes.items()}
    return process, nodes, flows, edges, shapes, boxes


def test_no_task_or_event_joins_flows_without_a_gateway(drawing):
    process, _nodes, flows, _edges, _shapes, _boxes = drawing
    into: dict[str, list[str]] = {}
    for flow_id, flow in flows.items():
        into.setdefault(flow.get("targetRef"), []).append(flow_id)
    joining = {n.get("id") for tag in ACTIVITIES_AND_EVENTS for n in process.iter(f"{{{NS['bpmn']}}}{tag}")}
    assert {node: ids for node, ids in into.items() if node in joining and len(ids) > 1} == {}


def test_every_element_and_flow_is_drawn_and_edges_end_on_their_shapes(drawing):
    _process, nodes, flows, edges, _shapes, boxes = drawing
    assert set(nodes) <= set(boxes)
    assert set(flows) <= set(edges)
    for flow_id, flow in flows.items():
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[flow_id].findall("di:waypoint", NS)]
        assert len(points) >= 2, flow_id
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        assert boxes[source].on_border(*points[0]) or boxes[source].contains(*points[0]), (flow_id, source)
        assert boxes[target].on_border(*points[-1]), (flow_id, target, points[-1])
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            assert x1 == x2 or y1 == y2, f"{flow_id}: segments are horizontal or vertical"


def test_no_two_shapes_overlap_and_no_label_covers_a_shape(drawing):
    process, nodes, _flows, edges, shapes, boxes = drawing
    attached = {n.get("id"): n.get("attachedToRef") for n in process.iter(f"{{{NS['bpmn']}}}boundaryEvent")}
    inside = {n.get("id"): sub.get("id") for sub in process.iter(f"{{{NS['bpmn']}}}subProcess")
              for n in sub.iter() if n.get("id") and n is not sub}
    for a, b in combinations(nodes, 2):
        if attached.get(a) == b or attached.get(b) == a or inside.get(a) == b or inside.get(b) == a:
            continue
        assert not boxes[a].overlaps(boxes[b]), (a, b)
    for owner, di in list(shapes.items()) + list(edges.items()):
        label = di.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if label is None:
            continue
        for other in nodes:
            if other != owner and other not in inside.values() and attached.get(owner) != other:
                assert not Box(label).overlaps(boxes[other]), (owner, other)

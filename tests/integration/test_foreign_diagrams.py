"""Diagrams drawn elsewhere (Camunda 7/8 Modeler, Flowable, Signavio, other encodings), one small file per
behaviour (tests/bpmn/foreign): what the deploy check and the dry run tell their process owner."""

from pathlib import Path

from app.services import deployment

FOREIGN = Path(__file__).resolve().parents[1] / "bpmn" / "foreign"


def diagram(name: str) -> bytes:
    return (FOREIGN / name).read_bytes()


def test_a_conditional_events_and_a_loops_juel_conditions_run(app):
    """${level == 'high' && rounds >= 3} on a conditional event was neither checked nor converted: the
    check passed, the diagram deployed, and the first instance failed on the condition's syntax."""
    xml = diagram("conditional_event_juel.bpmn")
    assert deployment.lint(xml).ok
    report = deployment.dry_run(xml, {})
    assert report.ok, report.problems
    assert report.completed and [t["element_id"] for t in report.user_tasks] == ["handle"]
    assert report.path.count("count") >= 3  # the loop ran until its ${rounds < 3} said stop


def test_a_conditional_events_condition_is_checked_like_a_gateways(app):
    found = [(p.element_id, p.message) for p in deployment.lint(diagram("conditional_event_java.bpmn")).errors]
    assert any(e == "when_high" and "Camunda 的 execution 对象在这里不存在" in m for e, m in found), found

"""The same diagram written differently is the same diagram; a change that means something is not."""

from pathlib import Path

from app.engine.fingerprint import fingerprint

TICKET = (Path(__file__).resolve().parents[2] / "processes" / "ticket.bpmn").read_text(encoding="utf-8")


def _fp(text: str) -> str:
    return fingerprint(text.encode("utf-8"))


def test_prefixes_indentation_exporter_and_drawing_order_do_not_count():
    rewritten = (TICKET.replace("bpmn:", "bpmn2:").replace("xmlns:bpmn=", "xmlns:bpmn2=")
                 .replace('exporter="Camunda Modeler"', 'exporter="bpmn-js (https://demo.bpmn.io)"'))
    assert rewritten != TICKET
    # two DI shapes swapped, as the modeler writes shapes in drawing order
    start = rewritten.index("<bpmndi:BPMNShape")
    first_end = rewritten.index("</bpmndi:BPMNShape>", start) + len("</bpmndi:BPMNShape>")
    second_end = rewritten.index("</bpmndi:BPMNShape>", first_end) + len("</bpmndi:BPMNShape>")
    first, second = rewritten[start:first_end], rewritten[first_end:second_end]
    swapped = rewritten[:start] + second + first + rewritten[second_end:]
    assert swapped != rewritten
    assert _fp(swapped) == _fp(TICKET) != ""


def test_what_means_something_changes_the_fingerprint():
    assert _fp(TICKET.replace('name="回访"', 'name="电话回访"', 1)) != _fp(TICKET)
    moved = TICKET.replace('<dc:Bounds x="1820" y="1280"', '<dc:Bounds x="1830" y="1280"', 1)
    assert moved != TICKET and _fp(moved) != _fp(TICKET)
    # the order of a form's options is what the user sees
    a, b = '<camunda:value id="签收" name="签收" />', '<camunda:value id="退回" name="退回" />'
    assert a in TICKET and b in TICKET
    reordered = TICKET.replace(a, "@@A@@").replace(b, a).replace("@@A@@", b)
    assert _fp(reordered) != _fp(TICKET)


def test_the_order_of_a_flowable_forms_fields_changes_the_fingerprint():
    """Its form properties are the extensionElements' own children: sorted like the others, two fields swapped
    were "the same diagram" and the new version was refused as unchanged."""
    flowable = (Path(__file__).resolve().parents[1] / "bpmn" / "foreign" / "flowable_venue_check.bpmn").read_text(
        encoding="utf-8")
    a = '<flowable:formProperty id="needRectify" name="是否责令整改" type="boolean"></flowable:formProperty>'
    b = '<flowable:formProperty id="fineAmount" name="罚款金额（元）" type="double"></flowable:formProperty>'
    assert a in flowable and b in flowable
    assert _fp(flowable.replace(a, "@@A@@").replace(b, a).replace("@@A@@", b)) != _fp(flowable)
    modeler = '<modeler:initiator-can-complete xmlns:modeler="http://flowable.org/modeler"><![CDATA[false]]>' \
              '</modeler:initiator-can-complete>'
    moved = flowable.replace(modeler, "", 1).replace("<extensionElements>", "<extensionElements>" + modeler, 1)
    assert moved != flowable and _fp(moved) == _fp(flowable)  # the other children's order still does not count


def test_the_order_of_an_activiti_or_flowable_forms_fields_and_options_changes_the_fingerprint():
    """activiti:formData's fields and a flowable:formProperty's enum values were sorted like unordered children:
    a new order of the form or of its options was refused as unchanged."""
    flowable = (Path(__file__).resolve().parents[1] / "bpmn" / "foreign" / "flowable_venue_check.bpmn").read_text(
        encoding="utf-8")
    a, b = '<flowable:value id="confirmed" name="属实">', '<flowable:value id="unfounded" name="不属实">'
    assert a in flowable and b in flowable
    assert _fp(flowable.replace(a, "@@A@@").replace(b, a).replace("@@A@@", b)) != _fp(flowable)
    fields = ('<activiti:formField id="venue" type="string"/>', '<activiti:formField id="result" type="string"/>')

    def activiti(first, second):
        return (f'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:activiti="http://activiti.org/bpmn">'
                f'<process id="p"><userTask id="t"><extensionElements><activiti:formData>{first}{second}'
                "</activiti:formData></extensionElements></userTask></process></definitions>")

    assert _fp(activiti(*fields)) != _fp(activiti(*reversed(fields)))


def test_a_file_that_does_not_parse_is_never_the_same():
    assert fingerprint(b"<not xml") == ""

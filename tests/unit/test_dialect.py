"""Camunda Modeler's dialect becomes Python; a file that is not BPMN XML is refused."""


import pytest

from app.engine import dialect, specs
from app.engine.specs import DiagramError


@pytest.mark.parametrize(("juel", "python"), [
    ("${approved}", "approved"),
    ("${!approved}", "not approved"),
    ("${amount > 1000 && ok}", "amount > 1000 and ok"),
    ("${a == 'x' || b != null}", "a == 'x' or b != None"),
    ("${name == '!&&'}", "name == '!&&'"),
    ("urgency == '紧急'", "urgency == '紧急'"),
])
def test_juel_conditions_become_python(juel, python):
    assert dialect.juel_to_python(juel) == python


@pytest.mark.parametrize(("text", "python"), [
    ("PT4H", "'PT4H'"),
    ("P3D", "'P3D'"),
    ("R3/PT10M", "'R3/PT10M'"),
    ("2026-12-01T09:00:00+08:00", "'2026-12-01T09:00:00+08:00'"),
    ("'PT4H'", "'PT4H'"),
    ("reply_deadline", "reply_deadline"),
    ("${reply_deadline}", "reply_deadline"),
])
def test_timer_literals_are_quoted(text, python):
    assert dialect.timer_to_python(text) == python


def test_not_xml_is_refused():
    with pytest.raises(DiagramError) as err:
        specs.parse(b"<bpmn:definitions")
    assert "不是有效的 BPMN XML" in str(err.value)


@pytest.mark.parametrize(("xml", "reason"), [
    (b"<not xml", "第 1 行第 8 列）：属性没有取值"),
    (b"", "文件是空的"),
    (b"<a><b></a>", "开始标签和结束标签不匹配"),
    (b"<a>R&D</a>", "请写作 &amp;"),
])
def test_a_broken_file_is_explained_in_chinese_without_the_parsers_english(xml, reason):
    import re

    with pytest.raises(DiagramError) as err:
        specs.parse(xml)
    message = str(err.value.report.problems[0])
    assert reason in message and not re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", message.replace("BPMN XML", "")), message  # no English phrase


def _adopted(body: str):
    root = dialect.parse_xml(f'<d xmlns:camunda="{dialect.CAMUNDA_NS}" xmlns:activiti="{dialect.ACTIVITI_NS}">'
                             f'{body}</d>'.encode())
    return root, dialect.adopt_camunda(root)


def test_activitis_extensions_become_camundas_and_camundas_win_where_both_are_written():
    """A textual swap of the namespace made activiti:assignee and camunda:assignee one attribute twice."""
    root, dropped = _adopted('<t id="a" activiti:assignee="x" camunda:assignee="x" activiti:dueDate="P1D">'
                             '<activiti:taskListener event="create"/><activiti:taskListener event="complete"/>'
                             '<camunda:formData><camunda:formField id="f" activiti:readonly="1"/></camunda:formData>'
                             '<activiti:formData><activiti:formField id="f"/></activiti:formData></t>')
    task = root[0]
    c = f"{{{dialect.CAMUNDA_NS}}}"
    assert dict(task.attrib) == {"id": "a", f"{c}assignee": "x", f"{c}dueDate": "P1D"}
    assert [(child.tag, child.get("event")) for child in task] == [
        (f"{c}taskListener", "create"), (f"{c}taskListener", "complete"), (f"{c}formData", None)]  # both listeners kept
    assert task[2][0].get(f"{c}readonly") == "1"
    assert [(node.get("id"), reason.split("，")[0]) for node, reason in dropped] == [
        ("a", "同时写有 camunda:formData 和 activiti:formData")]  # its field has no readonly


def test_the_same_extension_written_twice_drops_one_without_a_word():
    root, dropped = _adopted('<t id="a" activiti:formKey="k" camunda:formKey="k"><camunda:formData>'
                             '<camunda:formField id="f" type="string"/></camunda:formData><activiti:formData>'
                             '\n  <activiti:formField type="string" id="f"/>\n</activiti:formData></t>')
    assert dropped == [] and len(root[0]) == 1 and dict(root[0].attrib) == {
        "id": "a", f"{{{dialect.CAMUNDA_NS}}}formKey": "k"}


def test_an_activiti_start_form_and_starter_groups_are_read_as_camundas():
    """The start page read the stored file as written: an Activiti diagram's start form had no fields."""
    from pathlib import Path

    from app.engine import start_forms

    xml = (Path(__file__).resolve().parents[1] / "bpmn" / "startable_appeal.bpmn").read_bytes().replace(
        dialect.CAMUNDA_NS.encode(), dialect.ACTIVITI_NS.encode())
    assert start_forms.is_startable(xml, "assessment_appeal")
    assert start_forms.starter_groups(xml, "assessment_appeal") == ["supervisor", "handler"]
    assert [f["id"] for f in start_forms.start_form(xml, "assessment_appeal")["fields"]] == ["appeal_reason", "appeal_kind"]

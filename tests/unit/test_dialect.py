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

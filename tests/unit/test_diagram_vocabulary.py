"""Every diagram word the code relies on (app/diagrams) exists in the BPMN file it names, and a new
version of a product process that loses one is refused by the deploy check (pure functions, no database)."""

import importlib
import pkgutil
from pathlib import Path

import pytest

import app.diagrams as diagrams
from app.diagrams import Process, catalog
from app.engine import dialect
from app.engine.checks import CheckContext, Report
from app.engine.checks import reliance as reliance_rule
from app.services.relied_on import relied_on

PROCESS_DIR = Path(__file__).resolve().parents[2] / "processes"


def _declared_processes() -> list[Process]:
    found = []
    for info in pkgutil.iter_modules(diagrams.__path__):
        module = importlib.import_module(f"app.diagrams.{info.name}")
        found += [v for v in vars(module).values() if isinstance(v, Process) and v not in found]
    return found


def _lint(xml: str, key: str = "ticket_lifecycle") -> Report:
    """The problems the deploy check's rule for relied-on words finds (the other rules are tested elsewhere)."""
    report = Report()
    reliance_rule.check(dialect.parse_xml(xml.encode("utf-8")), report, CheckContext(relied_on=relied_on(key, PROCESS_DIR)))
    return report


def test_every_process_file_is_declared_in_the_catalog():
    assert {p.file for p in catalog.PROCESSES} == {p.name for p in PROCESS_DIR.glob("*.bpmn")}
    assert set(_declared_processes()) == set(catalog.PROCESSES)


@pytest.mark.parametrize("process", catalog.PROCESSES, ids=str)
def test_the_shipped_diagram_has_every_word_the_code_relies_on(process: Process):
    reliances = relied_on(str(process), PROCESS_DIR)
    assert len(reliances) == len(process.declared)
    report = _lint((PROCESS_DIR / process.file).read_text(encoding="utf-8"), str(process))
    assert report.problems == [], [str(p) for p in report.problems]


TICKET = (PROCESS_DIR / "ticket.bpmn").read_text(encoding="utf-8")


def _messages(report) -> list[str]:
    return [p.line() for p in report.problems]


def test_renaming_the_reply_report_step_is_refused_with_its_name_and_what_breaks():
    report = _lint(TICKET.replace('id="record_reply"', 'id="record_reply_2"')
                   .replace('"record_reply"', '"record_reply_2"'))
    assert not report.ok
    lines = [line for line in _messages(report) if "record_reply" in line]
    assert lines == ["错误 record_reply（回复上报）：系统依赖的脚本任务 record_reply（回复上报）不在流程图中（被删除或改了 id）："
                     "审核通过的答复不再记入工单、不再上报平台。请恢复它（保留原 id）"], _messages(report)


def test_a_task_changed_into_another_kind_is_refused():
    changed = TICKET.replace('<bpmn:userTask id="callback"', '<bpmn:manualTask id="callback"', 1)
    start = changed.index('<bpmn:manualTask id="callback"')
    end = changed.index("</bpmn:userTask>", start)
    changed = changed[:end] + "</bpmn:manualTask>" + changed[end + len("</bpmn:userTask>"):]
    lines = [line for line in _messages(_lint(changed)) if "现在改成了" in line]
    assert len(lines) == 1 and lines[0].startswith("错误 callback（回访）"), lines
    assert "解决率和满意率无法计算" in lines[0]


def test_a_dropped_option_is_a_warning_and_a_dropped_field_an_error():
    dropped_option = TICKET.replace('id="转派"', 'id="转交"')
    report = _lint(dropped_option)
    assert [p.line() for p in report.warnings if "转派" in p.message] == [
        "提醒 sign（签收）：表单字段 sign_decision（签收结果）缺少系统识别的选项“转派”（选项 id 须保持不变）："
        "系统按这个选项走相应的办理和统计，缺少它该路径不再可用"]
    dropped_field = TICKET.replace('id="contact_time"', 'id="first_contact"')
    assert any(p.element_id == "respond" and "contact_time" in p.message for p in _lint(dropped_field).errors)


def test_renamed_end_state_and_message_are_errors():
    report = _lint(TICKET.replace('name="已转派"', 'name="已转走"').replace('value="待回访"', 'value="回访中"')
                   .replace('name="platform_urge"', 'name="urge"'))
    messages = " | ".join(p.message for p in report.errors)
    assert "没有名为“已转派”的结束事件" in messages
    assert "没有用户任务再给工单“待回访”状态" in messages
    assert "缺少系统发送的消息“platform_urge”" in messages


def test_a_deleted_task_is_said_once_not_once_per_field():
    start = TICKET.index('<bpmn:userTask id="respond"')
    end = TICKET.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    lines = [line for line in _messages(_lint(TICKET[:start] + TICKET[end:])) if "respond" in line]
    assert len([line for line in lines if "系统依赖" in line]) == 1, lines
    assert not [line for line in lines if "表单字段" in line], lines


def test_another_process_is_not_held_to_the_lifecycle():
    other = TICKET.replace('id="ticket_lifecycle"', 'id="other_lifecycle"').replace('id="record_reply"', 'id="r2"')
    assert _lint(other, "other_lifecycle").problems == []
    assert _lint(other, "ticket_lifecycle").problems == []  # the file has no process ticket_lifecycle


def test_a_relied_on_task_that_loses_its_formkey_is_refused():
    """分派 has a hand-written form (jiesu:dispatch) and handlers keyed by it: another formKey loses both."""
    changed = TICKET.replace('camunda:formKey="jiesu:dispatch"', 'camunda:formKey="jiesu:dispatch-v2"')
    [line] = [line for line in _messages(_lint(changed)) if "formKey" in line]
    assert line.startswith('错误 dispatch（分派）：系统依赖的用户任务 dispatch（分派）的表单 camunda:formKey="jiesu:dispatch" '
                           "改成了 jiesu:dispatch-v2"), line
    assert line.endswith('请改回 camunda:formKey="jiesu:dispatch"')
    removed = TICKET.replace(' camunda:formKey="jiesu:dispatch"', "")
    assert any("被删除了" in p.message for p in _lint(removed).errors)

"""A task's description with the variables it names filled in (no app, no database)."""

from app.services.masking import FULL, MASKED
from app.services.task_description import describe


def test_the_variables_a_description_names_are_filled_in():
    text = "${employeeName} 申请休假 ${days} 天，已审批：${approved}；材料：#{files}；${request.reason}"
    variables = {"employeeName": "wenhua", "days": 3, "approved": False, "files": ["a.pdf", "b.pdf"],
                 "request": {"reason": "回老家"}}
    assert describe(text, variables, FULL) == "wenhua 申请休假 3 天，已审批：否；材料：a.pdf、b.pdf；回老家"


def test_a_variable_the_task_does_not_have_reads_unfilled_and_other_expressions_stay_as_written():
    assert describe("原因：${reason}，合计 ${a + b}", {}, FULL) == "原因：（未填写），合计 ${a + b}"


def test_a_masked_reader_sees_the_callers_data_masked_where_the_description_puts_it():
    text = "请回访 ${caller_name}（${caller_phone}），地址 ${address}，备注：${note}"
    variables = {"caller_name": "李先生", "caller_phone": "13811112222", "address": "东华路18号",
                 "note": "另一号码 13912345678"}
    assert describe(text, variables, MASKED) == "请回访 李**（138****2222），地址 （已隐藏），备注：另一号码 139****5678"
    assert describe(text, variables, FULL) == "请回访 李先生（13811112222），地址 东华路18号，备注：另一号码 13912345678"


def test_a_number_written_into_the_diagram_itself_is_masked_too():
    assert describe("联系 13912345678", {}, MASKED) == "联系 139****5678"
    assert describe("", {"x": 1}, MASKED) == ""


def test_a_contact_person_a_form_recorded_is_masked_as_a_name_as_in_the_record():
    # ticket.bpmn's 联系人 field (contact_person): the 办理记录 shows it masked (masking.NAME_LABELS)
    assert describe("联系人：${contact_person}", {"contact_person": "王五"}, MASKED) == "联系人：王*"
    assert describe("联系人：${contact_person}", {"contact_person": "王五"}, FULL) == "联系人：王五"

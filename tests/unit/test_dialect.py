"""Camunda Modeler's dialect becomes Python; a file that is not BPMN XML is refused."""


import pytest

from app.engine import dialect, foreign, specs
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
    root = dialect.parse_xml(f'<d xmlns:camunda="{dialect.CAMUNDA_NS}" xmlns:activiti="{foreign.ACTIVITI_NS}" '
                             f'xmlns:flowable="{foreign.FLOWABLE_NS}">{body}</d>'.encode())
    return root, foreign.adopt_camunda(root)


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
        dialect.CAMUNDA_NS.encode(), foreign.ACTIVITI_NS.encode())
    assert start_forms.is_startable(xml, "assessment_appeal")
    assert start_forms.starter_groups(xml, "assessment_appeal") == ["supervisor", "handler"]
    assert [f["id"] for f in start_forms.start_form(xml, "assessment_appeal")["fields"]] == ["appeal_reason", "appeal_kind"]


C = f"{{{dialect.CAMUNDA_NS}}}"


def test_flowables_extensions_become_camundas_and_a_differing_one_is_named_as_flowables():
    """A Flowable diagram was refused as 没有设置候选组或办理人: flowable:candidateGroups was not read."""
    root, dropped = _adopted('<t id="a" flowable:candidateGroups="inspector" flowable:formKey="k" flowable:dueDate="P3D" '
                             'camunda:assignee="zhuguan" flowable:assignee="paidan"><flowable:taskListener event="create"/></t>')
    assert dict(root[0].attrib) == {"id": "a", f"{C}candidateGroups": "inspector", f"{C}formKey": "k",
                                    f"{C}dueDate": "P3D", f"{C}assignee": "zhuguan"}
    assert root[0][0].tag == f"{C}taskListener"
    [(node, reason)] = dropped
    assert node.get("id") == "a" and reason.startswith(
        '同时写有 camunda:assignee="zhuguan" 和 flowable:assignee="paidan"，取值不同：按 camunda:assignee 执行，'
        "flowable:assignee 不起作用（在 Flowable 和 Camunda 之间转换过的文件常见）")


def test_activitis_and_flowables_without_camundas_keep_the_first_written_and_name_both():
    root, dropped = _adopted('<t id="a" activiti:assignee="zhuguan" flowable:assignee="paidan">'
                             '<activiti:formData><activiti:formField id="x"/></activiti:formData>'
                             '<flowable:formData><flowable:formField id="y"/></flowable:formData></t>')
    assert root[0].get(f"{C}assignee") == "zhuguan" and [c.tag for c in root[0]] == [f"{C}formData"]
    assert root[0][0][0].get("id") == "x"
    assert [r.split("，")[0] for _n, r in dropped] == [
        '同时写有 activiti:assignee="zhuguan" 和 flowable:assignee="paidan"', "同时写有 activiti:formData 和 flowable:formData"]
    assert "在 Flowable 和 Activiti 之间转换过的文件常见" in dropped[0][1]


def _form(props: str, prefix: str = "flowable"):
    """The camunda:formData fields a task's form properties become, and what was said about them."""
    root, dropped = _adopted(f'<userTask id="t" name="核查"><extensionElements>{props}</extensionElements></userTask>'
                             .replace("P:", f"{prefix}:"))
    [extension] = root[0]
    forms = extension.findall(f"{C}formData")
    assert not extension.findall(f"{C}formProperty") and len(forms) <= 1
    fields = []
    for f in forms[0] if forms else []:
        fields.append({"attrib": dict(f.attrib), "values": [(v.get("id"), v.get("name")) for v in f.iterfind(f"{C}value")],
                       "constraints": [v.get("name") for v in f.iterfind(f"{C}validation/{C}constraint")]})
    assert all(node.get("id") == "t" for node, _r in dropped)  # the task is named, not the form property
    return fields, [reason for _n, reason in dropped]


@pytest.mark.parametrize("kind", ["string", "long", "boolean", "date", "enum"])
def test_a_form_propertys_type_camunda_has_is_kept(kind):
    fields, said = _form(f'<P:formProperty id="x" name="字段" type="{kind}"/>')
    assert fields == [{"attrib": {"id": "x", "type": kind, "label": "字段", "defaultValue": "${x}"}, "values": [],
                       "constraints": []}] and not said


def test_a_form_property_without_a_type_is_text_and_a_date_pattern_is_left_to_the_date_picker():
    fields, said = _form('<P:formProperty id="x"/><P:formProperty id="d" type="date" datePattern="yyyy-MM-dd"/>')
    assert [f["attrib"] for f in fields] == [{"id": "x", "type": "string", "defaultValue": "${x}"},
                                             {"id": "d", "type": "date", "defaultValue": "${d}"}] and not said


@pytest.mark.parametrize(("kind", "hint"), [("double", "，流程中按数字比较前请先转换，例如 float(amount)"), ("user", "")])
def test_a_form_propertys_type_the_form_lacks_becomes_text_with_a_warning(kind, hint):
    fields, said = _form(f'<P:formProperty id="amount" name="金额" type="{kind}"/>')
    assert fields[0]["attrib"]["type"] == "string"
    assert said == [f"表单字段 flowable:formProperty amount（金额）的类型 {kind} 不受支持（表单支持 string、long、boolean、date、"
                    f"enum）：按文本（string）显示和保存{hint}"]


def test_an_enums_values_become_camundas_options():
    fields, said = _form('<P:formProperty id="r" type="enum"><P:value id="confirmed" name="属实"/>'
                         '<P:value id="unfounded" name="不属实"/></P:formProperty>', prefix="activiti")
    assert fields[0]["values"] == [("confirmed", "属实"), ("unfounded", "不属实")] and not said


@pytest.mark.parametrize(("attributes", "constraints", "said"), [
    ('required="true"', ["required"], []),
    ('required="TRUE"', ["required"], []),
    ('required="false"', [], []),
    ('required="${must}"', [], ['表单字段 flowable:formProperty x 的 required="${must}" 不是 true 或 false，按 false 处理']),
    ('writable="false" required="true"', ["required", "readonly"], []),
])
def test_required_and_not_writable_become_constraints(attributes, constraints, said):
    fields, found = _form(f'<P:formProperty id="x" {attributes}/>')
    assert (fields[0]["constraints"], found) == (constraints, said)


def test_a_field_that_is_not_writable_shows_the_variables_value_read_only():
    fields, said = _form('<P:formProperty id="venue" writable="false"/>')
    assert fields[0]["attrib"]["defaultValue"] == "${venue}" and fields[0]["constraints"] == ["readonly"] and not said


def test_a_writable_field_shows_its_variables_value_as_activiti_does_and_a_default_where_it_has_none():
    """Only named or read-only properties showed the variable: the task met again in a rework loop (VacationRequest's
    adjustVacationRequestTask) showed its fields empty, where Activiti and Flowable show what was entered."""
    fields, said = _form('<P:formProperty id="days" type="long" required="true"/><P:formProperty id="n" default="1"/>'
                         '<P:formProperty id="Do you agree?"/>')  # (Activiti's adhoc Expense_process)
    assert [f["attrib"].get("defaultValue") for f in fields] == ["${days}", "1", None] and not said


def test_a_field_that_is_not_readable_is_left_out_and_said():
    fields, said = _form('<P:formProperty id="secret" name="内部" readable="false" default="x"/><P:formProperty id="y"/>')
    assert [f["attrib"]["id"] for f in fields] == ["y"]
    assert said == ['表单字段 flowable:formProperty secret（内部）的 readable="false"：Flowable 不在表单中显示它，本系统同样不显示'
                    "（没有转换成表单字段）；它的默认值不会存入变量 secret，需要时请用脚本任务赋值"]


@pytest.mark.parametrize(("attributes", "field", "said"), [
    ('default="0" type="long"', {"id": "x", "type": "long", "defaultValue": "0"}, []),
    ('default="${now()}" type="date"', {"id": "x", "type": "date", "defaultValue": "${now()}"}, []),  # computed per task
    ('variable="venue_name"', {"id": "venue_name", "type": "string", "defaultValue": "${venue_name}"}, []),
    ('expression="${venueName}"', {"id": "venueName", "type": "string", "defaultValue": "${venueName}"}, []),
    ('expression="${order.amount}"', {"id": "x", "type": "string", "defaultValue": "${x}"},
     ['表单字段 flowable:formProperty x 的 expression="${order.amount}" 不受支持（本系统只能直接读写变量，不能经表达式读写）：'
      "填写的值存入变量 x"]),
])
def test_defaults_variables_and_expressions(attributes, field, said):
    fields, found = _form(f'<P:formProperty id="x" {attributes}/>')
    assert (fields[0]["attrib"], found) == (field, said)


def test_a_camunda_form_data_beside_form_properties_is_kept_and_the_other_ones_named():
    fields, said = _form('<camunda:formData><camunda:formField id="a" type="string"/></camunda:formData>'
                         '<P:formProperty id="a"/><P:formProperty id="b"/>')
    assert [f["attrib"]["id"] for f in fields] == ["a"]
    assert said == ["同时写有 camunda:formData 和 flowable:formProperty（a、b）：表单按 camunda:formData 的字段显示，"
                    "flowable:formProperty 不起作用；请删除不用的一个"]
    fields, said = _form('<P:formProperty id="a"/><camunda:formData><camunda:formField id="a"/></camunda:formData>')
    assert [f["attrib"]["id"] for f in fields] == ["a"] and not said  # the same fields, converted by a tool


def test_camundas_own_older_form_properties_are_read_too():
    fields, said = _form('<P:formProperty id="x" name="说明" required="true"/>', prefix="camunda")
    assert fields == [{"attrib": {"id": "x", "type": "string", "label": "说明", "defaultValue": "${x}"}, "values": [],
                       "constraints": ["required"]}]


def test_a_flowable_start_events_form_properties_are_the_start_form():
    from app.engine import start_forms

    xml = f'''<definitions xmlns="{dialect.BPMN_NS}" xmlns:flowable="{foreign.FLOWABLE_NS}">
      <process id="p" flowable:candidateStarterGroups="supervisor"><startEvent id="s" name="提出申诉"><extensionElements>
        <flowable:formProperty id="reason" name="申诉理由" required="true"/>
        <flowable:formProperty id="kind" name="申诉类别" type="enum"><flowable:value id="超期" name="超期认定"/>
        </flowable:formProperty></extensionElements></startEvent></process></definitions>'''.encode()
    assert start_forms.starter_groups(xml, "p") == ["supervisor"]
    form = start_forms.start_form(xml, "p")
    assert [(f["id"], f["label"], f["type"], f["validation"], f["options"]) for f in form["fields"]] == [
        ("reason", "申诉理由", "string", {"required": None}, []), ("kind", "申诉类别", "enum", {}, [["超期", "超期认定"]])]


@pytest.mark.parametrize("field", ['<camunda:formData><camunda:formField label="督办意见" type="string"/></camunda:formData>',
                                   '<flowable:formProperty name="督办意见" type="string"/>'])
def test_a_form_field_without_an_id_is_refused_naming_its_label(field):
    """It deployed, and its task's page failed to open (the generated form cannot have a field without a name)."""
    from pathlib import Path

    xml = (Path(__file__).resolve().parents[1] / "bpmn" / "foreign" / "flowable_venue_check.bpmn").read_text(
        encoding="utf-8").replace(
        '<flowable:formProperty id="superviseNote" name="督办意见" type="string" required="true"></flowable:formProperty>',
        field).replace("<definitions ", f'<definitions xmlns:camunda="{dialect.CAMUNDA_NS}" ', 1)
    assert field in xml
    with pytest.raises(specs.DiagramError) as err:
        specs.parse(xml.encode())
    assert err.value.problems == ["superviseCheck（督办核查）：表单字段“督办意见”没有 id：填写的值无处保存，任务页面也打不开；"
                                  "请给它一个 id（保存到的变量名，如 venue_name）"]


def test_a_dtd_after_a_long_comment_is_refused_as_a_dtd():
    """Only the first 4 KB were looked at for <!DOCTYPE: one after a long comment reached the engine's parser and
    came out as 流程引擎无法解析此元素 (its entities, never expanded, were undefined in the converted file)."""
    from pathlib import Path

    xml = (Path(__file__).resolve().parents[1] / "bpmn" / "foreign" / "flowable_venue_check.bpmn").read_text(
        encoding="utf-8").replace("?>", "?><!--" + "说明" * 3000 + '--><!DOCTYPE definitions [<!ENTITY b "场所">]>', 1)
    assert xml.index("<!DOCTYPE") > 4096
    for call in (specs.parse, specs.bpmn_root):  # the deploy check, the modeler's drafts
        with pytest.raises(specs.DiagramError) as err:
            call(xml.encode())
        assert err.value.problems == ["文件含有 DTD 或实体声明（<!DOCTYPE …>、<!ENTITY …>），出于安全不接受：请删除该声明后再上传"]


def test_bpmns_human_performer_and_potential_owner_are_the_tasks_assignee_and_candidates():
    """Activiti's and Flowable's own examples (VacationRequest, FinancialReportProcess) say who does a task in BPMN's
    humanPerformer / potentialOwner, which Activiti, Flowable and Camunda 7 read: the check said 没有设置候选组或办理人."""
    root, dropped = _adopted(
        f'<process xmlns="{dialect.BPMN_NS}"><resource id="r1" name="analyst"/>'
        '<userTask id="a"><humanPerformer><resourceAssignmentExpression><formalExpression>${employeeName}'
        '</formalExpression></resourceAssignmentExpression></humanPerformer></userTask>'
        '<userTask id="b" flowable:candidateGroups="supervisor"><potentialOwner><resourceAssignmentExpression>'
        '<formalExpression>user(wenhua), group(supervisor), handler, user(${pick(1, 2)})</formalExpression>'
        '</resourceAssignmentExpression></potentialOwner><potentialOwner><resourceRef>r1</resourceRef></potentialOwner>'
        '</userTask>'
        '<userTask id="c" camunda:assignee="zhuguan"><humanPerformer><resourceAssignmentExpression><formalExpression>'
        'paidan</formalExpression></resourceAssignmentExpression></humanPerformer></userTask></process>')
    a, b, c = root[0].iterfind(f"{{{dialect.BPMN_NS}}}userTask")
    assert a.get(f"{C}assignee") == "${employeeName}"
    assert (b.get(f"{C}candidateUsers"), b.get(f"{C}candidateGroups")) == ("wenhua, ${pick(1, 2)}",
                                                                           "supervisor, handler, analyst")
    assert c.get(f"{C}assignee") == "zhuguan"
    assert [(n.get("id"), r) for n, r in dropped] == [("c", '同时写有 camunda:assignee="zhuguan" 和 humanPerformer（paidan），'
                                                           "取值不同：按 camunda:assignee 执行，humanPerformer 不起作用；"
                                                           "请删除不用的一个，或改成相同的取值")]


def test_the_deploy_checks_tree_remembers_how_an_adopted_extension_was_written():
    """Messages named camunda:class, camunda:taskListener, camunda:initiator in an Activiti or Flowable file: its owner
    searched the file for a name that is not in it."""
    root = dialect.parse_xml(f'<d xmlns:camunda="{dialect.CAMUNDA_NS}" xmlns:activiti="{foreign.ACTIVITI_NS}" '
                             f'xmlns:flowable="{foreign.FLOWABLE_NS}"><t id="a" activiti:class="x.Y" camunda:type="mail">'
                             '<flowable:taskListener event="create"/><camunda:executionListener/></t></d>'.encode())
    assert not foreign.adopt_camunda(root, mark=True)
    task = root[0]
    assert (foreign.written(task, "class"), foreign.written(task, "type"), foreign.dialect_of(task, "class")) == (
        "activiti:class", "camunda:type", "activiti")
    assert [foreign.written(child) for child in task] == ["flowable:taskListener", "camunda:executionListener"]
    plain = dialect.parse_xml(f'<d xmlns:activiti="{foreign.ACTIVITI_NS}"><t activiti:class="x.Y"/></d>'.encode())
    foreign.adopt_camunda(plain)
    assert dict(plain[0].attrib) == {f"{C}class": "x.Y"}  # (unmarked: what normalise stores has no marks)

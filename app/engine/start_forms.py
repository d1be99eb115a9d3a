"""What a diagram says about starting it by hand: its ``camunda:properties`` (``startable``),
its start event's form (``camunda:formData``), which SpiffWorkflow's parser does not read, and the
variable its ``camunda:initiator`` names, which holds the starter's username (as in Camunda,
Activiti and Flowable: ``activiti:initiator="employeeName"``, then ``${employeeName}`` as an assignee).

Fields come out in the same shape as a user task's (``specs._user_task_meta``), so the form
builder turns a start form into a WTForms form like any task form.
"""

from __future__ import annotations

from app.engine import dialect, foreign

_C = f"{{{dialect.CAMUNDA_NS}}}"
_B = f"{{{dialect.BPMN_NS}}}"


def _root(xml: str | bytes):
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    root = dialect.parse_xml(data)
    foreign.adopt_camunda(root)  # an Activiti diagram's start form, as the deploy check read it
    return root


def _process(root, process_key: str):
    for node in root.iter(f"{_B}process"):
        if node.get("id") == process_key:
            return node
    return None


def _properties(node) -> dict[str, str]:
    ext = node.find(f"{_B}extensionElements")
    if ext is None:
        return {}
    return {p.get("name") or p.get("id") or "": p.get("value") or ""
            for p in ext.iterfind(f"{_C}properties/{_C}property")}


def process_properties(xml: str | bytes, process_key: str) -> dict[str, str]:
    """The process's own camunda:properties, with its blank start event's added (process wins)."""
    process = _process(_root(xml), process_key)
    return element_properties(process) if process is not None else {}


def element_properties(process) -> dict[str, str]:
    """``process_properties`` of a process element already adopted (``foreign.adopt_camunda``)."""
    props = {}
    start = _start_event(process)
    if start is not None:
        props.update(_properties(start))
    props.update(_properties(process))
    return props


def marked_startable(process) -> bool:
    """Whether an adopted process element is marked ``startable`` (the 发起流程 menu offers it)."""
    return element_properties(process).get("startable", "").strip().lower() in ("true", "1", "yes", "是")


def is_startable(xml: str | bytes, process_key: str) -> bool:
    process = _process(_root(xml), process_key)
    return process is not None and marked_startable(process)


def initiator(xml: str | bytes, process_key: str) -> str:
    """The variable the blank start event's ``camunda:initiator`` names ('' without one): who started it by hand."""
    process = _process(_root(xml), process_key)
    start = _start_event(process) if process is not None else None
    return (start.get(f"{_C}initiator") or "").strip() if start is not None else ""


def starter_groups(xml: str | bytes, process_key: str) -> list[str]:
    """camunda:candidateStarterGroups / candidateStarterUsers (``user:name``); empty: everyone may start it."""
    process = _process(_root(xml), process_key)
    if process is None:
        return []
    groups = [g.strip() for g in (process.get(f"{_C}candidateStarterGroups") or "").split(",") if g.strip()]
    users = [f"user:{u.strip()}" for u in (process.get(f"{_C}candidateStarterUsers") or "").split(",") if u.strip()]
    return groups + users


def _start_event(process):
    for node in process.iterfind(f"{_B}startEvent"):
        if len(node.findall(f"{_B}timerEventDefinition")) + len(node.findall(f"{_B}messageEventDefinition")) == 0:
            return node
    return None


def start_form(xml: str | bytes, process_key: str) -> dict:
    """{'element_id', 'title', 'fields': [...]} of the blank start event ({} without one)."""
    root = _root(xml)
    process = _process(root, process_key)
    start = _start_event(process) if process is not None else None
    if start is None:
        return {}
    fields = []
    for f in start.iterfind(f"{_B}extensionElements/{_C}formData/{_C}formField"):
        fields.append({
            "id": f.get("id"),
            "type": f.get("type") or "string",
            "label": f.get("label") or f.get("id"),
            "default": f.get("defaultValue"),
            "options": [[v.get("id"), v.get("name") or v.get("id")] for v in f.iterfind(f"{_C}value")],
            "validation": {c.get("name"): c.get("config") for c in f.iterfind(f"{_C}validation/{_C}constraint")},
            "properties": {p.get("id") or p.get("name"): p.get("value") for p in f.iterfind(f"{_C}properties/{_C}property")},
        })
    return {"element_id": start.get("id"), "title": start.get("name") or process.get("name") or process_key,
            "fields": fields}

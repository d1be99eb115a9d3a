"""Parsing, validating and storing BPMN diagrams as process versions."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.specs.user_task import UserTask

from app.engine import dialect
from app.engine.events import SERIALIZER_CONFIG, JiesuCamundaParser

SPEC_REGISTRY = BpmnWorkflowSerializer.configure(SERIALIZER_CONFIG)


class DiagramError(Exception):
    """A diagram that cannot be deployed; ``problems`` name each element and reason, in Chinese."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass
class ParsedProcess:
    process_key: str
    name: str
    spec: object
    subprocess_specs: dict
    task_meta: dict = field(default_factory=dict)
    xml: bytes = b""


def _expr(text: str | None) -> str | None:
    """A Camunda attribute value as a Python expression (``${x}`` -> ``x``, literals quoted)."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if "${" in text or "#{" in text:
        return dialect.juel_to_python(text)
    return repr(text)


def _groups(text: str | None) -> list[str]:
    return [g for g in (_expr(part) for part in (text or "").split(",")) if g]


def _user_task_meta(spec, node) -> dict:
    camunda = f"{{{dialect.CAMUNDA_NS}}}"
    form = spec.form
    fields = []
    for f in form.fields:
        fields.append(
            {
                "id": f.id,
                "type": f.type or "string",
                "label": f.label or f.id,
                "default": f.default_value,
                "options": [[o.id, o.name] for o in getattr(f, "options", [])],
                "validation": {v.name: v.config for v in f.validation},
                "properties": {p.id: p.value for p in f.properties},
            }
        )
    return {
        "title": spec.bpmn_name or spec.bpmn_id,
        "lane": spec.lane or "",
        "form_key": form.key or "",
        "fields": fields,
        "candidate_groups": _groups(node.get(f"{camunda}candidateGroups")),
        "candidate_users": _groups(node.get(f"{camunda}candidateUsers")),
        "assignee": _expr(node.get(f"{camunda}assignee")),
        "due_date": _expr(node.get(f"{camunda}dueDate")),
        "ticket_state": (spec.extensions or {}).get("ticket_state", ""),
        "documentation": (getattr(spec, "documentation", None) or "").strip(),
    }


def _check_python(problems: list[str], element: str, code: str | None, mode: str) -> None:
    if not code:
        return
    try:
        compile(code, element, mode)
    except SyntaxError as exc:
        problems.append(f"元素 {element} 的表达式无法解析：{code!r}（{exc.msg}）")


def _check_expressions(root, problems: list[str]) -> None:
    ns = dialect.NS
    for node in root.iterfind(".//bpmn:conditionExpression", ns):
        owner = node.getparent().get("id")
        _check_python(problems, owner, (node.text or "").strip(), "eval")
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.iterfind(f".//bpmn:{tag}", ns):
            owner = node.getparent().getparent().get("id")
            if not (node.text or "").strip():
                problems.append(f"定时器 {owner} 没有设置时间表达式")
            _check_python(problems, owner, (node.text or "").strip(), "eval")
    for node in root.iterfind(".//bpmn:scriptTask", ns):
        script = node.find("bpmn:script", ns)
        if script is None or not (script.text or "").strip():
            problems.append(f"脚本任务 {node.get('id')} 没有脚本")
        else:
            _check_python(problems, node.get("id"), script.text, "exec")


def parse(xml: bytes | str, process_key: str | None = None) -> ParsedProcess:
    """Parse and validate a diagram; raise DiagramError naming every problem found."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    try:
        xml = dialect.normalise(xml)
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise DiagramError([f"不是有效的 BPMN XML：{exc}"]) from exc
    processes = root.findall("bpmn:process", dialect.NS)
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"]
    if not executable:
        raise DiagramError(["文件中没有可执行的流程（bpmn:process isExecutable=\"true\"）"])
    key = process_key or executable[0].get("id")
    problems: list[str] = []
    _check_expressions(root, problems)
    if problems:
        raise DiagramError(problems)
    parser = JiesuCamundaParser()
    try:
        parser.add_bpmn_xml(etree.fromstring(xml), filename=f"{key}.bpmn")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        where = f"元素 {exc.id}（{exc.name}）" if getattr(exc, "id", "") else "流程"
        raise DiagramError([f"{where}：{exc}"]) from exc
    except Exception as exc:  # the parser raises plain exceptions for some mistakes
        raise DiagramError([f"流程无法解析：{exc}"]) from exc

    nodes = {n.get("id"): n for n in root.iter(f"{{{dialect.BPMN_NS}}}userTask")}
    task_meta = {}
    for s in [spec, *subprocess_specs.values()]:
        for ts in s.task_specs.values():
            if isinstance(ts, UserTask):
                meta = _user_task_meta(ts, nodes[ts.bpmn_id])
                for name in ("assignee", "due_date"):
                    _check_python(problems, ts.bpmn_id, meta[name], "eval")
                for g in meta["candidate_groups"]:
                    _check_python(problems, ts.bpmn_id, g, "eval")
                if not meta["candidate_groups"] and not meta["assignee"] and not meta["candidate_users"]:
                    problems.append(f"用户任务 {ts.bpmn_id}（{meta['title']}）没有设置候选组或办理人")
                task_meta[ts.bpmn_id] = meta
    for node_id, node in nodes.items():
        if node_id not in task_meta:
            problems.append(f"用户任务 {node_id}（{node.get('name') or node_id}）没有连接到流程中，永远不会执行")
    if problems:
        raise DiagramError(problems)
    name = executable[0].get("name") or key
    return ParsedProcess(key, name, spec, subprocess_specs, task_meta, xml)


def checksum(xml: bytes | str) -> str:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return hashlib.sha256(data).hexdigest()


def dump_specs(parsed: ParsedProcess) -> str:
    return json.dumps(
        {
            "spec": SPEC_REGISTRY.convert(parsed.spec),
            "subprocess_specs": {k: SPEC_REGISTRY.convert(v) for k, v in parsed.subprocess_specs.items()},
        }
    )


_cache: dict[tuple, tuple[object, dict]] = {}
_cache_lock = threading.Lock()


def load_specs(key: tuple, spec_json: str) -> tuple[object, dict]:
    """The parsed spec of a stored version, restored once per process and shared.

    ``key`` identifies the version uniquely (its id and checksum).
    """
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    raw = json.loads(spec_json)
    spec = SPEC_REGISTRY.restore(raw["spec"])
    subprocess_specs = {k: SPEC_REGISTRY.restore(v) for k, v in raw["subprocess_specs"].items()}
    with _cache_lock:
        _cache[key] = (spec, subprocess_specs)
    return spec, subprocess_specs

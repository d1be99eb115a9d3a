"""Parsing, validating and storing BPMN diagrams as process versions."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.specs.user_task import UserTask

from app.engine import dialect, foreign, multi_instance
from app.engine.checks import WARNING, CheckContext, Report, element_label, rules
from app.engine.events import SERIALIZER_CONFIG, JiesuCamundaParser

logger = logging.getLogger(__name__)
SPEC_REGISTRY = BpmnWorkflowSerializer.configure(SERIALIZER_CONFIG)


class DiagramError(Exception):
    """A diagram that cannot be deployed: ``report`` holds each problem (element, name, Chinese
    reason, severity); ``problems`` the errors as lines."""

    def __init__(self, report_or_problems):
        if isinstance(report_or_problems, Report):
            report = report_or_problems
        else:
            report = Report()
            for message in report_or_problems:
                report.add("", "", message)
        self.report = report
        self.problems = [str(p) for p in report.errors]
        super().__init__("；".join(self.problems))


@dataclass
class ParsedProcess:
    process_key: str
    name: str
    spec: object
    subprocess_specs: dict
    task_meta: dict = field(default_factory=dict)
    xml: bytes = b""  # the converted form the engine runs (internal)
    report: Report = field(default_factory=Report)  # warnings, when it parsed
    spec_json: str | None = None  # dump_specs(self), kept once computed


def _expr(text: str | None) -> str | None:
    """A Camunda attribute value as a Python expression (``${x}`` -> ``x``, literals quoted)."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if dialect.is_juel(text):
        return dialect.juel_to_python(text)
    return repr(text)


def _groups(text: str | None) -> list[str]:
    return [g for g in (_expr(part) for part in (text or "").split(",")) if g]


# a string field a person types into gets this maxlength when its diagram sets none (characters): no text is
# unbounded (it prints on every page of the ticket). Set at deploy, so versions deployed before keep their forms.
DEFAULT_MAX_LINE = 200
DEFAULT_MAX_MULTILINE = 2000


def _validation(f, properties: dict) -> dict:
    validation = {v.name: v.config for v in f.validation}
    typed = (f.type or "string") == "string" and "readonly" not in validation \
        and not dialect.is_juel(str(f.default_value or ""))  # (a computed value may be longer: not cut)
    if typed and "maxlength" not in validation:
        multiline = properties.get("multiline") == "true"
        validation["maxlength"] = str(DEFAULT_MAX_MULTILINE if multiline else DEFAULT_MAX_LINE)
    return validation


def _user_task_meta(spec, node) -> dict:
    camunda = f"{{{dialect.CAMUNDA_NS}}}"
    form = spec.form
    fields = []
    for f in form.fields:
        properties = {p.id: p.value for p in f.properties}
        fields.append(
            {
                "id": f.id,
                "type": f.type or "string",
                "label": f.label or f.id,
                "default": f.default_value,
                "options": [[o.id, o.name] for o in getattr(f, "options", [])],
                "validation": _validation(f, properties),
                "properties": properties,
            }
        )
    return {
        "title": spec.bpmn_name or spec.bpmn_id,
        "title_en": (spec.extensions or {}).get("name_en", ""),  # the diagram's English name, if it has one
        "lane": spec.lane or "",
        "form_key": form.key or "",
        "fields": fields,
        "candidate_groups": _groups(node.get(f"{camunda}candidateGroups")),
        "candidate_users": _groups(node.get(f"{camunda}candidateUsers")),
        "assignee": _expr(node.get(f"{camunda}assignee")),
        "due_date": _expr(node.get(f"{camunda}dueDate")),
        "follow_up_date": _expr(node.get(f"{camunda}followUpDate")),
        "ticket_state": (spec.extensions or {}).get("ticket_state", ""),
        "documentation": (getattr(spec, "documentation", None) or "").strip(),
    }


_NOT_UTF8 = ("有字符不符合文件声明的编码（没有声明时按 UTF-8 读）：请在建模工具中另存为 UTF-8，"
             "或在第一行写明文件实际的编码，例如 <?xml version=\"1.0\" encoding=\"GBK\"?>")

_XML_REASONS = (  # libxml2's messages (English) in a process owner's words; the first that matches
    ("Opening and ending tag mismatch", "开始标签和结束标签不匹配"),
    ("Premature end of data", "文件不完整：在标签闭合之前就结束了"),
    ("EndTag: '</' not found", "文件不完整：缺少结束标签"),
    ("Specification mandates value for attribute", "属性没有取值（应写作 name=\"…\"）"),
    ("AttValue: \" or ' expected", "属性的取值缺少引号"),
    ("attributes construct error", "属性写法有误"),
    ("Attribute", "属性重复或写法有误"),
    ("StartTag: invalid element name", "标签名无效"),
    ("Start tag expected", "不是 XML 文件：找不到任何标签"),
    ("Document is empty", "文件是空的"),
    ("Extra content at the end of the document", "根元素结束后还有多余内容"),
    ("xmlParseEntityRef: no name", "“&”后缺少实体名（文字中的 & 请写作 &amp;）"),
    ("EntityRef: expecting ';'", "“&”后缺少实体名（文字中的 & 请写作 &amp;）"),
    ("Entity", "引用了未定义的实体"),
    ("Namespace prefix", "使用了未声明的命名空间前缀"),
    ("Char 0x", "含有 XML 不允许的字符"),
    ("Input is not proper UTF-8", _NOT_UTF8),
    ("Invalid bytes in character encoding", _NOT_UTF8),
    ("Unsupported encoding", "文件第一行声明的编码（encoding=\"…\"）无法识别：请在建模工具中另存为 UTF-8"),
    ("Huge input lookup", "文件嵌套或文本过大"),
    ("Excessive depth", "元素嵌套过深"),
)


# A process id names the process in addresses (/processes/<id>) and download file names: an XML name
# (NCName: a letter or _ first, then letters, digits, _ - .), as BPMN's xsd:ID wants; Chinese letters are letters.
_PROCESS_ID = re.compile(r"[^\W\d][\w.-]{0,79}")  # (process_version.process_key: 80)
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)\b|<\x00!\x00(D\x00O\x00C|E\x00N\x00T)")  # UTF-8, UTF-16LE


def _xml_reason(message: str | None) -> str:
    text = message or ""
    return next((reason for prefix, reason in _XML_REASONS if prefix in text), "XML 格式错误")


def _not_bpmn(root) -> str:
    """Why a well-formed XML file is no BPMN diagram, naming what it is instead."""
    qname = etree.QName(root)
    namespace = (qname.namespace or "").lower()
    if qname.localname == "definitions" and "dmn" in namespace:
        return "这是 DMN 决策表文件，不是 BPMN 流程图：本系统不执行 DMN 决策，请上传 BPMN 文件（.bpmn）"
    if qname.localname == "definitions":
        found = f"的命名空间 {qname.namespace} 不是" if qname.namespace else "没有声明"
        return f"根元素 definitions {found} BPMN 2.0 的命名空间（{dialect.BPMN_NS}）：请在建模工具中打开并重新保存为 BPMN 2.0 文件"
    return f"不是 BPMN 流程图：根元素是 {qname.localname}，BPMN 2.0 文件的根元素应为 bpmn:definitions"


def _column(exc) -> str:
    column = getattr(exc, "offset", None) or (exc.position[1] if getattr(exc, "position", None) else None)
    return f"第 {column} 列" if column else ""


_SPIFF_MESSAGES = {  # SpiffWorkflow's parser messages, in the words a process owner reads
    "No start event found": "流程没有开始事件",
    "Multiple outgoing flows are not supported": "不支持多个出口",
    "Invalid Script Task": "脚本任务没有脚本",
    "Unable to find a BPMN Element": "引用了不存在的元素",
    "Intermediate Catch Event has no event definition": "中间捕获事件没有设置事件类型",
    "Could not find a process": "调用的流程不在此文件中",
    "A multiinstance task must specify a cardinality or a collection": "多实例任务没有设置循环次数（loopCardinality）"
                                                                       "或集合（camunda:collection）",
    "maximum recursion depth exceeded": "流程太长或嵌套太深，引擎无法解析：请把其中一段拆成子流程或调用活动",
    "There is no support implemented for this task type": "引擎不支持这种元素类型",
    "Unsupported Catch Event": "引擎不支持这种捕获事件",
    "Time Specification Error": "定时器没有设置时间（timeDate、timeDuration 或 timeCycle）",
    "Unknown Time Specification": "定时器的时间类型无法识别：请用 timeDate、timeDuration 或 timeCycle",
    "A SubWorkflow Must contain an End event": "子流程没有结束事件",
    "Exactly one start event is required in a SubWorkflow": "子流程必须有且只有一个开始事件",
    "Ad hoc subprocesses may not contain start or end events": "自由子流程中不能有开始或结束事件",
    "Conditional event definition with missing condition": "条件事件没有设置条件",
    "Duplicate process ID": "文件中有两个流程使用同一个 id",
    "is not executable": "调用的流程不是可执行流程（isExecutable=\"false\"）",
    "Could not find messageRef": "消息事件引用的消息（messageRef）不存在",
    "identifier is missing from bpmn xml": "事件引用的消息、信号、错误或升级没有在文件中定义",
    "Cannot resolve dataInputAssociation": "数据输入关联引用的数据对象不存在",
    "Cannot resolve dataOutputAssociation": "数据输出关联引用的数据对象不存在",
    "Non-default exclusive outgoing sequence flow without condition": "排他网关的出口既没有条件，也不是默认出口",
    "No start event": "流程没有开始事件",
    "Correlation": "消息的关联（correlation）设置不完整",
    "Data Store": "数据存储（data store）不受支持",
    "Expected 1 result. Received 0 results": "引用的消息、信号或其他元素在文件中不存在（例如 messageRef 指向已删除的消息）",
}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _spiff_reason(exc: Exception) -> str:
    """SpiffWorkflow's parser message in Chinese: a known one translated, one of ours kept, any other said
    generally (the English original is the engine's, not the process owner's; it stays in the log)."""
    message = str(exc).split("\n")[0]
    for english, chinese in _SPIFF_MESSAGES.items():
        if english.lower() in message.lower():
            return chinese
    if _has_chinese(message):  # one of ours (service_tasks.py)
        return message[:300]
    logger.warning("SpiffWorkflow parser message without a translation: %s", message[:500])
    return "流程引擎无法解析此元素：请检查它的类型和设置（可在 Camunda Modeler 中打开该元素查看），或改用本系统支持的元素"


def _compensation_reason(root, element_id: str) -> str | None:
    """A compensation event (补偿) the engine refused, said as what it is, with what to draw instead."""
    node = next((n for n in root.iter() if isinstance(n.tag, str) and n.get("id") == element_id), None) \
        if element_id else None
    if node is None or node.find(f"{{{dialect.BPMN_NS}}}compensateEventDefinition") is None:
        return None
    return ("不支持补偿事件（compensation）：本系统不执行补偿处理。要撤销或重办已完成的步骤，请用错误边界事件，"
            "或用网关把流程引回需要重办的步骤")


_PARSED_MAX = 64  # diagrams a process keeps parsed (a deploy check then its deploy, tests' seeding)
_parsed: OrderedDict[tuple, ParsedProcess] = OrderedDict()
_parsed_lock = threading.Lock()


def parse(xml: bytes | str, process_key: str | None = None, context: CheckContext | None = None) -> ParsedProcess:
    """Check, parse and validate a diagram; raise DiagramError naming every problem found.

    ``context`` (known functions, groups, users, inputs) is given by the service layer; without
    it only what needs no knowledge of the product is checked. The same file with the same
    context is parsed once per process (the result is shared: callers do not change it);
    refusals are not kept.
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    key = (hashlib.sha256(data).digest(), process_key, context)
    with _parsed_lock:
        parsed = _parsed.get(key)
        if parsed is not None:
            _parsed.move_to_end(key)
            return parsed
    parsed = _parse(data, process_key, context)
    with _parsed_lock:
        _parsed[key] = parsed
        while len(_parsed) > _PARSED_MAX:
            _parsed.popitem(last=False)
    return parsed


def bpmn_root(xml: bytes):
    """The parsed root of a BPMN 2.0 file; DiagramError saying what the file is instead (not XML, a DTD,
    a DMN file, another kind of XML, definitions without BPMN's namespace). The deploy check and the
    modeler's drafts both ask it."""
    report = Report()
    dtd = "文件含有 DTD 或实体声明（<!DOCTYPE …>、<!ENTITY …>），出于安全不接受：请删除该声明后再上传"
    if _DECLARATION.search(xml[:4096]):
        report.add("", "", dtd)
        raise DiagramError(report)
    try:
        root = dialect.parse_xml(xml)  # (entities are never expanded: parse_xml)
    except etree.XMLSyntaxError as exc:
        report.add("", "", f"不是有效的 BPMN XML（第 {exc.lineno or 1} 行{_column(exc)}）：{_xml_reason(exc.msg)}")
        raise DiagramError(report) from exc
    if root.getroottree().docinfo.doctype:  # one further in than the first 4 KB looked at (after a long comment)
        report.add("", "", dtd)
        raise DiagramError(report)
    if root.tag != f"{{{dialect.BPMN_NS}}}definitions":
        report.add("", "", _not_bpmn(root))
        raise DiagramError(report)
    return root


def _parse(xml: bytes, process_key: str | None, context: CheckContext | None) -> ParsedProcess:
    report = Report()
    root = bpmn_root(xml)
    for node, reason in foreign.adopt_camunda(root, mark=True):  # activiti:assignee -> camunda:assignee ...
        report.add(*element_label(node), reason, WARNING)
    processes = root.findall("bpmn:process", dialect.NS)
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"]
    if not executable:
        report.add("", "", "文件中没有可执行的流程（bpmn:process isExecutable=\"true\"）：请在建模工具中选中流程（或泳池），"
                           "勾选“可执行”（Executable）后保存；Signavio、ADONIS 等工具导出的流程默认不可执行" if processes
                   else "文件中没有流程（bpmn:process）：只有协作图（泳池）或空白画布时没有可以运行的步骤")
        raise DiagramError(report)
    key = process_key or executable[0].get("id")
    report.process_key, report.process_name = key, executable[0].get("name") or key
    if not _PROCESS_ID.fullmatch(key or ""):
        report.add(key or "", executable[0].get("name") or "",
                   f"流程 id {key!r} 不可用：应以字母或下划线开头，只含字母、数字、下划线、连字符和点（不含空格、引号、"
                   "换行），最长 80 个字符")
        raise DiagramError(report)
    rules.check(root, report, context)
    if report.errors:
        raise DiagramError(report)
    unmarked = dialect.parse_xml(xml)  # (the check's copy carries marks of how extensions were written)
    foreign.adopt_camunda(unmarked)  # (what it drops was reported above)
    xml = dialect.normalise(unmarked)
    parser = JiesuCamundaParser()
    try:
        parser.add_bpmn_xml(dialect.parse_xml(xml), filename=f"{key}.bpmn")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
        for each in (spec, *subprocess_specs.values()):
            multi_instance.adopt(each)  # the cardinality evaluated once, the collection read as Camunda does
    except ValidationException as exc:
        element_id = getattr(exc, "id", "") or ""
        report.add(element_id, getattr(exc, "name", "") or "", _compensation_reason(root, element_id) or _spiff_reason(exc))
        raise DiagramError(report) from exc
    except Exception as exc:  # the parser raises plain exceptions for some mistakes
        report.add("", "", _spiff_reason(exc))
        raise DiagramError(report) from exc

    nodes = {n.get("id"): n for n in root.iter(f"{{{dialect.BPMN_NS}}}userTask")}
    task_meta = {}
    for s in [spec, *subprocess_specs.values()]:
        for ts in s.task_specs.values():
            if isinstance(ts, UserTask) and ts.bpmn_id in nodes:
                task_meta[ts.bpmn_id] = _user_task_meta(ts, nodes[ts.bpmn_id])
    running = {key, *subprocess_specs}  # the process deployed and the ones its call activities call
    told: set[str] = set()
    for node_id, node in nodes.items():
        if node_id in task_meta:
            continue
        process = next((p for p in node.iterancestors(f"{{{dialect.BPMN_NS}}}process")), None)
        other = process.get("id") if process is not None else None
        if other and other not in running:
            if other in told:
                continue
            told.add(other)
            report.add(other, process.get("name") or "",
                       f"流程 {other} 不会运行，其中的「{node.get('name') or node_id}」等任务也不会出现：一个文件部署为一个流程"
                       f"（这里是 {key}），文件中的其他流程只有被它的调用活动（callActivity）调用时才运行，泳池之间的消息流"
                       "不会传递。请把它存为单独的文件部署，或在 {key} 中用调用活动调用它".replace("{key}", key))
        else:
            report.add(node_id, node.get("name") or "", "没有连接到流程中，永远不会执行")
    if report.errors:
        raise DiagramError(report)
    return ParsedProcess(key, report.process_name, spec, subprocess_specs, task_meta, xml, report)


def checksum(xml: bytes | str) -> str:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return hashlib.sha256(data).hexdigest()


def dump_specs(parsed: ParsedProcess) -> str:
    if parsed.spec_json is None:
        parsed.spec_json = json.dumps(
            {
                "spec": SPEC_REGISTRY.convert(parsed.spec),
                "subprocess_specs": {k: SPEC_REGISTRY.convert(v) for k, v in parsed.subprocess_specs.items()},
            }
        )
    return parsed.spec_json


_cache: dict[tuple, tuple[object, dict]] = {}
_cache_lock = threading.Lock()


def load_specs(key: tuple, spec_json) -> tuple[object, dict]:
    """The parsed spec of a stored version, restored once per process and shared.

    ``key`` identifies the version uniquely (its id and checksum); ``spec_json`` is the stored text
    or a callable returning it (read only when the spec is not cached yet).
    """
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    raw = json.loads(spec_json() if callable(spec_json) else spec_json)
    spec = SPEC_REGISTRY.restore(raw["spec"])
    subprocess_specs = {k: SPEC_REGISTRY.restore(v) for k, v in raw["subprocess_specs"].items()}
    with _cache_lock:
        _cache[key] = (spec, subprocess_specs)
    return spec, subprocess_specs


def check(xml: bytes | str, context: CheckContext | None = None) -> Report:
    """Check a diagram; the report's errors are the reasons it would be refused (nothing is stored)."""
    try:
        return parse(xml, context=context).report
    except DiagramError as exc:
        return exc.report

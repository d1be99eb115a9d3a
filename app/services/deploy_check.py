"""The deploy check, dry run and deploy as the modeler and the versions page call them (as JSON).

They are ``app/services/deployment.py``'s (the one deploy check of the CLI, the upload page and
the modeler), plus what only the workbench adds: ``rule('name')`` calls naming no time rule, a
comment required with each deploy, and the deployer's draft forgotten once deployed. A problem
is ``{element_id, element_name, message, severity: 'error'|'warning'}``.
"""

from __future__ import annotations

from lxml import etree

from app.engine import camunda_terms, dialect
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.engine.specs import DiagramError
from app.models import ProcessVersion
from app.services import PermissionDenied, ServiceError, _, deployment, drafts, time_rules
from app.services.uow import unit_of_work

MAX_BYTES = 5 * 1024 * 1024


class DeployRefused(ServiceError):
    def __init__(self, message: str, problems: list[dict]):
        super().__init__(message)
        self.problems = problems


def _bytes(xml: str | bytes) -> bytes:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_BYTES:
        raise ServiceError(_("流程图超过 5 MB，未检查。"))
    return data


def _elements(data: bytes) -> dict[str, str]:
    """Element id -> name, to name the element a problem text is about."""
    try:
        root = dialect.parse_xml(data)
    except etree.XMLSyntaxError:
        return {}
    return {n.get("id"): n.get("name") or "" for n in root.iter() if isinstance(n.tag, str) and n.get("id")}


def _rule_problems(data: bytes) -> list[dict]:
    """rule('name') calls naming no time rule, in scripts, expressions and attributes (not documentation)."""
    try:
        root = dialect.parse_xml(data)
    except etree.XMLSyntaxError:
        return []
    problems, seen = [], set()
    for node in root.iter():
        if not isinstance(node.tag, str) or etree.QName(node).localname in ("documentation", "text"):
            continue
        texts = [node.text or ""] + list(node.attrib.values())
        for name in time_rules.unknown_rule_names(" ".join(texts)):
            owner = node
            while owner is not None and (not owner.get("id") or etree.QName(owner).localname.endswith("EventDefinition")
                                         or etree.QName(owner).namespace != dialect.BPMN_NS):
                owner = owner.getparent()  # the element on the diagram, not its timer definition or form field
            key = (name, owner.get("id") if owner is not None else "")
            if key in seen:
                continue
            seen.add(key)
            problems.append({"element_id": key[1], "element_name": owner.get("name", "") if owner is not None else "",
                             "severity": "error",
                             "message": _("没有名为“%(name)s”的时限规则（见“时限规则”页面）。", name=name)})
    return problems


def lint(xml: str | bytes) -> list[dict]:
    """Every problem the deploy check finds, each naming its element where it can."""
    data = _bytes(xml)
    return _rule_problems(data) + deployment.lint(data).as_dict()["problems"]


def in_camunda_terms(xml: str | bytes) -> dict:
    """A file of Activiti or Flowable as the modeler's properties panel reads it (``camunda_terms.rewrite``):
    the XML, how many attributes and elements were renamed, and what the renaming dropped or cannot say."""
    data = _bytes(xml)
    try:
        rewritten = camunda_terms.rewrite(data)
    except DiagramError as exc:
        raise ServiceError(exc.problems[0]) from exc
    return {"xml": rewritten.xml.decode("utf-8"), "renamed": rewritten.renamed,
            "problems": rewritten.report.as_dict()["problems"]}


def dry_run(xml: str | bytes, sample_data: dict | None = None) -> dict:
    data = _bytes(xml)
    if not isinstance(sample_data, dict | None):
        raise ServiceError(_("示例数据应为 JSON 对象，如 {\"urgency\": \"紧急\"}。"))
    report = deployment.dry_run(data, sample_data).as_dict()
    for timer in report["timers"]:
        timer["due_text"] = timer["due"].replace("T", " ")[:16] if timer.get("due") else ""
    return report


def sample_data(process_key: str) -> dict:
    """Start variables for a dry run: what the desk gives a new instance of this process."""
    now = to_iso(clock.now())
    if process_key == "ticket_lifecycle":
        return {"ticket_id": 0, "ticket_no": "SAMPLE-0001", "ticket_type": "投诉", "urgency": "一般", "source": "市级直派",
                "received_at": now, "platform_deadline": None, "section": "culture_market", "respond_by": "wenhua"}
    return {"ticket_id": 0, "requested_at": now}


def can_deploy(user) -> bool:
    return user.has_role("process_owner", "admin")


def _refused(problems: list[dict]) -> DeployRefused:
    """The errors are why; the warnings come along, so the owner's list of problems stays whole."""
    errors = sum(p["severity"] == "error" for p in problems)
    return DeployRefused(_("流程图未部署：请先修正 %(n)s 个问题。", n=errors), problems)


def deploy(xml: str | bytes, actor, comment: str) -> ProcessVersion:
    """Check and store a new version; the actor's draft of it goes. DeployRefused names each problem."""
    if not can_deploy(actor):
        raise PermissionDenied(_("只有流程管理员可以部署流程。"))
    data = _bytes(xml)
    comment = deployment.check_comment(comment)
    if not comment:
        raise DeployRefused(_("请填写部署说明（改了什么、为什么）。"), [])
    if any(p["severity"] == "error" for p in _rule_problems(data)):
        raise _refused(lint(data))  # with the engine's findings: the list 检查 shows
    try:
        version = deployment.deploy(data, actor, comment)
    except deployment.DeployRefused as exc:
        raise _refused(exc.report.as_dict()["problems"]) from exc
    except deployment.Unchanged as exc:
        raise DeployRefused(_("与当前版本相同，未部署。"), []) from exc
    with unit_of_work():  # the draft that became this version (after the deploy's own transaction)
        drafts.forget(actor, version.process_key)
    return version

"""Deploying diagrams: one check for ``jiesu deploy``, ``jiesu lint``, the upload page and the modeler.

``lint(xml)`` builds the check's context from the database (roles, sections, users) and the
engine's functions; ``deploy`` refuses with that report before anything is stored, and
stores the file exactly as uploaded; ``dry_run`` starts the diagram on a virtual clock.
"""

from __future__ import annotations

from lxml import etree
from sqlalchemy import select

from app.diagrams import catalog
from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import calendar_store, dialect, dryrun, instances, start_forms
from app.engine.checks import CheckContext, Report
from app.engine.clock import clock
from app.engine.specs import DiagramError, check, parse
from app.extensions import db
from app.models import ROLES, ProcessVersion, Section, User
from app.services import InvalidInput, PermissionDenied, ServiceError, _, process_inputs
from app.services.relied_on import relied_on
from app.services.uow import unit_of_work

COMMENT_LIMIT = 300  # 部署说明 (characters; ProcessVersion.comment is String(300))
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # larger files are refused before they are parsed

class DeployRefused(ServiceError):
    """The diagram was not deployed; ``report`` says why (element, name, Chinese reason)."""

    def __init__(self, report: Report, message: str | None = None):
        super().__init__(message or _("流程图未部署：请修正下列问题。"))
        self.report = report


class Unchanged(ServiceError):
    """The same file as the current version: nothing was deployed."""

    def __init__(self, version: ProcessVersion):
        super().__init__(_("与当前版本相同，未部署（%(key)s 第 %(version)s 版）。", key=version.process_key,
                           version=version.version))
        self.version = version


def _process_key(xml: bytes) -> str:
    try:
        root = dialect.parse_xml(xml)
    except Exception:
        return ""
    process = next((p for p in root.iter(f"{{{dialect.BPMN_NS}}}process")
                    if p.get("isExecutable", "true") != "false"), None)
    return process.get("id", "") if process is not None else ""


def context_for(xml: bytes) -> CheckContext:
    """What the product knows, for the diagram's process: functions, groups, users, its inputs, what it relies on."""
    sections = dict(db.session.execute(select(Section.code, Section.name).order_by(Section.code)).all())
    users = set(db.session.scalars(select(User.username)))
    key = _process_key(xml)
    return CheckContext(functions=instances.function_names(), groups=frozenset(set(ROLES) | set(sections)),
                        users=frozenset(users), inputs=frozenset(process_inputs.input_names(key)),
                        relied_on=relied_on(key), started_by_product=key in catalog.BY_KEY,
                        group_names=tuple(ROLES.items()) + tuple(sections.items()))


SAMPLE_DEPTH = 20  # a 试运行's sample data: deeper is no process variable (copying it would recurse past Python's stack)


def _depth(value, limit: int = SAMPLE_DEPTH + 1) -> int:
    """How deep ``value`` nests (lists and objects), counted up to ``limit``, without recursion."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict | list) and depth > deepest:
            deepest = depth
            if deepest >= limit:
                return deepest
        if isinstance(item, dict):
            todo.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            todo.extend((v, depth + 1) for v in item)
    return deepest


def _too_large(xml: bytes) -> Report | None:
    if len(xml) > MAX_UPLOAD_BYTES:
        report = Report()
        report.add("", "", f"文件过大（{len(xml) / 1024 / 1024:.1f} MB），流程图不能超过 "
                           f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB")
        return report
    return None


def _bytes(xml: bytes | str) -> bytes:
    return xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)


def lint(xml: bytes | str) -> Report:
    """The deploy check's report for a diagram (nothing is stored)."""
    xml = _bytes(xml)
    return _too_large(xml) or check(xml, context_for(xml))


def deployed_message(version: ProcessVersion) -> str:
    """What the process owner is told after a deploy: who runs on the new version (only the ticket
    lifecycle's versions are about 新工单)."""
    if version.process_key == lifecycle.PROCESS:
        return _("已部署 %(name)s 第 %(n)s 版，新工单将使用此版本。", name=version.name, n=version.version)
    return _("已部署 %(name)s 第 %(n)s 版：此后发起的实例使用此版本，运行中的实例仍按原版本（可在版本页迁移）。",
             name=version.name, n=version.version)


def check_comment(comment: str) -> str:
    """The 部署说明, stripped; past its limit refused naming it (never cut: the page keeps all of it)."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LIMIT:
        raise InvalidInput({"comment": _("部署说明不能超过 %(max)s 个字（现 %(n)s 个字）。", max=COMMENT_LIMIT,
                                         n=len(comment))})
    return comment


def deploy(xml: bytes | str, actor: User | None = None, comment: str = "") -> ProcessVersion:
    """Check and store a new version in one transaction; refuse with the report, or as unchanged."""
    comment = check_comment(comment)
    xml = _bytes(xml)
    too_large = _too_large(xml)
    if too_large:
        raise DeployRefused(too_large)
    if actor is not None and not actor.has_role("process_owner", "admin"):
        raise PermissionDenied(_("只有流程管理员可以部署流程。"))
    try:
        parsed = parse(xml, context=context_for(xml))
    except DiagramError as exc:
        raise DeployRefused(exc.report) from exc
    with unit_of_work():
        try:
            version = instances.deploy(xml, actor, comment, parsed=parsed)
        except instances.UnchangedDiagram as exc:
            raise Unchanged(exc.version) from exc
        version.check_warnings = [str(p) for p in parsed.report.warnings]
    return version


def dry_run(xml: bytes | str, sample_data: dict | None = None) -> dryrun.DryRunReport:
    """Start the diagram on a virtual clock with sample data; nothing is stored."""
    xml = _bytes(xml)
    too_large = _too_large(xml)
    if too_large:
        return dryrun.DryRunReport(problems=too_large.problems)
    if _depth(sample_data or {}) > SAMPLE_DEPTH:
        report = Report()
        report.add("", "", f"示例数据嵌套超过 {SAMPLE_DEPTH} 层，未试运行：流程变量用不到这么深的结构")
        return dryrun.DryRunReport(problems=report.problems)
    key = _process_key(xml)
    sample = process_inputs.sample_inputs(key, clock.now())
    try:
        initiator = start_forms.initiator(xml, key) if start_forms.is_startable(xml, key) else ""
    except etree.XMLSyntaxError:  # (not XML: the check below says so)
        initiator = ""
    if initiator:
        sample[initiator] = "dryrun"  # who starts it by hand: the start event's camunda:initiator
    sample.update(sample_data or {})
    return dryrun.run(xml, sample, context_for(xml), calendar_store.get_calendar(), instances.bpmn_functions())


def source_of(version: ProcessVersion) -> bytes:
    """The file as it was uploaded (older versions: the stored XML)."""
    return version.source_xml if version.source_xml else version.bpmn_xml.encode("utf-8")

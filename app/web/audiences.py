"""Who may use each route: THE table, and the one before_request hook that enforces it.

Every endpoint of the app has one entry here: public, anyone signed in, a set of roles (the
admin role passes every role check, as ``User.has_role`` says), or an API key with a scope.
An endpoint without an entry is refused (403) and tests/web/test_route_audiences.py names it;
tests/web/route_matrix.py holds the roles each route is expected to allow.

``signed_in`` routes that show one ticket, task or file check that object in the view or the
service (who may see *this* ticket) and log refused attempts; the table says who may try.

The hook also sets the route's request-body limit before anything reads the body, and then
checks the CSRF token (Flask-WTF's own hook is off: WTF_CSRF_CHECK_DEFAULT), so a refused
request is answered without reading what it sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.config import MB
from app.extensions import csrf
from app.services import enterprises, files, ledger, repeats
from app.services import ticket_import as ti
from app.services.inspections import evidence as inspection_evidence
from app.web.api import common as api

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


@dataclass(frozen=True)
class Audience:
    kind: str  # public, signed_in, roles, api
    roles: frozenset[str] = frozenset()
    scope: str = ""  # api: the key's scope the route needs
    max_body: int | str | None = None  # bytes, or the config key of a file limit (+1 MB of form); None: forms
    before_password_change: bool = False  # reachable while an admin-set password waits to be changed

    def allows(self, user) -> bool:
        """Whether ``user`` (maybe anonymous) passes this audience; API audiences are for keys."""
        if self.kind == "public":
            return True
        if self.kind == "api" or not getattr(user, "is_authenticated", False):
            return False
        return self.kind == "signed_in" or user.has_role(*self.roles)

    def uploads(self, limit: int | str) -> Audience:
        return replace(self, max_body=limit)

    def body_limit(self, config) -> int:
        if self.max_body is None:
            return config["MAX_CONTENT_LENGTH"]
        if isinstance(self.max_body, str):
            return int(config.get(self.max_body, ti.DEFAULT_MAX_BYTES)) + MB
        return self.max_body + MB


PUBLIC = Audience("public", before_password_change=True)
SIGNED_IN = Audience("signed_in")


def roles(*codes: str) -> Audience:
    return Audience("roles", frozenset(codes))


def api_key(scope: str) -> Audience:
    return Audience("api", scope=scope)


# Role sets used by more than one route (each named after what they do; admin passes all).
DISPATCH = roles("dispatcher", "duty")
SUPERVISE = roles("supervisor")
RULES = roles("admin", "supervisor")  # 规则设置 pages
PROCESS_OWNERS = roles("process_owner", "admin")
CALENDAR = roles("admin", "process_owner")  # app/services/calendar_admin.py
PROCESS_WATCHERS = roles("process_owner", "admin", "supervisor")  # versions, counts, incidents: read
RULE_EDITORS = roles("supervisor", "process_owner", "admin")  # 时限规则 (app/services/time_rules.can_edit)
DIAGRAM_BYTES = 5 * MB  # app/services/deployment.MAX_UPLOAD_BYTES
ADMINS = roles("admin")
ROSTER_EDIT = roles("supervisor", "duty")  # app/services/roster.can_edit
ENTERPRISE_EDIT = roles(*enterprises.EDIT_ROLES)
INSPECT = roles("inspector", "supervisor")
LEDGER_EXPORT = roles("dispatcher", "duty", "supervisor", "analyst")
REPORTS = roles("analyst", "supervisor", "leader")  # 统计报表: read, download (app/web/reports*.py)
REPORT_AUTHORS = roles("analyst")  # write, publish, edit the keyword dictionary
LARGEST_TASK_UPLOAD = max(files.MAX_AUDIO_BYTES, files.MAX_DOCUMENT_BYTES)

ENDPOINTS: dict[str, Audience] = {
    "static": PUBLIC,
    # sign-in (app/web/auth.py)
    "auth.login": PUBLIC,
    "auth.set_language": PUBLIC,
    "auth.logout": replace(SIGNED_IN, before_password_change=True),
    "auth.change_password": replace(SIGNED_IN, before_password_change=True),
    # 我的待办 and task forms: the work item decides (candidate groups, assignee)
    "inbox.index": SIGNED_IN,
    "inbox.task": SIGNED_IN.uploads(LARGEST_TASK_UPLOAD),  # recordings, evidence documents
    "inbox.task_context": SIGNED_IN,  # beside a task form: its view is checked like the task's
    "inbox.claim": SIGNED_IN,
    "inbox.unclaim": SIGNED_IN,
    "notifications.index": SIGNED_IN,  # each user sees only their own notices
    "notifications.open_notice": SIGNED_IN,
    "notifications.read_all": SIGNED_IN,
    "inbox.reply_check_panel": roles("handler", "reviewer", "supervisor"),
    # 案件台账 and the ticket page: app/services/access.py decides per ticket
    "tickets.index": SIGNED_IN,
    "tickets.show": SIGNED_IN,
    "tickets.attachment": SIGNED_IN,  # recordings: may_see_personal_data, refusals logged
    "tickets.export": LEDGER_EXPORT,
    "exports.index": LEDGER_EXPORT,
    "exports.job": LEDGER_EXPORT,  # the job's requester (and admins): ledger_export.get_job
    "exports.status": LEDGER_EXPORT,
    "exports.download": LEDGER_EXPORT,  # the requester (and admins); downloads and refusals logged
    "tickets.add_note": roles(*ledger.NOTE_ROLES),
    "tickets.new": DISPATCH,
    # 督办看板, 三率
    "supervisor.index": SUPERVISE,
    "supervisor.rate_details": roles("supervisor", "analyst", "leader"),
    "supervisor.acknowledge": SUPERVISE,
    # 管理
    "admin.calendar": CALENDAR,
    "admin.calendar_day": CALENDAR,
    "calendar_pages.notice": CALENDAR,
    "calendar_pages.confirm": CALENDAR,
    "calendar_pages.withdraw": CALENDAR,
    "calendar_pages.recompute": CALENDAR,
    "calendar_pages.import_page": CALENDAR.uploads(1 * MB),
    "calendar_pages.import_preview": CALENDAR,
    "calendar_pages.import_confirm": CALENDAR,
    "calendar_pages.import_discard": CALENDAR,
    "admin.clock_page": roles("admin", "supervisor", "process_owner"),  # app/services/settings.advance_clock
    "admin.processes": PROCESS_OWNERS.uploads(10 * MB),
    "admin.process_xml": PROCESS_OWNERS,
    # 用户管理, 数据访问记录, 账号安全记录 (app/web/users.py, app/web/audit.py)
    "users.index": ADMINS,
    "users.new": ADMINS,
    "users.edit": ADMINS,
    "users.set_active": ADMINS,
    "users.reset_password": ADMINS,
    "users.sign_out": ADMINS,
    "users.unlock": ADMINS,
    "audit.access_log_page": roles("admin", "supervisor"),
    "audit.access_log_export": roles("admin", "supervisor"),
    "audit.security_events": ADMINS,
    # 导入工单
    "imports.upload": DISPATCH.uploads("JIESU_IMPORT_MAX_BYTES"),
    "imports.preview": DISPATCH,
    "imports.confirm": DISPATCH,
    "imports.discard": DISPATCH,
    "imports.job": DISPATCH,
    "imports.job_status": DISPATCH,
    "imports.job_problems": DISPATCH,
    # 排班: everyone reads who is on duty
    "roster.week": SIGNED_IN,
    "roster.month": SIGNED_IN,
    "roster.assign": ROSTER_EDIT,
    "roster.remove": ROSTER_EDIT,
    "roster.times": SUPERVISE,
    "roster.import_page": ROSTER_EDIT.uploads(5 * MB),  # staged upload -> preview -> confirm (app/web/staged.py)
    "roster.import_preview": ROSTER_EDIT,
    "roster.import_confirm": ROSTER_EDIT,
    "roster.import_discard": ROSTER_EDIT,
    "roster.import_template": ROSTER_EDIT,
    # 重复反映
    "repeats.compare": SIGNED_IN,  # both tickets must be visible: app/services/repeats.py
    "repeats.decide": roles(*repeats.DECIDER_ROLES),
    "repeats.reopen": roles(*repeats.DECIDER_ROLES),
    "repeats.register": roles(*repeats.REGISTER_ROLES),
    # 预警: each warning's responsible group sees it (app/services/early_warning.py)
    "early_warning.index": SIGNED_IN,
    "early_warning.acknowledge": SIGNED_IN,
    "early_warning.settings": RULES,
    # 延期、剔除、挂账、督办: handlers of the ticket ask, supervisors decide (app/services/casework.py)
    "casework.extension": roles("handler"),
    "casework.exclusion": roles("handler").uploads(files.MAX_DOCUMENT_BYTES),
    "casework.carry": roles("handler"),
    "casework.supervise": SUPERVISE,
    "casework.lift": SUPERVISE,
    "casework.carried_review": SUPERVISE,
    "casework.settings": RULES,
    # 行业台账
    "enterprises.index": roles("inspector", "supervisor", "dispatcher", "duty", "handler", "leader"),
    "enterprises.show": roles("inspector", "supervisor", "dispatcher", "duty", "handler", "leader"),
    "enterprises.new": ENTERPRISE_EDIT,
    "enterprises.edit": ENTERPRISE_EDIT,
    "enterprises.link": roles("handler", "dispatcher", "duty", "supervisor", "inspector"),
    "enterprises.link_from_ticket": roles("handler", "dispatcher", "duty", "supervisor", "inspector"),
    "enterprises.unlink": roles("handler", "dispatcher", "duty", "supervisor", "inspector"),
    "enterprises.import_page": ENTERPRISE_EDIT.uploads(10 * MB),
    "enterprises.import_preview": ENTERPRISE_EDIT,
    "enterprises.import_confirm": ENTERPRISE_EDIT,
    "enterprises.import_discard": ENTERPRISE_EDIT,
    "enterprises.export": ENTERPRISE_EDIT,
    "enterprises.template": ENTERPRISE_EDIT,
    "enterprises.task": SIGNED_IN,  # the licence warning task: its work item decides
    # 现场检查: app/services/inspections/access.py decides per inspection
    "inspections.index": SIGNED_IN,
    "inspections.show": SIGNED_IN,
    "inspections.task": SIGNED_IN.uploads(3 * inspection_evidence.MAX_BYTES),  # photos from the phone
    "inspections.upload_evidence": SIGNED_IN.uploads(inspection_evidence.MAX_BYTES),
    "inspections.evidence": SIGNED_IN,
    "inspections.notice": SIGNED_IN,
    "inspections.request_from_ticket": roles("handler", "supervisor"),
    "inspections.new": INSPECT,
    "inspections.plan": SUPERVISE,
    "inspections.random_draw": SUPERVISE,
    "inspections.campaign": INSPECT,
    "inspections.checklist_page": INSPECT,
    # 故障: instances that failed (app/services/incidents.py)
    "incidents.index": PROCESS_WATCHERS,
    "incidents.retry": PROCESS_OWNERS,
    # 流程设计, 流程版本, 时限规则, starting a process (the process owner's workbench)
    "modeler.index": PROCESS_OWNERS,
    "modeler.edit": PROCESS_OWNERS,
    "modeler.draft": PROCESS_OWNERS.uploads(DIAGRAM_BYTES),
    "modeler.lint": PROCESS_OWNERS.uploads(DIAGRAM_BYTES),
    "modeler.camunda_terms": PROCESS_OWNERS.uploads(DIAGRAM_BYTES),
    "modeler.dry_run": PROCESS_OWNERS.uploads(DIAGRAM_BYTES),
    "modeler.deploy": PROCESS_OWNERS.uploads(DIAGRAM_BYTES),
    "process_versions.index": PROCESS_WATCHERS,
    "process_versions.show": PROCESS_WATCHERS,
    "process_versions.original": SIGNED_IN,  # others only the version of a ticket they may see (the view)
    "process_versions.counts": PROCESS_WATCHERS,
    "process_versions.diff": PROCESS_WATCHERS,
    "process_versions.rollback": PROCESS_OWNERS,
    "process_versions.migrate": PROCESS_OWNERS,
    "process_versions.instance_state": SIGNED_IN,  # the ticket page's diagram: who may see the ticket
    "time_rules.index": RULE_EDITORS,
    "time_rules.recompute": RULE_EDITORS,
    "process_start.index": SIGNED_IN,  # each process says who may start it (candidateStarterGroups)
    "process_start.start": SIGNED_IN,
    # 统计报表, 热点难点, 专题报告, 报表归档, 回访数据表
    "reports.index": REPORTS,
    "reports.printable": REPORTS,
    "reports.xlsx": REPORTS,
    "reports.pdf": REPORTS,
    "reports.board_data": SUPERVISE,  # 督办看板's charts
    "reports.hotspots": REPORTS,
    "reports.keyword_settings": REPORT_AUTHORS,
    "reports.topic_report": REPORTS,
    "reports.archive_index": REPORTS,
    "reports.callback_sheet": roles("analyst", "supervisor", "callback"),  # 回访数据表 (masked per reader, logged)
    "reports.archive_show": REPORTS,
    "reports.archive_print": REPORTS,
    "reports.archive_xlsx": REPORTS,
    "reports.archive_new": REPORT_AUTHORS,
    "reports.archive_publish": REPORT_AUTHORS,
    "reports.archive_refresh": REPORT_AUTHORS,
    "reports.archive_revise": REPORT_AUTHORS,
    # /api/v1 for the platforms (API keys; app/services/apikeys.SCOPES)
    "api.openapi_json": PUBLIC,
    "api.push_ticket": api_key("tickets:write"),
    "api.get_ticket": api_key("tickets:read"),
    "api.send_message": api_key("messages:write"),
    "api.list_outbox": api_key("outbox"),
    "api.ack_outbox": api_key("outbox"),
}


def audience_of(endpoint: str | None) -> Audience | None:
    return ENDPOINTS.get(endpoint) if endpoint else None


def largest_body(config) -> int:
    """The largest request body any route takes (what the WSGI server may let through at all)."""
    return max(a.body_limit(config) for a in ENDPOINTS.values())


def _enforce():
    endpoint = request.endpoint
    if endpoint is None:  # no such path or method: the 404 / 405 page answers
        return None
    audience = ENDPOINTS.get(endpoint)
    if audience is None:
        log.error("route %s has no audience in app/web/audiences.py: refused", endpoint)
        abort(403)
    request.max_content_length = audience.body_limit(current_app.config)
    if audience.kind == "api":
        return api.authenticate(audience.scope)
    if audience.kind != "public":
        user = current_user._get_current_object()  # (the proxy finds the user again on every attribute)
        if not user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if user.must_change_password and not audience.before_password_change:
            return redirect(url_for("auth.change_password"))
        if audience.kind == "roles" and not user.has_role(*audience.roles):
            abort(403)
    if request.method not in SAFE_METHODS:
        csrf.protect()
    return None


def may(endpoint: str) -> bool:
    """For templates: whether the signed-in user may use ``endpoint`` (show the link or not)."""
    audience = ENDPOINTS.get(endpoint)
    return audience is not None and audience.allows(current_user._get_current_object())


def install(app: Flask) -> None:
    app.before_request(_enforce)
    app.jinja_env.globals["may"] = may

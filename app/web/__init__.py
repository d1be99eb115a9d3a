"""Blueprints: thin views over the services, registered in one list."""

from flask import Flask

from app.services import N_, access, settings
from app.services import time_rules as rule_settings
from app.services.catalogue import gettext
from app.web import (
    admin,
    api,
    audiences,
    audit,
    auth,
    calendar_pages,
    casework,
    converters,
    early_warning,
    enterprises,
    errors,
    exports,
    filters,
    flow,
    headers,
    imports,
    inbox,
    incidents,
    inspections,
    layout,
    modeler,
    notifications,
    process_start,
    process_versions,
    redirects,
    repeats,
    reports,
    roster,
    supervisor,
    tickets,
    users,
)
from app.web import time_rules as time_rules_pages

# Flask-Login flashes login_manager.login_message (set in app/__init__.py) through
# localize_callback; marked here so that pybabel extracts it.
N_("请先登录。")

BLUEPRINTS = (
    auth,  # login, logout, language
    inbox,  # 我的待办 / 待认领 and task forms
    tickets,  # 案件台账, entry by hand, the ticket page
    exports,  # 导出任务: the ledger's exports made in the background
    supervisor,  # 督办看板, 三率
    admin,  # calendar, processes, settings, clock
    calendar_pages,  # 工作日历: the State Council's notice, confirming a year, recomputing after a change
    incidents,  # 故障: instances that failed, retry
    imports,  # 导入工单
    roster,  # 排班
    repeats,  # 重复反映
    early_warning,  # 预警
    api,  # /api/v1 for the city and district platforms (API keys, JSON, no CSRF)
    enterprises,  # 行业台账
    inspections,  # 现场检查
    casework,  # 延期、剔除、挂账、督办
    modeler,  # 流程设计: the web modeler, drafts, deploy check, dry run
    process_versions,  # 流程版本: versions, diff, roll back, migration, the running instances on the diagram
    time_rules_pages,  # 时限规则
    process_start,  # start a startable process (its start form)
    users,  # 用户管理
    audit,  # 数据访问记录, 账号安全记录
    notifications,  # 通知: 催办 and reminders in a person's inbox, the navbar bell
    reports,  # 统计报表, 热点难点, 专题报告, 报表归档, 回访数据表
)


def register_blueprints(app: Flask) -> None:
    converters.install(app)  # <int:...> within a database column's range: before any rule is added
    app.login_manager.localize_callback = gettext
    filters.register(app)
    layout.register(app)  # the navbar menus rendered once per user, language and counts
    audiences.install(app)  # who may use each route: before anything reads the request
    headers.install(app)
    redirects.install(app)  # a redirect's body in the reader's language
    errors.install(app)
    flow.install(app)
    app.jinja_env.globals["urge_workdays"] = rule_settings.urge_workdays

    @app.teardown_request
    def _access_log(exc):  # the request's 数据访问记录 lines, written once at its end
        settings.forget_request_cache()
        access.write_pending(failed=exc is not None)

    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    layout.remember_urls(app)  # after the blueprints: it checks that none adds URL defaults

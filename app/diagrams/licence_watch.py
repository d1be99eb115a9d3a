"""processes/licence_watch.bpmn: 证照到期预警 of a ledger enterprise."""

from app.diagrams import Process

PROCESS = Process("licence_watch", "licence_watch.bpmn")

WARNING = PROCESS.task("licence_warning")  # 证照到期预警
WARNING_FORM = "jiesu:licence-warning"
ACTION = WARNING.field("licence_action")
RENEWED = ACTION.option("已换发新证")
CLOSED_DOWN = ACTION.option("企业已停业注销")
NEW_EXPIRY = WARNING.field("new_licence_expiry")
LICENCE_CHANGED = PROCESS.message("licence_changed")
LICENCE_EXPIRY = PROCESS.variable("licence_expiry")

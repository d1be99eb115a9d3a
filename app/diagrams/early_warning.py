"""processes/early_warning.bpmn: 预警 acknowledged by its task, escalated by its timer."""

from app.diagrams import Process

PROCESS = Process("early_warning", "early_warning.bpmn")

ACKNOWLEDGE = PROCESS.task("ew_acknowledge")  # 确认预警
ACK_NOTE = ACKNOWLEDGE.field("ack_note")
ESCALATION = PROCESS.task("ew_escalation")  # 预警升级处置
ESCALATION_ACTION = ESCALATION.field("escalation_action")

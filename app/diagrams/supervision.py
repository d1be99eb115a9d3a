"""processes/supervision.bpmn: 督办件进展报告 until the ticket closes or supervision is lifted."""

from app.diagrams import Process

PROCESS = Process("supervision", "supervision.bpmn")

REPORT = PROCESS.task("progress_report")  # 督办进展报告
LIFT = PROCESS.message("supervision_end")  # 解除督办
END_TICKET_CLOSED = PROCESS.end("工单已办结")

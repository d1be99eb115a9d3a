"""processes/extension.bpmn: 延期申请, decided by a supervisor."""

from app.diagrams import Process

PROCESS = Process("extension", "extension.bpmn")

REVIEW = PROCESS.task("extension_review")  # 延期审批
DECISION = REVIEW.field("extension_decision")
APPROVE = DECISION.option("批准")
APPROVED_DEADLINE = REVIEW.field("approved_deadline")
COMMENT = REVIEW.field("extension_comment")

END_APPROVED = PROCESS.end("已批准延期")

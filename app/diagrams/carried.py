"""processes/carried.bpmn (挂账申请) and carried_review_cycle.bpmn (挂账案件月度复核)."""

from app.diagrams import Process

PROCESS = Process("carried", "carried.bpmn")

REVIEW = PROCESS.task("carry_review")  # 挂账审批
DECISION = REVIEW.field("carry_decision")
APPROVE = DECISION.option("同意挂账")
REVIEW_DATE = REVIEW.field("carry_review_date")
COMMENT = REVIEW.field("carry_comment")
END_CARRIED = PROCESS.end("已挂账")

REVIEW_CYCLE = Process("carried_review_cycle", "carried_review_cycle.bpmn")
MONTHLY_REVIEW = REVIEW_CYCLE.task("carried_review")  # 挂账案件月度复核
MONTHLY_REVIEW_FORM = "jiesu:carried-review"
REVIEW_CASES = REVIEW_CYCLE.variable("review_cases")
REVIEW_MONTH = REVIEW_CYCLE.variable("review_month")

"""processes/exclusion.bpmn: 剔除申请 with one 考核申诉."""

from app.diagrams import Process

PROCESS = Process("exclusion", "exclusion.bpmn")

REVIEW = PROCESS.task("exclusion_review")  # 剔除审核
REVIEW_COMMENT = REVIEW.field("exclusion_comment")
APPEAL = PROCESS.task("exclusion_appeal")  # 考核申诉
APPEAL_REASON = APPEAL.field("appeal_reason")
APPEAL_FILE = APPEAL.field("appeal_file")
APPEAL_REVIEW = PROCESS.task("appeal_review")  # 申诉复核
APPEAL_REVIEW_COMMENT = APPEAL_REVIEW.field("appeal_review_comment")

END_EXCLUDED = PROCESS.end("已剔除")
END_EXCLUDED_ON_APPEAL = PROCESS.end("申诉后剔除")
END_APPEAL_REJECTED = PROCESS.end("申诉驳回")
END_REJECTED = PROCESS.end("不予剔除")
END_APPEAL_EXPIRED = PROCESS.end("申诉期满")

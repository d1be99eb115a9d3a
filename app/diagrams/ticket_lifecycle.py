"""processes/ticket.bpmn: the ticket lifecycle (its state is the ticket's state)."""

from app.diagrams import Process

PROCESS = Process("ticket_lifecycle", "ticket.bpmn")

SIGN = PROCESS.task("sign", "签收、退回和转派将不再登记，退回和转派不再上报平台")  # 签收
SIGN_DECISION = SIGN.field("sign_decision")
SIGN_ACCEPT = SIGN_DECISION.option("签收")
SIGN_RETURN = SIGN_DECISION.option("退回")
SIGN_TRANSFER = SIGN_DECISION.option("转派")
RETURN_REASON = SIGN.field("return_reason")
TRANSFER_UNIT = SIGN.field("transfer_unit")
TRANSFER_REASON = SIGN.field("transfer_reason")
SIGN_NOTE = SIGN.field("sign_note")

DISPATCH = PROCESS.task("dispatch", "工单不再分派到科室，承办人收不到工单")  # 分派
DISPATCH_FORM = "jiesu:dispatch"  # its hand-written form (formKey)
DISPATCH_SECTION = DISPATCH.field("section")

RESPOND = PROCESS.task("respond", "首次联系时间不再登记，响应率无法计算")  # 响应: first contact with the caller
CONTACT_TIME = RESPOND.field("contact_time")

HANDLE = PROCESS.task("handle", "办理情况和答复草稿不再登记，答复无法审核和上报")  # 办理
HANDLE_DECISION = HANDLE.field("handle_decision")
WAIT_FOR_VERIFICATION = HANDLE_DECISION.option("等待现场核实结果")
PARTY_CONTACT = HANDLE.field("party_contact")
ACTIONS_TAKEN = HANDLE.field("actions_taken")
HANDLING_RESULT = HANDLE.field("handling_result")
REPLY_DRAFT = HANDLE.field("reply_draft")

REVIEW = PROCESS.task("review", "答复不再经过审核")  # 回复审核
REVIEW_DECISION = REVIEW.field("review_decision")
REVIEW_APPROVED = REVIEW_DECISION.option("通过")
REVIEW_RETURNED = REVIEW_DECISION.option("退回修改")
REVIEW_COMMENT = REVIEW.field("review_comment")

# 回复上报: when the flow passes it, the approved reply is kept on the ticket and queued for the platform
RECORD_REPLY = PROCESS.element("record_reply", "scriptTask", "审核通过的答复不再记入工单、不再上报平台")

CALLBACK = PROCESS.task("callback", "回访结果不再登记，解决率和满意率无法计算，未解决的工单不再退回重办")  # 回访
CALLBACK_CONTACTED = CALLBACK.field("callback_contacted")
CONTACTED_YES = CALLBACK_CONTACTED.option("是")
CALLBACK_RESOLVED = CALLBACK.field("callback_resolved")
RESOLVED = CALLBACK_RESOLVED.option("解决")
BASICALLY_RESOLVED = CALLBACK_RESOLVED.option("基本解决")
UNRESOLVED = CALLBACK_RESOLVED.option("未解决")
CALLBACK_SATISFIED = CALLBACK.field("callback_satisfied")
SATISFIED = CALLBACK_SATISFIED.option("满意")
BASICALLY_SATISFIED = CALLBACK_SATISFIED.option("基本满意")
UNSATISFIED = CALLBACK_SATISFIED.option("不满意")
CALLBACK_UNREACHED = CALLBACK.field("callback_unreached")
CALLBACK_NOTE = CALLBACK.field("callback_note")

PLATFORM_URGE = PROCESS.message("platform_urge")  # 平台催办
PLATFORM_SUPERVISION = PROCESS.message("platform_supervision")  # 平台督办
INSPECTION_RESULT = PROCESS.message("inspection_result")  # 现场核实结果

RESPONSE_DEADLINE = PROCESS.variable("response_deadline")
REPLY_DEADLINE = PROCESS.variable("reply_deadline")
URGE_AT = PROCESS.variable("urge_at")
REWORK_COUNT = PROCESS.variable("rework_count")

END_RETURNED = PROCESS.end("已退回")
END_TRANSFERRED = PROCESS.end("已转派")
END_CLOSED = PROCESS.end("办结")

# the ticket's state while a task of the main line is open (ticket_state of each user task)
STATE_SIGNING = PROCESS.state("待签收")
STATE_DISPATCHING = PROCESS.state("待分派")
STATE_RESPONDING = PROCESS.state("待响应")
STATE_HANDLING = PROCESS.state("办理中")
STATE_REVIEWING = PROCESS.state("待审核")
STATE_CALLBACK = PROCESS.state("待回访")
OPEN_STATES = (STATE_SIGNING, STATE_DISPATCHING, STATE_RESPONDING, STATE_HANDLING, STATE_REVIEWING, STATE_CALLBACK)
NOT_COUNTED = (END_RETURNED, END_TRANSFERRED)  # returned or transferred: not the bureau's ticket

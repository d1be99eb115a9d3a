"""processes/inspection.bpmn: 现场检查 (现场核实 of a ticket and 行业检查)."""

from app.diagrams import Process

PROCESS = Process("inspection", "inspection.bpmn")

ASSIGN = PROCESS.task("assign_inspectors")  # 指派检查员
ASSIGN_FORM = "jiesu:inspection-assign"
INSPECTOR_1 = ASSIGN.field("inspector_1")
INSPECTOR_2 = ASSIGN.field("inspector_2")
ASSIGN_NOTE = ASSIGN.field("assign_note")

CHECK = PROCESS.task("onsite_check")  # 现场检查
REINSPECT = PROCESS.task("reinspect")  # 整改复查
CHECK_FORM = "jiesu:inspection-check"
CHECK_RESULT = CHECK.field("check_result")
PASSED = CHECK_RESULT.option("合格")
FAILED = CHECK_RESULT.option("不合格")
RECTIFY_DAYS = CHECK.field("rectify_days")
RECTIFY_DEADLINE = PROCESS.variable("rectify_deadline")

REFER = PROCESS.task("refer_case")  # 立案移交
REFERRED_TO = REFER.field("referred_to")
REFERRAL_NO = REFER.field("referral_no")
REFERRAL_NOTE = REFER.field("referral_note")

END_PASSED = PROCESS.end("检查合格")
END_RECTIFIED = PROCESS.end("整改合格")
END_REFERRED = PROCESS.end("立案移交")

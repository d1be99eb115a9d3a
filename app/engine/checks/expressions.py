"""Every expression a diagram holds, compiled by the restricted evaluator and its names checked.

Conditions, scripts, timers, service task expressions, user task attributes (assignee,
candidate groups and users, dueDate, followUpDate), form defaults and ``required_if``.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine import dialect, evaluator, multi_instance
from app.engine.checks import WARNING, CheckContext, Report, safety
from app.engine.clock import (
    MAX_DURATION_YEARS,
    SHORTEST_CYCLE,
    CycleTooShort,
    DurationTooLong,
    clock,
    cycle_too_short,
    install_spiff_clock,
)

C = f"{{{dialect.CAMUNDA_NS}}}"
B = f"{{{dialect.BPMN_NS}}}"

# Camunda's own objects, which a Camunda diagram may reach for and which do not exist here
_CAMUNDA_OBJECTS = {
    "execution": "Camunda 的 execution 对象在这里不存在，请直接写变量名（例如 ${approved}）",
    "task": "Camunda 的 task 对象在这里不存在，请直接写变量名",
    "dateTime": "Camunda 的 dateTime() 在这里不存在，请用 now()、add_hours()、add_workdays()",
    "authenticatedUserId": "Camunda 的 authenticatedUserId 在这里不存在",
    "currentUser": "Camunda 的 currentUser() 在这里不存在",
    "bean": "Camunda 的 Spring Bean 在这里不存在",
}


install_spiff_clock()  # durations bounded as at run time (MAX_DURATION_YEARS)


@dataclass
class Expression:
    element_id: str
    element_name: str
    what: str  # 条件, 脚本, 定时器, 办理人 ... (for the message)
    source: str  # as written in the diagram
    python: str  # as the evaluator runs it
    mode: str = "eval"
    juel: bool = False
    timer: str = ""  # timeDate, timeDuration, timeCycle


def _name(node) -> str:
    return (node.get("name") or "").strip()


def _attr_expression(node, attr: str, what: str, literal_is_text: bool = True) -> Expression | None:
    text = node.get(f"{C}{attr}")
    if text is None or not text.strip():
        return None
    juel = dialect.is_juel(text)
    python = dialect.juel_to_python(text) if juel else (repr(text.strip()) if literal_is_text else text.strip())
    return Expression(node.get("id"), _name(node), what, text.strip(), python, juel=juel)


def collect(root) -> list[Expression]:
    found: list[Expression] = []
    for flow in root.iter(f"{B}sequenceFlow"):
        node = flow.find(f"{B}conditionExpression")
        if node is not None and (node.text or "").strip():
            found.append(Expression(flow.get("id"), _name(flow), "条件", node.text.strip(),
                                    dialect.juel_to_python(node.text), juel=dialect.is_juel(node.text)))
    for tag, what in (("loopCardinality", "循环次数"), ("completionCondition", "完成条件"), ("loopCondition", "循环条件")):
        for node in root.iter(f"{B}{tag}"):
            owner = node.getparent().getparent()
            if (node.text or "").strip():
                found.append(Expression(owner.get("id"), _name(owner), what, node.text.strip(),
                                        dialect.juel_to_python(node.text), juel=dialect.is_juel(node.text)))
    for definition in root.iter(f"{B}conditionalEventDefinition"):
        node, event = definition.find(f"{B}condition"), definition.getparent()
        if node is not None and (node.text or "").strip():
            found.append(Expression(event.get("id"), _name(event), "条件", node.text.strip(),
                                    dialect.juel_to_python(node.text), juel=dialect.is_juel(node.text)))
    for task in root.iter(f"{B}scriptTask"):
        script = task.find(f"{B}script")
        python = (task.get("scriptFormat") or "python").strip().lower() in ("python", "py", "text/x-python")
        if python and script is not None and (script.text or "").strip():
            found.append(Expression(task.get("id"), _name(task), "脚本", script.text, script.text, "exec"))
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.iter(f"{B}{tag}"):
            event = node.getparent().getparent()
            text = (node.text or "").strip()
            found.append(Expression(event.get("id"), _name(event), "定时器", text, dialect.timer_to_python(text),
                                    juel=dialect.is_juel(text), timer=tag))
    for call in root.iter(f"{B}callActivity"):  # camunda:in / camunda:out sourceExpression (call_data.py)
        for mapping in (*call.iter(f"{C}in"), *call.iter(f"{C}out")):
            text = (mapping.get("sourceExpression") or "").strip()
            if text:
                found.append(Expression(call.get("id"), _name(call), "变量映射", text, dialect.juel_to_python(text),
                                        juel=dialect.is_juel(text)))
    for tag in ("serviceTask", "sendTask"):
        for task in root.iter(f"{B}{tag}"):
            exp = _attr_expression(task, "expression", "服务表达式", literal_is_text=False)
            if exp is not None:
                found.append(exp)
    for task in root.iter(f"{B}userTask"):
        for attr, what in (("assignee", "办理人"), ("dueDate", "到期时间"), ("followUpDate", "跟进时间")):
            exp = _attr_expression(task, attr, what)
            if exp is not None:
                found.append(exp)
        for attr, what in (("candidateGroups", "候选组"), ("candidateUsers", "候选人")):
            for part in (task.get(f"{C}{attr}") or "").split(","):
                if part.strip():
                    juel = dialect.is_juel(part)
                    found.append(Expression(task.get("id"), _name(task), what, part.strip(),
                                            dialect.juel_to_python(part) if juel else repr(part.strip()), juel=juel))
        for field in task.iter(f"{C}formField"):
            default = field.get("defaultValue")
            if default and dialect.is_juel(default):
                found.append(Expression(task.get("id"), _name(task), f"表单字段 {field.get('id')} 的默认值",
                                        default, dialect.juel_to_python(default), juel=True))
            for prop in field.iter(f"{C}property"):
                if prop.get("id") == "required_if" and (prop.get("value") or "").strip():
                    found.append(Expression(task.get("id"), _name(task), f"表单字段 {field.get('id')} 的必填条件",
                                            prop.get("value"), dialect.juel_to_python(prop.get("value")),
                                            juel=dialect.is_juel(prop.get("value"))))
    return found


def defined_names(root, expressions: list[Expression]) -> set[str]:
    """Variables the diagram itself gives values: form fields, script outputs, result variables."""
    names: set[str] = set()
    for field in root.iter(f"{C}formField"):
        names.add(field.get("id") or "")
    for task in root.iter(f"{B}userTask"):
        names.add(f"{task.get('id')}_by")  # who completed it (the inbox records it)
    for node in root.iter():
        if node.get(f"{C}resultVariable"):
            names.add(node.get(f"{C}resultVariable"))
        if node.get(f"{C}elementVariable"):
            names.add(node.get(f"{C}elementVariable"))
    if next(root.iter(f"{B}messageEventDefinition"), None) is not None:
        names.add("message")  # a message's payload
    for mapping in (*root.iter(f"{C}in"), *root.iter(f"{C}out")):  # what a call activity passes (call_data.py)
        if mapping.get("target"):
            names.add(mapping.get("target"))
    if next(root.iter(f"{B}completionCondition"), None) is not None:
        names |= set(multi_instance.COUNTER_NAMES)  # Camunda's counters, given to the completion condition
    for exp in expressions:
        if exp.mode == "exec" and not evaluator.problems(exp.python, "exec"):
            names |= evaluator.names(exp.python, "exec")[1]
    return names


def _timer_literal(report: Report, exp: Expression) -> None:
    try:
        value = ast.literal_eval(exp.python)
    except (ValueError, SyntaxError):
        return
    if not isinstance(value, str):
        report.add(exp.element_id, exp.element_name, f"定时器 {exp.source!r} 不是时间文本")
        return
    upper = value.upper()
    try:
        if exp.timer == "timeDuration":
            if _is_zero(TimerEventDefinition.parse_iso_duration(value)):
                report.add(exp.element_id, exp.element_name, f"定时器时长 {value} 为零：定时器会立刻触发；"
                                                             "请写一个大于零的时长（例如 PT1H），或去掉这个定时器")
        elif exp.timer == "timeCycle":
            if not upper.startswith("R"):
                raise ValueError
            count, _start, every = TimerEventDefinition.parse_iso_recurring_interval(value)
            if timedelta(0) < every < SHORTEST_CYCLE:
                raise cycle_too_short(value)
            if not every:
                report.add(exp.element_id, exp.element_name, f"重复周期 {value} 的间隔为零：定时器会不停地触发；"
                                                             "请写一个大于零的间隔（例如 R3/PT10M）")
            elif count < 0:
                report.add(exp.element_id, exp.element_name,
                           f"重复周期 {value} 没有写次数：流程停在这里多久，定时器就重复多久，每次触发都使流程实例变大；"
                           "建议写明次数（例如 R10/PT1H）", WARNING)
        else:
            if upper.startswith("P"):
                report.add(exp.element_id, exp.element_name,
                           f"timeDate 需要日期时间，{value!r} 是时长：请改用 timeDuration（持续时间）")
                return
            _date_in_range(report, exp, TimerEventDefinition.get_datetime(value))
    except (DurationTooLong, CycleTooShort) as exc:
        report.add(exp.element_id, exp.element_name, str(exc))
    except Exception:
        kind = {"timeDate": "日期时间（例如 2026-12-01T09:00）", "timeDuration": "ISO 8601 时长（例如 PT4H、P3D）",
                "timeCycle": "ISO 8601 重复周期（例如 R3/PT10M）"}[exp.timer]
        report.add(exp.element_id, exp.element_name, f"定时器 {value!r} 不是有效的{kind}")


def _is_zero(parsed: dict) -> bool:
    return not any(parsed.values())


EARLIEST_TIMER_YEAR = 2000  # a timeDate before it is a typo (1926 for 2026), and fires at once


def _date_in_range(report: Report, exp: Expression, instant) -> None:
    """A timeDate before 2000 or more than MAX_DURATION_YEARS ahead is a typo, not a deadline."""
    latest = clock.now().year + MAX_DURATION_YEARS
    if instant.year < EARLIEST_TIMER_YEAR:
        report.add(exp.element_id, exp.element_name, f"定时器日期 {exp.source} 早于 {EARLIEST_TIMER_YEAR} 年："
                                                     "它会在流程走到这里时立刻触发，像是年份写错了")
    elif instant.year > latest:
        report.add(exp.element_id, exp.element_name, f"定时器日期 {exp.source} 在 {MAX_DURATION_YEARS} 年以后"
                                                     f"（晚于 {latest} 年）：不像有效的时限，像是年份写错了")


_NEGATIVE = re.compile(r"^-\s*(R\d*/)?P", re.IGNORECASE)


def _looks_like_cron(text: str) -> bool:
    parts = text.split()
    return len(parts) in (5, 6, 7) and all(set(p) <= set("0123456789*?/,-LW#ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                                           for p in parts)


def check(root, report: Report, context: CheckContext | None) -> None:
    expressions = collect(root)
    safety.enum_comparisons(root, report, expressions)
    known_functions = set(context.functions if context else ()) | evaluator.BUILTIN_NAMES
    defined = defined_names(root, expressions)
    if context is not None and context.inputs is not None:
        defined |= set(context.inputs)
    for exp in expressions:
        where = (exp.element_id, exp.element_name)
        if exp.timer and not exp.source:
            report.add(*where, "定时器没有设置时间表达式")
            continue
        if exp.timer and (_NEGATIVE.match(exp.source) or re.match(r"^R\d*/-", exp.source, re.IGNORECASE)):
            report.add(*where, f"定时器时长 {exp.source} 是负数：定时器不能回到过去，流程会出错；"
                               "请写一个大于零的时长（例如 PT1H）")
            continue
        if exp.timer and _looks_like_cron(exp.source):
            report.add(*where, f"不支持 cron 表达式 {exp.source!r}：请用 ISO 8601 重复周期（R/…）或用脚本计算下一次时间")
            continue
        if exp.source.lstrip().startswith("=") and not exp.timer:
            report.add(*where, f"{exp.what} {exp.source.strip()[:120]!r} 是 Camunda 8 的 FEEL 写法（以 = 开头）："
                               "请改为 JUEL（${…}）或 Python 表达式")
            continue
        juel = dialect.juel_problems(exp.source)
        if juel:
            for message in juel:
                report.add(*where, f"{exp.what} {exp.source!r}：{message}")
            continue
        if dialect.is_juel(exp.source) and not (exp.python or "").strip():
            report.add(*where, f"{exp.what} {exp.source.strip()[:120]!r} 是空的（${{}} 里没有内容）："
                               "请在 ${} 里写上变量名或表达式，或删除它")
            continue
        found = evaluator.problems(exp.python, exp.mode)
        if found:
            label = "无法解析" if found[0].startswith("无法解析") else "不被允许"
            noun = exp.what if exp.what.endswith("表达式") else f"{exp.what}表达式"
            report.add(*where, f"{noun}{label}：{exp.source.strip()[:120]!r}（{'；'.join(found)}）")
            continue
        read, stored, called = evaluator.names(exp.python, exp.mode)
        camunda = sorted(n for n in read | called if n in _CAMUNDA_OBJECTS and n not in defined)
        for name in camunda:
            report.add(*where, f"{exp.what} {exp.source.strip()[:120]!r}：{_CAMUNDA_OBJECTS[name]}")
        calls = evaluator.method_calls(exp.python) if exp.juel else []
        if calls and not camunda:
            report.add(*where, f"{exp.what} {exp.source.strip()[:120]!r}：不支持 JUEL 方法调用 {calls[0]}()"
                               "（Java 对象在这里不存在）")
        for name in sorted(called - known_functions - defined - set(_CAMUNDA_OBJECTS)):
            hint = difflib.get_close_matches(name, sorted(known_functions), n=1)
            report.add(*where, f"{exp.what}调用了未知的函数 {name}()" + (f"，是不是 {hint[0]}()？" if hint else ""))
        if exp.timer:
            _timer_literal(report, exp)
        if context is None or context.inputs is None:
            continue
        unknown = read - known_functions - defined - stored - set(_CAMUNDA_OBJECTS)
        for name in sorted(unknown):
            if exp.timer and exp.python.strip() == name:
                report.add(*where, f"定时器 {exp.source!r} 既不是 ISO 8601 日期、时长或重复周期，也不是流程中的变量")
            else:
                report.add(*where, f"{exp.what}用到的 {name} 既不是表单字段、脚本输出、流程输入，也不是已注册的函数"
                                   "（若它由流程启动时传入，可忽略）", WARNING)

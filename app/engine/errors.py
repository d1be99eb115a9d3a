"""Whatever the engine raises, said in Chinese with the step it happened at.

SpiffWorkflow's messages are English and some of its errors (a timer value that is no date,
a type mismatch) carry no element at all; ``engine_error`` finds the element (from the
exception, or from the task the failing SpiffWorkflow frame was working on) and explains
the cause in words a process owner reads. The English original stays in ``detail``.
"""

from __future__ import annotations

import logging

from app.engine.clock import CycleTooShort, DurationTooLong
from app.engine.evaluator import ExpressionError
from app.engine.sizes import TooLarge, TooManySteps

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks a kind's description for the catalogue (services show it translated, ``_(describe(exc))``)."""
    return message


# What went wrong, by exception class, most specific first: a user never reads a Python class name.
_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (TimeoutError, N_("操作超时")),
    (ZeroDivisionError, N_("除以零")),
    (OverflowError, N_("数值超出范围")),
    (ArithmeticError, N_("计算出错")),
    (RecursionError, N_("递归过深")),
    (MemoryError, N_("内存不足")),
    (UnicodeError, N_("文字编码不正确")),
    (KeyError, N_("键不存在")),
    (IndexError, N_("索引越界")),
    (LookupError, N_("要找的数据不存在")),
    (NameError, N_("名称未定义")),
    (TypeError, N_("类型不符")),
    (ValueError, N_("数值错误")),
    (AttributeError, N_("属性不存在")),
    (NotImplementedError, N_("不支持的操作")),
    (PermissionError, N_("没有文件或目录的访问权限")),
    (FileNotFoundError, N_("文件不存在")),
    (ConnectionError, N_("连接中断")),
    (OSError, N_("文件或网络读写失败")),
    (AssertionError, N_("内部检查未通过")),
)
GENERIC = N_("内部错误")


def describe(exc: BaseException) -> str:
    """A short Chinese name for what went wrong (超时, 除以零, …); never the exception's class name."""
    return next((text for kind, text in _KINDS if isinstance(exc, kind)), GENERIC)


def _task_from_traceback(exc: BaseException):
    """The innermost SpiffWorkflow task (``my_task``/``task`` local) on the way to the error."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        local = tb.tb_frame.f_locals
        for name in ("my_task", "task"):
            candidate = local.get(name)
            if candidate is not None and hasattr(candidate, "task_spec") and hasattr(candidate, "workflow"):
                found = candidate
                break
        tb = tb.tb_next
    return found


def root_cause(exc: BaseException) -> BaseException:
    """The original exception under SpiffWorkflow's wrappers."""
    seen = exc
    while True:
        inner = seen.__cause__ or seen.__context__
        if inner is None or inner is seen:
            return seen
        seen = inner


def explain(cause: BaseException) -> str:
    """A Chinese reason for a Python or SpiffWorkflow exception."""
    text = str(cause)
    if isinstance(cause, ExpressionError | TooLarge | TooManySteps | DurationTooLong | CycleTooShort):
        return text
    if isinstance(cause, OverflowError):
        return "数值或时长超出范围（例如定时器的时长上万年）"
    if isinstance(cause, MemoryError):
        return "结果过大，内存不足"
    if isinstance(cause, NameError):
        name = getattr(cause, "name", None) or text.split("'")[1] if "'" in text else text
        return f"变量或函数 {name} 不存在（表单没有这个字段，或脚本还没有给它赋值）"
    if isinstance(cause, KeyError):
        return f"数据中没有 {text}"
    if isinstance(cause, IndexError):
        return "列表中没有这个位置（索引越界）"
    if isinstance(cause, ZeroDivisionError):
        return "除数为零"
    if isinstance(cause, TypeError):
        return "数据类型不符（例如把文字和数字相加，或把时长当成日期）"
    if "No conditions satisfied" in text:
        return "网关的所有条件都不成立，也没有默认出口"
    if "Invalid duration" in text or "isoformat" in text or "Invalid isoformat" in text:
        return "时间值不是有效的 ISO 8601 日期、时长或重复周期"
    if isinstance(cause, ValueError) and "integer string conversion" in text:
        return "整数位数过多（超过 4300 位），无法转换为文字"
    if isinstance(cause, ValueError):
        return "数值或时间格式不正确"
    if isinstance(cause, NotImplementedError):
        return "使用了不允许的操作"
    if isinstance(cause, AttributeError):
        return "访问了不存在或不允许的属性"
    if isinstance(cause, RecursionError):
        return "递归过深（可能是死循环）"
    if isinstance(cause, TimeoutError):
        return "操作超时，请稍后重试"
    if isinstance(cause, AssertionError):
        return "脚本中的 assert 条件不成立"
    log.warning("engine error without a Chinese reason: %s: %s", type(cause).__name__, cause)
    return f"{describe(cause)}，详情已记入服务器日志"


def engine_error(exc: BaseException, cls, task=None, expression: str | None = None):
    """``exc`` as an EngineError (``cls``) naming the step; EngineErrors pass through unchanged."""
    if isinstance(exc, cls):
        return exc
    spec = getattr(exc, "task_spec", None)
    if spec is None or not getattr(spec, "bpmn_id", None):
        found = _task_from_traceback(exc) or task
        spec = getattr(found, "task_spec", None)
    element_id = getattr(spec, "bpmn_id", "") or ""
    element_name = getattr(spec, "bpmn_name", "") or ""
    cause = root_cause(exc)
    reason = explain(cause)
    step = element_name or element_id
    message = f"流程在步骤「{step}」出错：{reason}" if step else f"流程出错：{reason}"
    detail = f"{type(cause).__name__}: {cause}"
    if expression:
        detail += f"（表达式 {expression!r}）"
    elif str(exc) != str(cause):
        detail = f"{exc} <- {detail}"
    error = cls(message, element_id, element_name, detail[:2000])
    error.expression = expression or ""  # what failed, for the dry run to show beside the Chinese reason
    return error

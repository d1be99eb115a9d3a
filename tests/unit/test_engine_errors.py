"""What the engine's failures say to a user: Chinese words for the kind of failure, never a Python class name."""

import logging

import pytest

from app.engine import errors
from app.engine.runtime import EngineError


class LibraryHiccup(Exception):
    """An exception class nobody mapped."""


@pytest.mark.parametrize(("exc", "kind"), [
    (TimeoutError("timed out"), "操作超时"),
    (ZeroDivisionError("division by zero"), "除以零"),
    (TypeError("unsupported operand"), "类型不符"),
    (NameError("name 'x' is not defined"), "名称未定义"),
    (KeyError("x"), "键不存在"),
    (IndexError("list index out of range"), "索引越界"),
    (ValueError("bad"), "数值错误"),
    (RecursionError("maximum recursion depth exceeded"), "递归过深"),
    (MemoryError(), "内存不足"),
    (ConnectionResetError(104, "reset"), "连接中断"),
    (OSError("No space left on device"), "文件或网络读写失败"),
    (LibraryHiccup("boom"), "内部错误"),
    (RuntimeError("boom"), "内部错误"),
])
def test_every_kind_of_failure_has_chinese_words(exc, kind):
    assert errors.describe(exc) == kind


@pytest.mark.parametrize("exc", [TimeoutError("statement timeout"), LibraryHiccup("boom"), RuntimeError("boom"),
                                 StopIteration(), UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")])
def test_the_message_names_the_step_in_chinese_and_the_detail_keeps_the_class(exc, caplog):
    caplog.set_level(logging.WARNING)
    error = errors.engine_error(exc, EngineError)
    message = str(error)
    assert message.startswith("流程出错：")
    assert type(exc).__name__ not in message and "Error" not in message and "boom" not in message, message
    assert type(exc).__name__ in error.detail, "the technical cause stays for the incident and the log"


def test_an_unmapped_failure_is_logged_with_its_class(caplog):
    caplog.set_level(logging.WARNING)
    message = errors.explain(LibraryHiccup("the vendor library hiccupped"))
    assert message == "内部错误，详情已记入服务器日志"
    assert "LibraryHiccup" in caplog.text and "the vendor library hiccupped" in caplog.text


def test_a_timeout_says_to_try_again():
    assert str(errors.engine_error(TimeoutError(), EngineError)) == "流程出错：操作超时，请稍后重试"


def test_a_failed_trial_migration_gives_the_chinese_reason_not_the_engines_english(caplog):
    from app.engine import migration  # (imports the models: only this test needs them)

    assert migration._reason(ValueError("Invalid isoformat string: 'banana'")) == "时间值不是有效的 ISO 8601 日期、时长或重复周期"
    assert migration._reason(EngineError("流程在步骤「记账」出错：除数为零")) == "流程在步骤「记账」出错：除数为零"
    assert migration._reason(LibraryHiccup("boom")) == "内部错误，详情已记入服务器日志"
    assert "boom" in caplog.text
